import { COUNTER_INDEX, RATIO_INDEX, RATIO_SPECS, rateSpecOf } from '../fields/derived-fields.js';
import type { FieldSpec } from '../fields/field-types.js';
import { INFO_FIELDS, INFO_IGNORED_KEYS } from '../fields/info-fields.js';
import { STAT_FIELDS, STAT_IDENTITY_COLUMNS, STAT_MODULE_SEPARATOR, moduleFieldFor } from '../fields/stat-fields.js';
import { HapbeatError } from '../errors.js';
import { isDecimalText, isIntText } from '../parse/numbers.js';
import { tableFromRows, type Cells } from '../parse/stat-table.js';

/**
 * One column (or key) compiled for the hot path: where it goes and how its text becomes JSON.
 * `emit` returns the JSON text of the value, `undefined` for an "unset" sentinel (left out), or `null` for a
 * value of the wrong shape (left out and reported).
 */
export interface CompiledField {
  /** Column index (stat), index in INFO_TREE.keys (info), or index in a derived row (EMIT_DERIVED). */
  source: number;
  /**
   * EMIT_INT: an integer copied as written (the common case, inlined on the hot path); EMIT_CALL: use `emit`;
   * EMIT_DERIVED: a number from the derived row (rates and ratios), not from the table; EMIT_STRING: a string,
   * copied between quotes when it needs no escape (inlined), else JSON-encoded by `emit`.
   */
  how: 0 | 1 | 2 | 3;
  /** Path from the dataset object. */
  keys: string[];
  emit: (raw: string) => string | undefined | null;
  spec: FieldSpec;
}

/** Builds the emitter of a field spec: strict number shapes, unset sentinels, scaling. */
export function emitterFor(spec: FieldSpec): (raw: string) => string | undefined | null {
  const unset = spec.unset;
  const scale = spec.scale;
  // Divide for fractions so that 57 * 0.01 gives 0.57, not 0.5700000000000001.
  const divisor = scale !== undefined && scale < 1 ? Math.round(1 / scale) : undefined;
  let base: (raw: string) => string | null;
  switch (spec.type) {
    case 'long':
      if (scale !== undefined && scale !== 1) {
        base = (raw) => (isIntText(raw) ? String(divisor ? Number(raw) / divisor : Number(raw) * scale) : null);
      } else {
        // Copied as written, except a leading zero, which JSON does not allow.
        base = (raw) => (isIntText(raw) ? (raw.length > 1 && (raw.charCodeAt(0) === 48 || raw.startsWith('-0')) ? String(Number(raw)) : raw) : null);
      }
      break;
    case 'double':
      base = (raw) => {
        if (!isDecimalText(raw)) return null;
        const v = Number(raw);
        return String(divisor ? v / divisor : scale !== undefined ? v * scale : v);
      };
      break;
    case 'boolean':
      base = (raw) => (raw === '1' || raw === 'true' ? 'true' : raw === '0' || raw === 'false' ? 'false' : null);
      break;
    default:
      base = (raw) => JSON.stringify(raw);
  }
  if (!unset || unset.length === 0) return base;
  return (raw) => (unset.includes(raw) ? undefined : base(raw));
}

export const EMIT_INT = 0;
export const EMIT_CALL = 1;
export const EMIT_DERIVED = 2;
export const EMIT_STRING = 3;

export function compileField(spec: FieldSpec, source: number, field = spec.field): CompiledField {
  const plainInt = spec.type === 'long' && (spec.scale === undefined || spec.scale === 1) && !spec.unset?.length;
  const plainString = spec.type === 'keyword' && !spec.unset?.length;
  return { source, how: plainInt ? EMIT_INT : plainString ? EMIT_STRING : EMIT_CALL, keys: field.split('.'), emit: emitterFor(spec), spec };
}

const notText = () => null;
/** A derived field: reads a number at `index` of the derived row. */
function compileDerived(spec: FieldSpec, index: number): CompiledField {
  return { source: index, how: EMIT_DERIVED, keys: spec.field.split('.'), emit: notText, spec };
}

/**
 * Fields arranged as the tree of the document they build: a leaf reads one column (or the first present of
 * several, in priority order), an inner node groups the fields under one key.
 */
export interface FieldNode {
  name: string;
  /** The member's key as JSON bytes, written once: `"name":`. */
  key: Uint8Array;
  /** The same with a leading comma: `,"name":`. */
  keyComma: Uint8Array;
  field: CompiledField | undefined;
  /** Further sources for the same leaf, tried when `field` has no value (Memmax_MB after Memmax_bytes). */
  fallbacks: CompiledField[] | undefined;
  children: FieldNode[] | undefined;
}

/**
 * A node with every member present from the start, so that all nodes share one shape (hidden class) and the
 * hot path's reads of `field`, `fallbacks` and `children` stay monomorphic.
 */
function fieldNode(name: string): FieldNode {
  const key = `${JSON.stringify(name)}:`;
  return { name, key: Buffer.from(key), keyComma: Buffer.from(`,${key}`), field: undefined, fallbacks: undefined, children: undefined };
}

