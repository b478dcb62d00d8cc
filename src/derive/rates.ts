import { COUNTER_COLUMNS, COUNTER_INDEX, DERIVED_ROW_LENGTH, RATIO_INDEX } from '../fields/derived-fields.js';
import { rowKey, rowKeyColumns } from '../parse/row-key.js';
import type { StatTable } from '../parse/show-stat.js';
import { parseStatus } from '../parse/status.js';

/**
 * The derived values of one `show stat` row, laid out as DERIVED_STAT_COLUMNS (fields/derived-fields.ts): a
 * per-second rate for each counter column, then the 5xx share, the servers-down share and the session usage.
 * NaN means "no value" (the field is left out of the document).
 */
export type DerivedRow = Float64Array;

/** Derived values of a table, aligned with its rows (`rows[i]` belongs to `table.rows[i]`). */
export type DerivedRows = readonly DerivedRow[];

const HRSP_INDEX = ['hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other'].map((c) => COUNTER_INDEX.get(c)!);
const I5XX = COUNTER_INDEX.get('hrsp_5xx')!;

const emptyRow = (): DerivedRow => new Float64Array(DERIVED_ROW_LENGTH).fill(NaN);

/** One row key's share of the instance's values, over every process that has the row. */
export interface InstanceShare {
  /** Counter increases over the interval, summed over processes (a new process: its count since it started). */
  delta: Float64Array;
  /** 1 where some process contributed to `delta`. */
  has: Uint8Array;
  /** HTTP response increases by class, summed over processes (for the 5xx share). */
  hrspDelta: Float64Array;
  /** The largest servers-down share and session usage of any process (NaN when none had one). */
  down: number;
  usage: number;
}
const newShare = (): InstanceShare => ({
  delta: new Float64Array(COUNTER_COLUMNS.length),
  has: new Uint8Array(COUNTER_COLUMNS.length),
  hrspDelta: new Float64Array(COUNTER_COLUMNS.length),
  down: NaN,
  usage: NaN,
});

/** One process's table with its identity, as the tracker sees it. */
export interface RateInput {
  /** pid and start time (or relative number when there is no pid): rates never cross processes. */
  processKey: string;
  /** Process start, epoch ms, when known. */
  startMs?: number;
  sampledAt: number;
  table: StatTable;
}

/** What one poll's samples give. */
export interface PollRates {
  /** Per input, in the same order: the derived values of its rows. */
  processes: DerivedRows[];
  /** Per row key: the instance's share, from which instanceRates() computes the totals' values. */
  shares: Map<string, InstanceShare>;
  /** Seconds between this poll and the previous one (0 on the first): the interval of the instance's rates. */
  intervalSec: number;
}

interface Snapshot {
  t: number;
  /** Per row key: counter values by COUNTER_COLUMNS index (NaN when absent). */
  rows: Map<string, Float64Array>;
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
 * moves from the old worker to the new one. The parser's tables are only read, never changed.
 */
export class RateTracker {
  private prev = new Map<string, Snapshot>();
  private lastPollAt?: number;

  track(inputs: readonly RateInput[], pollAt: number): PollRates {
    const shares = new Map<string, InstanceShare>();
    const processes: DerivedRows[] = [];
    const seen = new Set<string>();
    for (const inp of inputs) {
      seen.add(inp.processKey);
      processes.push(this.trackProcess(inp, shares));
    }
    for (const k of [...this.prev.keys()]) if (!seen.has(k)) this.prev.delete(k); // exited processes
    const intervalSec = this.lastPollAt === undefined ? 0 : (pollAt - this.lastPollAt) / 1000;
    this.lastPollAt = pollAt;
    return { processes, shares, intervalSec };
  }

