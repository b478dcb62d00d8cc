import type { FieldSpec } from './field-types.js';
import { STAT_FIELDS, STAT_IDENTITY_COLUMNS, STAT_MODULE_SEPARATOR, moduleFieldFor } from './stat-fields.js';
import { INFO_FIELDS, INFO_IGNORED_KEYS } from './info-fields.js';

/** Returned by a converter for a value of the wrong shape. */
export const INVALID: unique symbol = Symbol('invalid');
export type Converted = string | number | boolean | typeof INVALID;

/** One column (or key) compiled for fast conversion: where it goes and how to convert it. */
export interface CompiledField {
  /** Column index (stat) or key name (info). */
  source: number | string;
  /** Path from the dataset object (or the document root if `absolute`). */
  keys: string[];
  absolute: boolean;
  convert: (raw: string) => Converted;
  spec: FieldSpec;
}

const INT_RE = /^-?\d+$/;
const NUM_RE = /^-?\d+(?:\.\d+)?$/;

/** Builds the converter of a field spec: strict number shapes, unset sentinels, scaling. */
export function converterFor(spec: FieldSpec): (raw: string) => Converted {
  const unset = spec.unset;
  const scale = spec.scale;
  let base: (raw: string) => Converted;
  switch (spec.type) {
    case 'long':
      base = (raw) => (INT_RE.test(raw) ? Number(raw) : INVALID);
      break;
    case 'double':
      base = (raw) => (NUM_RE.test(raw) ? Number(raw) : INVALID);
      break;
    case 'boolean':
      base = (raw) => (raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : INVALID);
      break;
    default:
      base = (raw) => raw;
  }
  let withScale = base;
  if (scale !== undefined && scale !== 1) {
    // Divide for fractions so that 57 * 0.01 gives 0.57, not 0.5700000000000001.
    const divisor = scale < 1 ? Math.round(1 / scale) : undefined;
    withScale = (raw) => {
      const v = base(raw);
      if (typeof v !== 'number') return v;
      return divisor ? v / divisor : v * scale;
    };
  }
  if (!unset || unset.length === 0) return withScale;
  return (raw) => (unset.includes(raw) ? (undefined as unknown as Converted) : withScale(raw));
}

function compile(spec: FieldSpec, source: number | string, field = spec.field): CompiledField {
  return { source, keys: field.split('.'), absolute: spec.absolute === true, convert: converterFor(spec), spec };
}

/** The plan for one `show stat` header: which column becomes which field, and where the row identity is. */
export interface StatPlan {
  fields: CompiledField[];
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
 * never by position: positions move between versions and even inside 2.6.
 */
export function statPlan(header: readonly string[]): StatPlan {
  const key = header.join(',');
  const cached = planCache.get(key);
  if (cached) return cached;
  const fields: CompiledField[] = [];
  const unknown: string[] = [];
  const col = { pxname: -1, svname: -1, iid: -1, sid: -1, type: -1, status: -1, pid: -1 };
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
      fields.push(compile(spec, i));
      return;
    }
    const moduleField = moduleFieldFor(name);
    if (moduleField && (afterSeparator || !header.includes(STAT_MODULE_SEPARATOR))) {
      fields.push(compile(moduleSpec(name, moduleField), i, moduleField));
      return;
    }
    unknown.push(name);
  });
  const plan: StatPlan = { fields, col, unknown };
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

/** The compiled `show info` table, in table order (so Memmax_bytes overrides Memmax_MB). */
export const INFO_PLAN: readonly CompiledField[] = INFO_FIELDS.flatMap((s) => [
  compile(s, s.source),
  ...(s.aliases ?? []).map((a) => compile(s, a)),
]);

export function isKnownInfoKey(key: string): boolean {
  return INFO_IGNORED_KEYS.has(key) || INFO_PLAN.some((f) => f.source === key);
}

/** Sets obj[k0][k1]...[kn] = value, creating objects on the way. */
export function setPath(obj: Record<string, unknown>, keys: readonly string[], value: unknown): void {
  let o = obj;
  const last = keys.length - 1;
  for (let i = 0; i < last; i++) {
    const k = keys[i]!;
    let next = o[k] as Record<string, unknown> | undefined;
    if (next === undefined) {
      next = {};
      o[k] = next;
    }
    o = next;
  }
  o[keys[last]!] = value;
}
