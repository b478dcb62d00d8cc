import type { FieldSpec } from '../normalize/field-types.js';
import { STAT_FIELDS } from '../normalize/stat-fields.js';
import type { StatTable } from '../parse/show-stat.js';
import { parseStatus } from '../parse/status.js';

/** Virtual columns a table gets for the normalizer: `rate:<counter column>` and `ratio:<name>`. */
export const RATE_PREFIX = 'rate:';
export const RATIO_COLUMNS = ['ratio:http_5xx', 'ratio:servers_down', 'ratio:session_usage'] as const;

/** Where a counter's per-second rate goes: `request.total` → `request.rate_per_s`, otherwise `<field>_per_s`. */
export function rateField(spec: FieldSpec): string {
  return spec.field === 'request.total' ? 'request.rate_per_s' : `${spec.field}_per_s`;
}

/** The counters that get a rate: every counter of the stat field table. */
export const RATE_SPECS: readonly FieldSpec[] = STAT_FIELDS.filter((f) => f.kind === 'counter');
/** Every counter column name (aliases included), in one fixed order: values are kept in arrays by this index. */
const COUNTER_LIST: readonly string[] = RATE_SPECS.flatMap((f) => [f.source, ...(f.aliases ?? [])]);
const COUNTER_INDEX = new Map(COUNTER_LIST.map((c, i) => [c, i]));
const HRSP_INDEX = ['hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other'].map((c) => COUNTER_INDEX.get(c)!);
const I5XX = COUNTER_INDEX.get('hrsp_5xx')!;

/**
 * Per row key: the instance's rate contributions, by counter index (summed over processes), and the HTTP
 * response deltas (for the 5xx share).
 */
export interface Contribution {
  /** Counter increases over the interval, summed over processes (a new process: its count since it started). */
  delta: Float64Array;
  has: Uint8Array;
  hrspDelta: Float64Array;
}
const newContribution = (): Contribution => ({
  delta: new Float64Array(COUNTER_LIST.length),
  has: new Uint8Array(COUNTER_LIST.length),
  hrspDelta: new Float64Array(COUNTER_LIST.length),
});

/** The derived fields, for the field plan, the mappings and the README. */
export const DERIVED_RATE_FIELDS: readonly FieldSpec[] = [
  ...RATE_SPECS.map((f): FieldSpec => ({
    source: `${RATE_PREFIX}${f.source}`,
    aliases: (f.aliases ?? []).map((a) => `${RATE_PREFIX}${a}`),
    field: rateField(f),
    type: 'double',
    kind: 'gauge',
    unit: 'per_s',
    doc: `Per-second rate of ${f.field} since the previous sample of the same process (none on a process's first sample or after a counter reset); for scope all, the sum over processes.`,
  })),
  {
    source: 'ratio:http_5xx',
    field: 'response.http_5xx_ratio',
    type: 'double',
    kind: 'gauge',
    doc: 'Share of HTTP responses that were 5xx over the interval (frontends and backends), 0-1.',
  },
  {
    source: 'ratio:servers_down',
    field: 'server.down_ratio',
    type: 'double',
    kind: 'gauge',
    doc: 'Backends: servers DOWN over servers not in maintenance, 0-1.',
  },
  {
    source: 'ratio:session_usage',
    field: 'session.usage_ratio',
    type: 'double',
    kind: 'gauge',
    doc: 'Current sessions over the session limit, 0-1 (for scope all, the most loaded process).',
  },
];

const fmt = (x: number) => (Number.isFinite(x) ? String(Math.round(x * 1000) / 1000) : '');

export function rowKeyOf(row: readonly string[], h: Map<string, number>): string {
  return `${row[h.get('type')!]}|${row[h.get('iid')!]}|${row[h.get('sid')!]}|${row[h.get('pxname')!]}|${row[h.get('svname')!]}`;
}

interface Snapshot {
  t: number;
  /** Per row key: counter values by COUNTER_LIST index (NaN when absent). */
  rows: Map<string, Float64Array>;
}

/** One process's table with its identity, as the tracker sees it. */
export interface RateInput {
  /** pid and start time (or relative number when there is no pid): rates never cross processes. */
  processKey: string;
  /** Process start, epoch ms, when known. */
  startMs?: number;
  sampledAt: number;
  table: StatTable;
}

/**
 * Per-second rates of every counter, per row and per process, from consecutive samples of the same process.
 * A process seen for the first time has no rate (HAProxy 3.0 can preload counters from a stats file, so a value
 * alone says nothing); a counter that went down (never within one process) gives none either. So there is
 * never a negative or giant spike.
 *
 * For the instance's totals, the counter increases of every process over the interval are summed, and a
 * process that started since the previous poll contributes everything it counted since its start; the sum is
 * divided by the time between the two polls. That keeps the total rate exact across a reload, when traffic
 * moves from the old worker to the new one.
 */
export class RateTracker {
  private prev = new Map<string, Snapshot>();
  private lastPollAt?: number;
  /** Seconds between the last two polls: the interval of the instance's totals. */
  intervalSec = 0;