/** Arranges fields as a tree. Fields are in priority order: the first one for a path is tried first. */
export function fieldTree(fields: readonly CompiledField[]): FieldNode[] {
  const root = fieldNode('');
  root.children = [];
  for (const f of fields) {
    let node = root;
    f.keys.forEach((k, i) => {
      let child = node.children!.find((c) => c.name === k);
      if (!child) {
        child = fieldNode(k);
        node.children!.push(child);
      }
      if (i === f.keys.length - 1) {
        if (child.children) throw new HapbeatError('HAPBEAT_ERR_INTERNAL', `field table conflict: ${f.keys.join('.')} is both a value and an object`);
        if (!child.field) child.field = f;
        else (child.fallbacks ??= []).push(f);
      } else {
        if (child.field)
          throw new HapbeatError('HAPBEAT_ERR_INTERNAL', `field table conflict: ${f.keys.slice(0, i + 1).join('.')} is both a value and an object`);
        child.children ??= [];
      }
      node = child;
    });
  }
  return root.children!;
}

/** The plan for one `show stat` header: which column becomes which field, and where the row identity is. */
export interface StatPlan {
  fields: CompiledField[];
  tree: FieldNode[];
  /** Column indexes of the row identity. `pid` is the relative process number. */
  col: { pxname: number; svname: number; iid: number; sid: number; type: number; status: number; pid: number };
  /** Columns that are neither in the table nor stats-module columns: ignored, and reported once. */
  unknown: string[];
}

const STAT_BY_NAME = new Map<string, FieldSpec>();
for (const s of STAT_FIELDS) {
  STAT_BY_NAME.set(s.source, s);
  for (const a of s.aliases ?? []) STAT_BY_NAME.set(a, s);
}

const planCache = new Map<string, StatPlan>();

/**
 * Compiles (and caches, per distinct header) the column plan for a `show stat` header. Mapping is by name,
 * never by position: positions move between versions and even inside 2.6. The derived fields follow: a rate
 * for each counter column (in the header's order), then the ratios, each read from the derived row.
 */
export function statPlan(header: readonly string[]): StatPlan {
  const key = header.join(',');
  const cached = planCache.get(key);
  if (cached) return cached;
  const fields: CompiledField[] = [];
  const unknown: string[] = [];
  const col = { pxname: -1, svname: -1, iid: -1, sid: -1, type: -1, status: -1, pid: -1 };
  const hasSeparator = header.includes(STAT_MODULE_SEPARATOR);
  let afterSeparator = false;
  header.forEach((name, i) => {
    if (name in col) (col as Record<string, number>)[name] = i;
    if (name === STAT_MODULE_SEPARATOR) {
      afterSeparator = true;
      return;
    }
    if (STAT_IDENTITY_COLUMNS.has(name)) return;
    const spec = STAT_BY_NAME.get(name);
    if (spec) {
      fields.push(compileField(spec, i));
      return;
    }
    const moduleField = moduleFieldFor(name);
    if (moduleField && (afterSeparator || !hasSeparator)) {
      fields.push(compileField(moduleSpec(name, moduleField), i, moduleField));
      return;
    }
    unknown.push(name);
  });
  for (const name of header) {
    const rate = rateSpecOf(name);
    if (rate) fields.push(compileDerived(rate, COUNTER_INDEX.get(name)!));
  }
  fields.push(
    compileDerived(RATIO_SPECS[0], RATIO_INDEX.http_5xx),
    compileDerived(RATIO_SPECS[1], RATIO_INDEX.servers_down),
    compileDerived(RATIO_SPECS[2], RATIO_INDEX.session_usage),
  );
  const tree = fieldTree(fields);
  const plan: StatPlan = { fields, tree, col, unknown };
  if (planCache.size > 64) planCache.clear();
  planCache.set(key, plan);
  return plan;
}

const moduleSpecs = new Map<string, FieldSpec>();
/** Stats-module columns are all numbers (u64 counters or gauges in `show stat typed`). */
export function moduleSpec(column: string, field: string): FieldSpec {
  let s = moduleSpecs.get(column);
  if (!s) {
    s = { source: column, field, type: 'long', doc: `Stats module column ${column}.` };
    moduleSpecs.set(column, s);
  }
  return s;
}

/**
 * The compiled `show info` table. Later table entries for the same field take priority (Memmax_bytes over
 * Memmax_MB); `absolute` fields (process.pid) come from the process identity instead.
 */
export const INFO_TREE: { nodes: FieldNode[]; keys: string[]; known: Set<string> } = (() => {
  const keys: string[] = [];
  const compiled = INFO_FIELDS.filter((s) => !s.absolute)
    .flatMap((s) => [s.source, ...(s.aliases ?? [])].map((k) => compileField(s, keys.push(k) - 1)))
    .reverse();
  const known = new Set<string>([...INFO_IGNORED_KEYS, ...INFO_FIELDS.flatMap((s) => [s.source, ...(s.aliases ?? [])])]);
  return { nodes: fieldTree(compiled), keys, known };
})();

/** A `show info` record as the one row of cells the info field tree reads (aligned with INFO_TREE.keys). */
export function infoCells(info: Readonly<Record<string, string>>): Cells {
  return tableFromRows(INFO_TREE.keys, [INFO_TREE.keys.map((k) => info[k] ?? '')]);
}
