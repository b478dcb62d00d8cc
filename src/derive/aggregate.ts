import type { InfoRecord } from '../parse/show-info.js';
import { rowCells, tableFromRows, type StatTable } from '../parse/stat-table.js';
import { decimalOf } from '../parse/numbers.js';
import { rowKey, rowKeyColumns } from '../parse/row-key.js';
import { OBJ_LETTER, type FieldNature } from '../parse/show-typed.js';
import { moduleNature, type Natures } from './natures.js';

/** One process's contribution to a target's totals. */
export interface ProcessPart {
  /** An old worker: its traffic counts, its view of server state does not. */
  old: boolean;
  table?: StatTable;
  info?: InfoRecord;
}

/**
 * Fields that describe configuration or server state rather than traffic: every process has its own copy of
 * the same fact, so they are taken from the current processes, never summed, and old workers (whose view is
 * stale) never count. HAProxy's natures label some of them metrics (a backend's `act` is a gauge, `weight` an
 * average, `downtime` a counter), hence this list; everything else follows HAProxy's own natures.
 */
export const STATE_FIELDS: Readonly<Record<string, 'min' | 'max'>> = {
  act: 'min',
  bck: 'min',
  weight: 'min',
  uweight: 'min',
  agg_server_status: 'max',
  agg_check_status: 'max',
  agg_server_check_status: 'max',
  downtime: 'max',
  lastchg: 'min',
  chkdown: 'max',
};

/**
 * How each field is combined across processes into the instance's totals (`haproxy.process.scope: all`), by
 * the nature HAProxy gives it in `show stat typed` / `show info typed` (origin letter, nature letter), and by
 * meaning where the nature says too little. `combine` follows this table; the README shows it.
 */
export const COMBINE_RULES: readonly { fields: string; rule: string; why: string }[] = [
  {
    fields: 'counters (nature C), gauges (G), rates (R)',
    rule: 'sum over every process, old workers included',
    why: 'what an old worker still serves is real traffic',
  },
  {
    fields: 'limits (L): maxconn, ulimit-n, slim, qlimit, rate limits, ...',
    rule: 'sum over the current processes',
    why: 'each nbproc process has its own limit, so capacity adds up; an old worker no longer accepts connections, so its limit is not capacity',
  },
  {
    fields: 'averages (a): Idle_pct, qtime, ctime, rtime, ttime, ...',
    rule: 'mean weighted by sessions (stot) for show stat, plain mean for show info',
    why: "an average stays within the processes' range: three idle processes are 100% idle, not 300%",
  },
  { fields: 'maxima (M), durations (D), times (T)', rule: 'largest over every process', why: 'the highest any process saw' },
  { fields: 'minima (m)', rule: 'smallest over every process', why: '' },
  { fields: 'ages (A): lastsess, ...', rule: 'smallest non-negative', why: 'the most recent event in any process' },
  {
    fields: 'configuration, keys, product and status (origins C, K, P, S; names N; outputs O): Nbproc, Nbthread, version, ...',
    rule: "the current processes' value, never summed",
    why: 'every process holds a copy of the same fact',
  },
  {
    fields: 'server state: act, bck, weight, uweight, agg_*_status, downtime, lastchg, chkdown',
    rule: 'smallest or largest over the current processes',
    why: "HAProxy labels some of these metrics (a backend's act is a gauge), but they describe state, and an old worker's view is stale",
  },
  { fields: 'status words: status, check_status, agent_status', rule: 'the worst among the current processes', why: 'a server DOWN in one process is DOWN' },
  {
    fields: 'ratios computed by hapbeat (`*_ratio`)',
    rule: 'recomputed from the summed counters (5xx share), else the largest',
    why: 'a ratio of sums, not a sum of ratios',
  },
];

const IDENTITY = new Set(['pxname', 'svname', 'iid', 'sid', 'type']);
const INFO_DROP = new Set([
  'Pid',
  'Process_num',
  'Stopping',
  'Start_time_sec',
  'Uptime',
  'Uptime_sec',
  'Name',
  'Release_date',
  'node',
  'description',
  'Build info',
  'Tainted',
]);