  /**
   * Appends the `rate:*` and `ratio:*` columns to each table (in place) and returns, per row key, the
   * contributions to the instance's rates (`rate:*` sums) and 5xx deltas.
   */
  enrich(inputs: readonly RateInput[], pollAt: number): Map<string, Contribution> {
    const contributions = new Map<string, Contribution>();
    const seen = new Set<string>();
    for (const inp of inputs) {
      seen.add(inp.processKey);
      const { table } = inp;
      const h = new Map(table.header.map((c, i) => [c, i]));
      if (h.has(`${RATE_PREFIX}stot`)) continue; // already enriched
      // This table's counter columns: [column index, counter index].
      const counters = table.header.map((c, i) => [i, COUNTER_INDEX.get(c) ?? -1] as const).filter(([, k]) => k >= 0);
      const before = this.prev.get(inp.processKey);
      const dt = before ? (inp.sampledAt - before.t) / 1000 : 0;
      const isNew = !before && this.lastPollAt !== undefined && inp.startMs !== undefined && inp.startMs >= this.lastPollAt - 1000;
      const snapshot: Snapshot = { t: inp.sampledAt, rows: new Map() };
      // Backends: server states, for the down ratio.
      const servers = new Map<string, { down: number; counted: number }>();
      const typeCol = h.get('type')!;
      const statusCol = h.get('status');
      const pxCol = h.get('pxname')!;
      for (const row of table.rows) {
        if (row[typeCol] !== '2' || statusCol === undefined) continue;
        const st = parseStatus(row[statusCol] ?? '').name;
        const b = servers.get(row[pxCol]!) ?? { down: 0, counted: 0 };
        if (st !== 'MAINT') {
          b.counted++;
          if (st === 'DOWN') b.down++;
        }
        servers.set(row[pxCol]!, b);
      }
      table.header.push(...counters.map(([i]) => `${RATE_PREFIX}${table.header[i]}`), ...RATIO_COLUMNS);
      const scurCol = h.get('scur');
      const slimCol = h.get('slim');
      for (const row of table.rows) {
        const key = rowKeyOf(row, h);
        const values = new Float64Array(COUNTER_LIST.length).fill(NaN);
        const prevRow = before?.rows.get(key);
        let contrib = contributions.get(key);
        if (!contrib) {
          contrib = newContribution();
          contributions.set(key, contrib);
        }
        const delta = new Float64Array(COUNTER_LIST.length).fill(NaN);
        for (const [ci, k] of counters) {
          const raw = row[ci]!;
          const v = raw === '' ? NaN : Number(raw);
          values[k] = v;
          let rate = '';
          const pv = prevRow ? prevRow[k]! : NaN;
          if (v >= pv && dt > 0) {
            rate = fmt((v - pv) / dt);
            delta[k] = v - pv;
            contrib.delta[k] = contrib.delta[k]! + (v - pv);
            contrib.has[k] = 1;
          } else if (isNew && v >= 0) {
            delta[k] = v;
            contrib.delta[k] = contrib.delta[k]! + v;
            contrib.has[k] = 1;
          }
          row.push(rate);
        }
        // Ratios.
        const type = row[typeCol];
        let r5 = '';
        let total = 0;
        for (const k of HRSP_INDEX) {
          if (delta[k]! >= 0) {
            total += delta[k]!;
            contrib.hrspDelta[k] = contrib.hrspDelta[k]! + delta[k]!;
          }
        }
        if ((type === '0' || type === '1') && prevRow && total > 0) r5 = fmt((delta[I5XX]! >= 0 ? delta[I5XX]! : 0) / total);
        let down = '';
        if (type === '1') {
          const b = servers.get(row[pxCol]!);
          if (b && b.counted > 0) down = fmt(b.down / b.counted);
        }
        const scur = scurCol === undefined ? NaN : Number(row[scurCol] || NaN);
        const slim = slimCol === undefined ? NaN : Number(row[slimCol] || NaN);
        const usage = slim > 0 && Number.isFinite(scur) ? fmt(scur / slim) : '';
        row.push(r5, down, usage);
        snapshot.rows.set(key, values);
      }
      this.prev.set(inp.processKey, snapshot);
    }
    for (const k of [...this.prev.keys()]) if (!seen.has(k)) this.prev.delete(k); // exited processes
    this.intervalSec = this.lastPollAt === undefined ? 0 : (pollAt - this.lastPollAt) / 1000;
    this.lastPollAt = pollAt;
    return contributions;
  }
}

/**
 * Writes the instance's rates into its aggregate table: each `rate:*` column is what every process counted
 * over the interval between two polls (a process that started meanwhile: everything since its start),
 * divided by that interval. Summed over polls, the rates give back exactly the requests served, reloads
 * included. The 5xx ratio comes from the same summed deltas.
 */
export function applyContributions(table: StatTable, contributions: Map<string, Contribution>, intervalSec: number): void {
  const h = new Map(table.header.map((c, i) => [c, i]));
  const rateCols = table.header
    .map((c, i) => [i, c.startsWith(RATE_PREFIX) ? (COUNTER_INDEX.get(c.slice(RATE_PREFIX.length)) ?? -1) : -1] as const)
    .filter(([, k]) => k >= 0);
  const i5 = h.get('ratio:http_5xx');
  const typeCol = h.get('type')!;
  for (const row of table.rows) {
    const c = contributions.get(rowKeyOf(row, h));
    for (const [i, k] of rateCols) row[i] = c && c.has[k] && intervalSec > 0 ? fmt(c.delta[k]! / intervalSec) : '';
    if (i5 !== undefined) {
      const type = row[typeCol];
      let total = 0;
      if (c) for (const k of HRSP_INDEX) total += c.hrspDelta[k]!;
      row[i5] = (type === '0' || type === '1') && total > 0 ? fmt(c!.hrspDelta[I5XX]! / total) : '';
    }
  }
}
