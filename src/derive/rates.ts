import { COUNTER_COLUMNS, COUNTER_INDEX, DERIVED_ROW_LENGTH, RATIO_INDEX } from '../fields/derived-fields.js';
import { rowKey, rowKeyColumns, rowKeyIs } from '../parse/row-key.js';
import { ownCopy } from '../strings.js';
import { cellAt, cellIsChar, cellNumber, spanIndex, spanNumber, type StatTable } from '../parse/stat-table.js';
import { statusOf } from '../parse/status.js';

/**
 * The derived values of a table's rows, DERIVED_ROW_LENGTH numbers per row, row after row (row r's start at
 * r * DERIVED_ROW_LENGTH), each row laid out as DERIVED_STAT_COLUMNS (fields/derived-fields.ts): a per-second
 * rate for each counter column, then the 5xx share, the servers-down share and the session usage. NaN means
 * "no value" (the field is left out of the document). One block per table: no object per row.
 */
export type DerivedRows = Float64Array;

const HRSP_INDEX = ['hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other'].map((c) => COUNTER_INDEX.get(c)!);
const I5XX = COUNTER_INDEX.get('hrsp_5xx')!;
const NC = COUNTER_COLUMNS.length;
/** The `type` column's characters: '0' frontend, '1' backend, '2' server. */
const TYPE_FRONTEND = 48;
const TYPE_BACKEND = 49;
const TYPE_SERVER = 50;
const DL = DERIVED_ROW_LENGTH;

/** `n` derived rows, all "no value". */
function nanRows(n: number): DerivedRows {
  return new Float64Array(n * DL).fill(NaN);
}

/** A list of row keys with their positions; the map is built only when a key is not where it was. */
class KeyIndex {
  private map?: Map<string, number>;
  constructor(readonly keys: string[]) {}

  /** Where `key` is, trying `hint` first (the same table layout as before: the common case), or -1. */
  find(key: string, hint: number): number {
    if (this.keys[hint] === key) return hint;
    if (!this.map) {
      this.map = new Map();
      for (let i = 0; i < this.keys.length; i++) this.map.set(this.keys[i]!, i);
    }
    return this.map.get(key) ?? -1;
  }

  add(key: string): number {
    const i = this.keys.length;
    this.keys.push(key);
    this.map?.set(key, i);
    return i;
  }
}

/**
 * The instance's share of every row key, over every process that has the row, in slots (one per key):
 * - `delta`: counter increases over the interval, summed over processes (a new process: its count since it
 *   started), NC per slot; `has`: 1 where some process contributed;
 * - `hrsp`: HTTP response increases by class (HRSP_INDEX order), for the 5xx share;
 * - `down`, `usage`: the largest servers-down share and session usage of any process (NaN when none had one).
 */
export class InstanceShares {
  readonly index = new KeyIndex([]);
  readonly delta: Float64Array;
  readonly has: Uint8Array;
  readonly hrsp: Float64Array;
  readonly down: Float64Array;
  readonly usage: Float64Array;

  /** `capacity`: the rows of every table of the poll (each row adds at most one slot). */
  constructor(capacity: number) {
    this.delta = new Float64Array(capacity * NC);
    this.has = new Uint8Array(capacity * NC);
    this.hrsp = new Float64Array(capacity * HRSP_INDEX.length);
    this.down = new Float64Array(capacity).fill(NaN);
    this.usage = new Float64Array(capacity).fill(NaN);
  }