/** Status words from worst to best: differing processes combine to the worst. */
const STATUS_ORDER = ['DOWN', 'MAINT', 'DRAIN', 'NOLB', 'STOP', 'PAUSED', 'FULL', 'WAITING', 'no check', 'UP', 'OPEN'];
function statusRank(s: string): number {
  const i = STATUS_ORDER.findIndex((w) => s === w || s.startsWith(`${w} `));
  return i < 0 ? -1 : i;
}

const num = decimalOf;

/** Combines one field's values across processes by its nature. `values[i]` belongs to `parts[i]`. */
export function combine(name: string, nature: FieldNature | undefined, values: (string | undefined)[], current: boolean[], weights: number[]): string {
  const present = values.map((v, i) => ({ v, i })).filter((x) => x.v !== undefined && x.v !== '');
  if (present.length === 0) return '';
  const cur = present.filter((x) => current[x.i]);
  const state = STATE_FIELDS[name];
  if (name === 'status' || name === 'check_status' || name === 'agent_status') {
    const from = cur.length ? cur : present;
    const set = new Set(from.map((x) => x.v));
    if (set.size === 1) return from[0]!.v!;
    return from.map((x) => x.v!).sort((a, b) => statusRank(a) - statusRank(b))[0]!;
  }
  if (state) {
    const nums = (cur.length ? cur : present).map((x) => num(x.v)).filter((n): n is number => n !== undefined);
    if (nums.length === 0) return (cur[0] ?? present[0])!.v!;
    return String(state === 'min' ? Math.min(...nums) : Math.max(...nums));
  }
  const n = nature?.nature ?? '?';
  const origin = nature?.origin ?? '?';
  if (n === 'L') {
    // Limits: each current process has its own; an old worker's is not capacity.
    const from = cur.length ? cur : present;
    const nums = from.map((x) => num(x.v)).filter((x): x is number => x !== undefined);
    return nums.length ? String(nums.reduce((a, x) => a + x, 0)) : from[0]!.v!;
  }
  if (origin === 'S' || origin === 'C' || origin === 'K' || origin === 'P' || n === 'N' || n === 'O') {
    // Configuration, status, names and outputs: the current processes' value (they agree), not a sum.
    return (cur.length ? cur : present)[0]!.v!;
  }
  const nums = present.map((x) => ({ n: num(x.v), i: x.i })).filter((x): x is { n: number; i: number } => x.n !== undefined);
  if (nums.length === 0) return present[0]!.v!;
  switch (n) {
    case 'C':
    case 'G':
    case 'R':
      return String(nums.reduce((a, x) => a + x.n, 0));
    case 'M':
    case 'D':
    case 'T':
      return String(Math.max(...nums.map((x) => x.n)));
    case 'm':
      return String(Math.min(...nums.map((x) => x.n)));
    case 'A': {
      const valid = nums.filter((x) => x.n >= 0);
      return valid.length ? String(Math.min(...valid.map((x) => x.n))) : String(nums[0]!.n);
    }
    case 'a': {
      const w = nums.reduce((a, x) => a + (weights[x.i] ?? 0), 0);
      const v = w > 0 ? nums.reduce((a, x) => a + x.n * (weights[x.i] ?? 0), 0) / w : nums.reduce((a, x) => a + x.n, 0) / nums.length;
      return String(Math.round(v));
    }
    default:
      return String(nums.reduce((a, x) => a + x.n, 0));
  }
}

/**
 * The `show stat` table of the whole HAProxy instance: one row per row key (proxy, server, component), each
 * column combined across processes by its nature. Columns are aligned by name (processes of different
 * versions may differ); the header is the first current process's. Pure.
 */
