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
const COUNTER_COLUMNS = new Set(RATE_SPECS.flatMap((f) => [f.source, ...(f.aliases ?? [])]));

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
  { source: 'ratio:http_5xx', field: 'response.http_5xx_ratio', type: 'double', kind: 'gauge', doc: 'Share of HTTP responses that were 5xx over the interval (frontends and backends), 0-1.' },
  { source: 'ratio:servers_down', field: 'server.down_ratio', type: 'double', kind: 'gauge', doc: 'Backends: servers DOWN over servers not in maintenance, 0-1.' },
  { source: 'ratio:session_usage', field: 'session.usage_ratio', type: 'double', kind: 'gauge', doc: 'Current sessions over the session limit, 0-1 (for scope all, the most loaded process).' },
];

const HRSP = ['hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other'];
const fmt = (x: number) => (Number.isFinite(x) ? String(Math.round(x * 1000) / 1000) : '');

export function rowKeyOf(row: readonly string[], h: Map<string, number>): string {
  return `${row[h.get('type')!]}|${row[h.get('iid')!]}|${row[h.get('sid')!]}|${row[h.get('pxname')!]}|${row[h.get('svname')!]}`;
}

interface Snapshot {
  t: number;
  rows: Map<string, Map<string, number>>;
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
 * For the instance's totals, a process that started since the previous poll also contributes its first
 * interval, counted from its start: that is what keeps the total rate steady across a reload, when traffic
 * moves from the old worker to the new one.
 */
export class RateTracker {
  private prev = new Map<string, Snapshot>();
  private lastPollAt?: number;

  /**
   * Appends the `rate:*` and `ratio:*` columns to each table (in place) and returns, per row key, the
   * contributions to the instance's rates (`rate:*` sums) and 5xx deltas.
   */
  enrich(inputs: readonly RateInput[], pollAt: number): Map<string, Map<string, number>> {
    const contributions = new Map<string, Map<string, number>>();
    const seen = new Set<string>();
    for (const inp of inputs) {
      seen.add(inp.processKey);
      const { table } = inp;
      const h = new Map(table.header.map((c, i) => [c, i]));
      if (h.has(`${RATE_PREFIX}stot`)) continue; // already enriched
      const counters = table.header.filter((c) => COUNTER_COLUMNS.has(c));
      const before = this.prev.get(inp.processKey);
      const dt = before ? (inp.sampledAt - before.t) / 1000 : 0;
      const isNew = !before && this.lastPollAt !== undefined && inp.startMs !== undefined && inp.startMs >= this.lastPollAt - 1000;
      const firstDt = isNew ? (inp.sampledAt - Math.max(inp.startMs!, this.lastPollAt! - 1000)) / 1000 : 0;
      const snapshot: Snapshot = { t: inp.sampledAt, rows: new Map() };
      // Backends: server states, for the down ratio.
      const servers = new Map<string, { down: number; counted: number }>();
      const typeCol = h.get('type')!;
      const statusCol = h.get('status');
      for (const row of table.rows) {
        if (row[typeCol] !== '2' || statusCol === undefined) continue;
        const st = parseStatus(row[statusCol] ?? '').name;
        const b = servers.get(row[h.get('pxname')!]!) ?? { down: 0, counted: 0 };
        if (st !== 'MAINT') {
          b.counted++;
          if (st === 'DOWN') b.down++;
        }
        servers.set(row[h.get('pxname')!]!, b);
      }
      table.header.push(...counters.map((c) => `${RATE_PREFIX}${c}`), ...RATIO_COLUMNS);
      for (const row of table.rows) {
        const key = rowKeyOf(row, h);
        const values = new Map<string, number>();
        const prevRow = before?.rows.get(key);
        const contrib = contributions.get(key) ?? new Map<string, number>();
        const deltas = new Map<string, number>();
        for (const c of counters) {
          const raw = row[h.get(c)!]!;
          const v = raw === '' ? NaN : Number(raw);
          if (Number.isFinite(v)) values.set(c, v);
          let rate = '';
          const pv = prevRow?.get(c);
          if (pv !== undefined && Number.isFinite(v) && v >= pv && dt > 0) {
            rate = fmt((v - pv) / dt);
            deltas.set(c, v - pv);
            contrib.set(c, (contrib.get(c) ?? 0) + (v - pv) / dt);
          } else if (isNew && Number.isFinite(v) && firstDt > 0) {
            deltas.set(c, v);
            contrib.set(c, (contrib.get(c) ?? 0) + v / firstDt);
          }
          row.push(rate);
        }
        // Ratios.
        const type = row[typeCol];
        let r5 = '';
        if ((type === '0' || type === '1') && prevRow) {
          const total = HRSP.reduce((a, c) => a + (deltas.get(c) ?? 0), 0);
          if (total > 0) r5 = fmt((deltas.get('hrsp_5xx') ?? 0) / total);
        }
        for (const c of HRSP) if (deltas.has(c)) contrib.set(`d:${c}`, (contrib.get(`d:${c}`) ?? 0) + deltas.get(c)!);
        let down = '';
        if (type === '1') {
          const b = servers.get(row[h.get('pxname')!]!);
          if (b && b.counted > 0) down = fmt(b.down / b.counted);
        }
        const scur = Number(row[h.get('scur')!] || NaN);
        const slim = Number(row[h.get('slim')!] || NaN);
        const usage = slim > 0 && Number.isFinite(scur) ? fmt(scur / slim) : '';
        row.push(r5, down, usage);
        contributions.set(key, contrib);
        snapshot.rows.set(key, values);
      }
      this.prev.set(inp.processKey, snapshot);
    }
    for (const k of [...this.prev.keys()]) if (!seen.has(k)) this.prev.delete(k); // exited processes
    this.lastPollAt = pollAt;
    return contributions;
  }
}

/**
 * Writes the instance's rates into its aggregate table: each `rate:*` column is the sum of the processes'
 * contributions (first intervals of new processes included), and the 5xx ratio comes from the summed deltas.
 */
export function applyContributions(table: StatTable, contributions: Map<string, Map<string, number>>): void {
  const h = new Map(table.header.map((c, i) => [c, i]));
  for (const row of table.rows) {
    const c = contributions.get(rowKeyOf(row, h));
    for (const [col, i] of h) {
      if (!col.startsWith(RATE_PREFIX)) continue;
      const v = c?.get(col.slice(RATE_PREFIX.length));
      row[i] = v === undefined ? '' : fmt(v);
    }
    const i5 = h.get('ratio:http_5xx');
    const type = row[h.get('type')!];
    if (i5 !== undefined) {
      const total = HRSP.reduce((a, k) => a + (c?.get(`d:${k}`) ?? 0), 0);
      row[i5] = (type === '0' || type === '1') && total > 0 ? fmt((c?.get('d:hrsp_5xx') ?? 0) / total) : '';
    }
  }
}