  /** The slot of `key` (`hint`: where it probably is), added when new. */
  slot(key: string, hint: number): number {
    const i = this.index.find(key, hint);
    return i >= 0 ? i : this.index.add(key);
  }
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

/** What one poll's samples give. */
export interface PollRates {
  /** Per input, in the same order: the derived values of its rows. */
  processes: DerivedRows[];
  /** Per input, in the same order: its rows' keys (instanceRates can reuse them for the same table). */
  keys: (readonly string[])[];
  /** Per row key: the instance's share, from which instanceRates() computes the totals' values. */
  shares: InstanceShares;
  /** Seconds between this poll and the previous one (0 on the first): the interval of the instance's rates. */
  intervalSec: number;
}

interface Snapshot {
  t: number;
  /** The rows' keys, in the table's order. */
  keys: KeyIndex;
  /** Counter values, NC per row in that order, by COUNTER_COLUMNS index (NaN when absent). */
  values: Float64Array;
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
    let rows = 0;
    for (const inp of inputs) rows += inp.table.rowCount;
    const shares = new InstanceShares(rows);
    const processes: DerivedRows[] = [];
    const keys: (readonly string[])[] = [];
    const seen = new Set<string>();
    for (const inp of inputs) {
      seen.add(inp.processKey);
      processes.push(this.trackProcess(inp, shares));
      keys.push(this.prev.get(inp.processKey)!.keys.keys);
    }
    for (const k of [...this.prev.keys()]) if (!seen.has(k)) this.prev.delete(k); // exited processes
    const intervalSec = this.lastPollAt === undefined ? 0 : (pollAt - this.lastPollAt) / 1000;
    this.lastPollAt = pollAt;
    return { processes, shares, intervalSec, keys };
  }