export function aggregateStat(parts: readonly ProcessPart[], natures: Natures): StatTable | undefined {
  const withTable = parts.filter((p) => p.table && p.table.rowCount > 0);
  if (withTable.length === 0) return undefined;
  const base = (withTable.find((p) => !p.old) ?? withTable[0]!).table!;
  const header = base.header;
  const maps = withTable.map((p) => {
    const c = rowKeyColumns(p.table!.header);
    const byName = new Map(p.table!.header.map((h, i) => [h, i]));
    const t = p.table!;
    const rows = new Map<string, string[]>();
    for (let r = 0; r < t.rowCount; r++) rows.set(rowKey(t, r, c), rowCells(t, r));
    return { old: p.old, byName, rows, stot: p.table!.header.indexOf('stot') };
  });
  // Every row of any process, the base process's order first.
  const baseIndex = withTable.findIndex((p) => p.table === base);
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const i of [baseIndex, ...maps.keys()]) {
    for (const k of maps[i]!.rows.keys()) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  const current = maps.map((m) => !m.old);
  // Everything about a column that does not depend on the row, computed once.
  const sep = header.indexOf('-');
  const cols = header.map((h, ci) => ({
    h,
    kind: IDENTITY.has(h) ? 'id' : h === 'pid' ? 'pid' : h === '-' ? 'sep' : 'value',
    /** This column's index in each process's table (-1 when it lacks it). */
    at: maps.map((m) => m.byName.get(h) ?? -1),
    natures: OBJ_LETTER.map((l) => natures.stat.get(`${l}.${h}`) ?? (sep >= 0 && ci > sep ? moduleNature(h) : undefined)),
  }));
  const typeAt = maps.map((m) => m.byName.get('type')!);
  const rows: string[][] = [];
  for (const k of keys) {
    const contributions = maps.map((m) => m.rows.get(k));
    let only = -1;
    let count = 0;
    for (let i = 0; i < contributions.length; i++) {
      if (contributions[i]) {
        count++;
        only = i;
      }
    }
    if (count === 1) {
      // One process has this row (a single worker, or a row only one process knows): its values are the totals.
      const src = contributions[only]!;
      rows.push(cols.map((c) => (c.kind === 'pid' ? '' : c.kind === 'sep' ? '-' : c.at[only]! >= 0 ? src[c.at[only]!]! : '')));
      continue;
    }
    const firstIndex = contributions.findIndex((r) => r);
    const type = Number(contributions[firstIndex]![typeAt[firstIndex]!]);
    const letterIndex = type >= 0 && type <= 3 ? type : 2;
    const weights = contributions.map((r, i) => (r && maps[i]!.stot >= 0 ? Number(r[maps[i]!.stot]) || 0 : 0));
    const values: (string | undefined)[] = new Array(maps.length);
    const row = cols.map((c) => {
      if (c.kind === 'pid') return '';
      if (c.kind === 'sep') return '-';
      if (c.kind === 'id') {
        for (let i = 0; i < contributions.length; i++) if (contributions[i] && c.at[i]! >= 0) return contributions[i]![c.at[i]!]!;
        return '';
      }
      for (let i = 0; i < contributions.length; i++) values[i] = contributions[i] && c.at[i]! >= 0 ? contributions[i]![c.at[i]!] : undefined;
      return combine(c.h, c.natures[letterIndex], values, current, weights);
    });
    rows.push(row);
  }
  return tableFromRows(header, rows);
}

/** The `show info` of the whole instance, each key combined by COMBINE_RULES. Pure. */
export function aggregateInfo(parts: readonly ProcessPart[], natures: Natures): InfoRecord | undefined {
  const withInfo = parts.filter((p) => p.info);
  if (withInfo.length === 0) return undefined;
  const keys = new Set<string>();
  for (const p of withInfo) for (const k of Object.keys(p.info!)) if (!INFO_DROP.has(k)) keys.add(k);
  const current = withInfo.map((p) => !p.old);
  const weights = withInfo.map(() => 1);
  const out: InfoRecord = Object.create(null) as InfoRecord;
  for (const k of keys) {
    const v = combine(
      k,
      natures.info.get(k),
      withInfo.map((p) => p.info![k]),
      current,
      weights,
    );
    if (v !== '') out[k] = v;
  }
  out.Name = withInfo[0]!.info!.Name ?? 'HAProxy';
  return out;
}
