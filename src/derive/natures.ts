import { INFO_FIELDS } from '../fields/info-fields.js';
import { STAT_FIELDS } from '../fields/stat-fields.js';
import { OBJ_LETTER, type FieldNature } from '../parse/show-typed.js';
import { RECORDED_INFO_NATURES, RECORDED_STAT_NATURES } from './recorded-natures.js';

export type { FieldNature };

/** Natures by "<objtype>.<field>" (objtype F, B, S, L) for stat, and by key for info. */
export interface Natures {
  stat: Map<string, FieldNature>;
  info: Map<string, FieldNature>;
  /** Where they came from: this target's typed output, or the recorded ones (with hapbeat's field tables). */
  source: 'haproxy' | 'recorded' | 'tables';
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
  for (const f of STAT_FIELDS) for (const o of OBJ_LETTER) for (const s of [f.source, ...(f.aliases ?? [])]) stat.set(`${o}.${s}`, nat(f.kind, f.type));
  const info = new Map<string, FieldNature>();
  for (const f of INFO_FIELDS) for (const s of [f.source, ...(f.aliases ?? [])]) info.set(s, nat(f.kind, f.type));
  return { stat, info, source: 'tables' };
}

/** Stats-module columns (after `-`) missing from the typed sample are u64 counters, except the open/current ones. */
export function moduleNature(column: string): FieldNature {
  return /open|_cur$|current/.test(column) ? { origin: 'M', nature: 'G' } : { origin: 'M', nature: 'C' };
}