  private trackProcess(inp: RateInput, shares: InstanceShares): DerivedRows {
    const { table } = inp;
    const n = table.rowCount;
    const h = new Map(table.header.map((c, i) => [c, i]));
    const keyCols = rowKeyColumns(table.header);
    // This table's counter columns and their counter indexes.
    const cols: number[] = [];
    const ks: number[] = [];
    table.header.forEach((c, i) => {
      const k = COUNTER_INDEX.get(c);
      if (k !== undefined) {
        cols.push(i);
        ks.push(k);
      }
    });
    const before = this.prev.get(inp.processKey);
    const dt = before ? (inp.sampledAt - before.t) / 1000 : 0;
    const isNew = !before && this.lastPollAt !== undefined && inp.startMs !== undefined && inp.startMs >= this.lastPollAt - 1000;
    const snapshot: Snapshot = { t: inp.sampledAt, keys: new KeyIndex(new Array<string>(n)), values: new Float64Array(n * NC).fill(NaN) };
    const typeCol = keyCols.type;
    const pxCol = keyCols.pxname;
    const statusCol = h.get('status');
    // Backends: server states, for the down ratio.
    const servers = new Map<string, { down: number; counted: number }>();
    for (let r = 0; r < n; r++) {
      if (!cellIsChar(table, r, typeCol, TYPE_SERVER) || statusCol === undefined) continue;
      const st = statusOf(cellAt(table, r, statusCol)).name;
      const px = cellAt(table, r, pxCol);
      const b = servers.get(px) ?? { down: 0, counted: 0 };
      if (st !== 'MAINT') {
        b.counted++;
        if (st === 'DOWN') b.down++;
      }
      servers.set(px, b);
    }
    const scurCol = h.get('scur');
    const slimCol = h.get('slim');
    const out = nanRows(n);
    const values = snapshot.values;
    const prevValues = before?.values;
    const { delta: sDelta, has: sHas, hrsp: sHrsp } = shares;
    // One scratch array for the row being read: the increases since the previous sample (NaN: none).
    const delta = new Float64Array(NC);
    const { text, spans } = table;
    const width = table.header.length;
    for (let r = 0; r < n; r++) {
      // The row is usually where it was in the previous sample: its key is then compared in place, not built.
      // The snapshot outlives this poll, so it keeps the previous poll's string for a known key, and a copy of a
      // new one: never a string whose parts may be views into this poll's answer (which would stay in memory).
      let key = before?.keys.keys[r];
      let pr = r;
      if (key === undefined || !rowKeyIs(table, r, keyCols, key)) {
        key = rowKey(table, r, keyCols);
        pr = before ? before.keys.find(key, r) : -1;
        key = pr >= 0 ? before!.keys.keys[pr]! : ownCopy(key);
      }
      snapshot.keys.keys[r] = key;
      const d0 = r * DL;
      delta.fill(NaN);
      const base = spanIndex(width, r, 0);
      const slot = shares.slot(key, r);
      const vo = r * NC;
      const po = pr * NC;
      const so = slot * NC;
      for (let c = 0; c < cols.length; c++) {
        const k = ks[c]!;
        const at = base + 2 * cols[c]!;
        const v = spanNumber(text, spans[at]!, spans[at + 1]!);
        values[vo + k] = v;
        const pv = pr >= 0 ? prevValues![po + k]! : NaN;
        if (v >= pv && dt > 0) {
          out[d0 + k] = (v - pv) / dt;
          delta[k] = v - pv;
          sDelta[so + k] = sDelta[so + k]! + (v - pv);
          sHas[so + k] = 1;
        } else if (isNew && v >= 0) {
          delta[k] = v;
          sDelta[so + k] = sDelta[so + k]! + v;
          sHas[so + k] = 1;
        }
      }
      const frontOrBack = cellIsChar(table, r, typeCol, TYPE_FRONTEND) || cellIsChar(table, r, typeCol, TYPE_BACKEND);
      let total = 0;
      for (let j = 0; j < HRSP_INDEX.length; j++) {
        const d = delta[HRSP_INDEX[j]!]!;
        if (d >= 0) {
          total += d;
          sHrsp[slot * HRSP_INDEX.length + j] = sHrsp[slot * HRSP_INDEX.length + j]! + d;
        }
      }
      if (frontOrBack && pr >= 0 && total > 0) out[d0 + RATIO_INDEX.http_5xx] = (delta[I5XX]! >= 0 ? delta[I5XX]! : 0) / total;
      if (cellIsChar(table, r, typeCol, TYPE_BACKEND)) {
        const b = servers.get(cellAt(table, r, pxCol));
        if (b && b.counted > 0) out[d0 + RATIO_INDEX.servers_down] = b.down / b.counted;
      }
      const scur = scurCol === undefined ? NaN : cellNumber(table, r, scurCol);
      const slim = slimCol === undefined ? NaN : cellNumber(table, r, slimCol);
      if (slim > 0 && Number.isFinite(scur)) out[d0 + RATIO_INDEX.session_usage] = scur / slim;
      shares.down[slot] = maxOf(shares.down[slot]!, out[d0 + RATIO_INDEX.servers_down]!);
      shares.usage[slot] = maxOf(shares.usage[slot]!, out[d0 + RATIO_INDEX.session_usage]!);
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
 * 5xx share comes from the same summed deltas; the other two ratios are the largest of any process. `known`:
 * the rows' keys when the tracker has them (the table is one it tracked: the only process's). Pure.
 */
export function instanceRates(table: StatTable, rates: PollRates, known?: readonly string[]): DerivedRows {
  const keyCols = rowKeyColumns(table.header);
  const counters = table.header.map((c) => COUNTER_INDEX.get(c) ?? -1).filter((k) => k >= 0);
  const { intervalSec, shares } = rates;
  const out = nanRows(table.rowCount);
  for (let r = 0; r < table.rowCount; r++) {
    const o = r * DL;
    const slot = shares.index.find(known ? known[r]! : rowKey(table, r, keyCols), r);
    if (slot < 0) continue;
    const so = slot * NC;
    if (intervalSec > 0) {
      for (let j = 0; j < counters.length; j++) {
        const k = counters[j]!;
        if (shares.has[so + k]) out[o + k] = shares.delta[so + k]! / intervalSec;
      }
    }
    let total = 0;
    for (let j = 0; j < HRSP_INDEX.length; j++) total += shares.hrsp[slot * HRSP_INDEX.length + j]!;
    if ((cellIsChar(table, r, keyCols.type, TYPE_FRONTEND) || cellIsChar(table, r, keyCols.type, TYPE_BACKEND)) && total > 0)
      out[o + RATIO_INDEX.http_5xx] = shares.hrsp[slot * HRSP_INDEX.length + HRSP_INDEX.indexOf(I5XX)]! / total;
    out[o + RATIO_INDEX.servers_down] = shares.down[slot]!;
    out[o + RATIO_INDEX.session_usage] = shares.usage[slot]!;
  }
  return out;
}