  private trackProcess(inp: RateInput, shares: Map<string, InstanceShare>): DerivedRows {
    const { table } = inp;
    const h = new Map(table.header.map((c, i) => [c, i]));
    const keyCols = rowKeyColumns(table.header);
    // This table's counter columns: [column index, counter index].
    const counters = table.header.map((c, i) => [i, COUNTER_INDEX.get(c) ?? -1] as const).filter(([, k]) => k >= 0);
    const before = this.prev.get(inp.processKey);
    const dt = before ? (inp.sampledAt - before.t) / 1000 : 0;
    const isNew = !before && this.lastPollAt !== undefined && inp.startMs !== undefined && inp.startMs >= this.lastPollAt - 1000;
    const snapshot: Snapshot = { t: inp.sampledAt, rows: new Map() };
    const typeCol = keyCols.type;
    const pxCol = keyCols.pxname;
    const statusCol = h.get('status');
    // Backends: server states, for the down ratio.
    const servers = new Map<string, { down: number; counted: number }>();
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
    const scurCol = h.get('scur');
    const slimCol = h.get('slim');
    const out: DerivedRow[] = [];
    // One scratch array for the row being read: the increases since the previous sample (NaN: none).
    const delta = new Float64Array(COUNTER_COLUMNS.length);
    for (const row of table.rows) {
      const key = rowKey(row, keyCols);
      const derived = emptyRow();
      const values = new Float64Array(COUNTER_COLUMNS.length).fill(NaN);
      delta.fill(NaN);
      const prevRow = before?.rows.get(key);
      let share = shares.get(key);
      if (!share) {
        share = newShare();
        shares.set(key, share);
      }
      for (const [ci, k] of counters) {
        const raw = row[ci]!;
        const v = raw === '' ? NaN : Number(raw);
        values[k] = v;
        const pv = prevRow ? prevRow[k]! : NaN;
        if (v >= pv && dt > 0) {
          derived[k] = (v - pv) / dt;
          delta[k] = v - pv;
          share.delta[k] = share.delta[k]! + (v - pv);
          share.has[k] = 1;
        } else if (isNew && v >= 0) {
          delta[k] = v;
          share.delta[k] = share.delta[k]! + v;
          share.has[k] = 1;
        }
      }
      const type = row[typeCol];
      let total = 0;
      for (const k of HRSP_INDEX) {
        if (delta[k]! >= 0) {
          total += delta[k]!;
          share.hrspDelta[k] = share.hrspDelta[k]! + delta[k]!;
        }
      }
      if ((type === '0' || type === '1') && prevRow && total > 0) derived[RATIO_INDEX.http_5xx] = (delta[I5XX]! >= 0 ? delta[I5XX]! : 0) / total;
      if (type === '1') {
        const b = servers.get(row[pxCol]!);
        if (b && b.counted > 0) derived[RATIO_INDEX.servers_down] = b.down / b.counted;
      }
      const scur = scurCol === undefined ? NaN : Number(row[scurCol] || NaN);
      const slim = slimCol === undefined ? NaN : Number(row[slimCol] || NaN);
      if (slim > 0 && Number.isFinite(scur)) derived[RATIO_INDEX.session_usage] = scur / slim;
      share.down = maxOf(share.down, derived[RATIO_INDEX.servers_down]!);
      share.usage = maxOf(share.usage, derived[RATIO_INDEX.session_usage]!);
      snapshot.rows.set(key, values);
      out.push(derived);
    }
    this.prev.set(inp.processKey, snapshot);
    return out;
  }
}

/** The larger of two values where NaN means "none". */
function maxOf(a: number, b: number): number {
  return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
}

/**
 * The derived values of the instance's totals (the aggregate table): each rate is what every process counted
 * over the interval between two polls (a process that started meanwhile: everything since its start), divided
 * by that interval. Summed over polls, the rates give back exactly the requests served, reloads included. The
 * 5xx share comes from the same summed deltas; the other two ratios are the largest of any process. Pure.
 */
export function instanceRates(table: StatTable, rates: PollRates): DerivedRows {
  const keyCols = rowKeyColumns(table.header);
  const counters = table.header.map((c) => COUNTER_INDEX.get(c) ?? -1).filter((k) => k >= 0);
  const { intervalSec } = rates;
  return table.rows.map((row) => {
    const out = emptyRow();
    const share = rates.shares.get(rowKey(row, keyCols));
    if (!share) return out;
    if (intervalSec > 0) for (const k of counters) if (share.has[k]) out[k] = share.delta[k]! / intervalSec;
    const type = row[keyCols.type];
    let total = 0;
    for (const k of HRSP_INDEX) total += share.hrspDelta[k]!;
    if ((type === '0' || type === '1') && total > 0) out[RATIO_INDEX.http_5xx] = share.hrspDelta[I5XX]! / total;
    out[RATIO_INDEX.servers_down] = share.down;
    out[RATIO_INDEX.session_usage] = share.usage;
    return out;
  });
}
