import { STAT_FIELDS } from '../normalize/stat-fields.js';
import { INFO_FIELDS } from '../normalize/info-fields.js';
import { RECORDED_INFO_NATURES, RECORDED_STAT_NATURES } from './recorded-natures.js';

/**
 * What a field means, in HAProxy's own words: the origin and nature letters of `show stat typed` and
 * `show info typed` (management.txt §9.2). Origin: M metric, S status, K key, C config, P product.
 * Nature: C counter, G gauge, R rate, a average, M max, m min, L limit, A age, D duration, T time, N name,
 * O output.
 */
export interface FieldNature {
  origin: string;
  nature: string;
}

/** Natures by "<objtype>.<field>" (objtype F, B, S, L) for stat, and by key for info. */
export interface Natures {
  stat: Map<string, FieldNature>;
  info: Map<string, FieldNature>;
  /** Where they came from: this target's typed output, or the recorded ones (with hapbeat's field tables). */
  source: 'haproxy' | 'recorded' | 'tables';
}

const OBJ_TYPES = ['F', 'B', 'S', 'L'] as const;
/** component_type 0..3 → typed objtype letter. */
export const OBJ_LETTER = ['F', 'B', 'S', 'L'] as const;

/**
 * Reads the field natures from `show stat typed`. Lines are `<obj>.<iid>.<id>.<pos>.<name>.<proc>:<ONS>:<type>:<value>`;
 * the name never contains ':' or '.', and the value (which may contain anything) is ignored. Pure.
 */
export function parseStatTypedNatures(text: string): Map<string, FieldNature> {
  const out = new Map<string, FieldNature>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const head = line.slice(0, colon).split('.');
    if (head.length < 6 || !(OBJ_TYPES as readonly string[]).includes(head[0]!)) continue;
    const name = head.slice(4, -1).join('.');
    const tags = line.slice(colon + 1, colon + 4);
    if (tags.length !== 3) continue;
    const key = `${head[0]}.${name}`;
    if (!out.has(key)) out.set(key, { origin: tags[0]!, nature: tags[1]! });
  }
  return out;
}

/** Reads the field natures from `show info typed`: `<pos>.<name>.<proc>:<ONS>:<type>:<value>`. Pure. */
export function parseInfoTypedNatures(text: string): Map<string, FieldNature> {
  const out = new Map<string, FieldNature>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const head = line.slice(0, colon);
    const first = head.indexOf('.');
    const last = head.lastIndexOf('.');
    if (first < 0 || last <= first) continue;
    const name = head.slice(first + 1, last);
    const tags = line.slice(colon + 1, colon + 4);
    if (tags.length === 3 && !out.has(name)) out.set(name, { origin: tags[0]!, nature: tags[1]! });
  }
  return out;
}

/**
 * The natures to use until a target's own typed output is known (and for stats pages, which have none):
 * HAProxy's own, recorded from every version under test (recorded-natures.ts), then hapbeat's field tables
 * for anything those lack.
 */
export function fallbackNatures(): Natures {
  const n = tableNatures();
  const letters = (v: string): FieldNature => ({ origin: v[0]!, nature: v[1]! });
  for (const [k, v] of Object.entries(RECORDED_STAT_NATURES)) n.stat.set(k, letters(v));
  for (const [k, v] of Object.entries(RECORDED_INFO_NATURES)) n.info.set(k, letters(v));
  return { ...n, source: 'recorded' };
}

/** Natures guessed from hapbeat's field tables: counters and gauges, everything else an output. */
function tableNatures(): Natures {
  const nat = (kind?: string, type?: string): FieldNature =>
    kind === 'counter'
      ? { origin: 'M', nature: 'C' }
      : kind === 'gauge'
        ? { origin: 'M', nature: 'G' }
        : { origin: type === 'keyword' ? 'S' : 'C', nature: 'O' };
  const stat = new Map<string, FieldNature>();
  for (const f of STAT_FIELDS) for (const o of OBJ_TYPES) for (const s of [f.source, ...(f.aliases ?? [])]) stat.set(`${o}.${s}`, nat(f.kind, f.type));
  const info = new Map<string, FieldNature>();
  for (const f of INFO_FIELDS) for (const s of [f.source, ...(f.aliases ?? [])]) info.set(s, nat(f.kind, f.type));
  return { stat, info, source: 'tables' };
}

/** Stats-module columns (after `-`) missing from the typed sample are u64 counters, except the open/current ones. */
export function moduleNature(column: string): FieldNature {
  return /open|_cur$|current/.test(column) ? { origin: 'M', nature: 'G' } : { origin: 'M', nature: 'C' };
}
