import { describe, expect, it } from 'vitest';
import { parseShowStat, type StatTable } from '../../src/parse/show-stat.js';
import { RateTracker, applyContributions } from '../../src/process/rates.js';
import { statEvents, docOf } from '../../src/normalize/documents.js';
import { fixture, V26 } from '../fixtures.js';

const base = () => parseShowStat(fixture(V26, 'show-stat.txt'));
/** A copy of the table with `delta` added to a column of one row. */
function bump(t: StatTable, px: string, sv: string, col: string, delta: number): StatTable {
  const c = t.header.indexOf(col);
  return { header: [...t.header], rows: t.rows.map((r) => (r[0] === px && r[1] === sv ? r.map((v, i) => (i === c ? String(Number(v) + delta) : v)) : [...r])) };
}
const cell = (t: StatTable, px: string, sv: string, col: string) => t.rows.find((r) => r[0] === px && r[1] === sv)![t.header.indexOf(col)];
const T0 = 1_800_000_000_000;

describe('RateTracker', () => {
  it('gives Δ/Δt for every counter of every row, from the second sample of the same process on', () => {
    const rt = new RateTracker();
    const a = base();
    rt.enrich([{ processKey: 'p1', startMs: T0 - 60_000, sampledAt: T0, table: a }], T0);
    expect(cell(a, 'fe_main', 'FRONTEND', 'rate:req_tot')).toBe(''); // first sample: no rate
    let b = bump(bump(base(), 'fe_main', 'FRONTEND', 'req_tot', 50), 'fe_main', 'FRONTEND', 'hrsp_2xx', 40);
    b = bump(b, 'fe_main', 'FRONTEND', 'hrsp_5xx', 10);
    rt.enrich([{ processKey: 'p1', startMs: T0 - 60_000, sampledAt: T0 + 10_000, table: b }], T0 + 10_000);
    expect(cell(b, 'fe_main', 'FRONTEND', 'rate:req_tot')).toBe('5');
    expect(cell(b, 'fe_main', 'FRONTEND', 'rate:hrsp_5xx')).toBe('1');
    expect(cell(b, 'fe_main', 'FRONTEND', 'rate:bin')).toBe('0');
    expect(cell(b, 'fe_main', 'FRONTEND', 'ratio:http_5xx')).toBe('0.2');
    // The documents carry them, under the Metricbeat-style names.
    const doc = docOf(
      statEvents(
        b,
        {
          target: { name: 't', address: 'a' },
          agent: { name: 'a', version: '0', id: 'x', hostname: 'h' },
          process: { pid: 1, old: false },
          sampledAt: T0,
          periodMs: 1,
          namespace: 'd',
        },
        1,
      ).events[0]!,
    ) as any;
    expect(doc.haproxy.stat.request.rate_per_s).toBe(5);
    expect(doc.haproxy.stat.response.http['5xx_per_s']).toBe(1);
    expect(doc.haproxy.stat.response.http_5xx_ratio).toBe(0.2);
    expect(doc.haproxy.stat.session.usage_ratio).toBe(0);
  });

  it('never crosses processes, and never rates a counter that went down', () => {
    const rt = new RateTracker();
    rt.enrich([{ processKey: '100@1', sampledAt: T0, table: bump(base(), 'fe_main', 'FRONTEND', 'req_tot', 1000) }], T0);
    const other = base(); // same pid, new start time: a new process (pid reuse)
    rt.enrich([{ processKey: '100@2', sampledAt: T0 + 1000, table: other }], T0 + 1000);
    expect(cell(other, 'fe_main', 'FRONTEND', 'rate:req_tot')).toBe('');
    const lower = bump(base(), 'fe_main', 'FRONTEND', 'req_tot', -5);
    rt.enrich([{ processKey: '100@2', sampledAt: T0 + 2000, table: lower }], T0 + 2000);
    expect(cell(lower, 'fe_main', 'FRONTEND', 'rate:req_tot')).toBe('');
  });

  it('for the totals, a process started since the last poll contributes what it counted since its start, over the poll interval', () => {
    const rt = new RateTracker();
    rt.enrich([{ processKey: 'old', startMs: T0 - 3_600_000, sampledAt: T0, table: base() }], T0);
    const oldNext = bump(base(), 'fe_main', 'FRONTEND', 'req_tot', 30); // 30 requests in 10 s before the reload
    const fresh = bump(base(), 'fe_main', 'FRONTEND', 'req_tot', 0);
    const freshReq = Number(cell(fresh, 'fe_main', 'FRONTEND', 'req_tot'));
    const contrib = rt.enrich(
      [
        { processKey: 'old', startMs: T0 - 3_600_000, sampledAt: T0 + 10_000, table: oldNext },
        { processKey: 'new', startMs: T0 + 5_000, sampledAt: T0 + 10_000, table: fresh },
      ],
      T0 + 10_000,
    );
    expect(cell(fresh, 'fe_main', 'FRONTEND', 'rate:req_tot')).toBe(''); // per process: none on the first sample
    const agg = base();
    agg.header.push(...oldNext.header.slice(agg.header.length));
    for (const r of agg.rows) r.push(...new Array(oldNext.header.length - r.length).fill(''));
    applyContributions(agg, contrib, rt.intervalSec);
    // Everything served in the 10 s between the polls, over 10 s (not the new worker's count over its own 5 s:
    // that would count its requests at twice their rate, a spike at every reload).
    expect(rt.intervalSec).toBe(10);
    expect(Number(cell(agg, 'fe_main', 'FRONTEND', 'rate:req_tot'))).toBeCloseTo((30 + freshReq) / 10, 3);
  });

  it('backends get the share of their non-maintenance servers that are DOWN', () => {
    const t = base();
    new RateTracker().enrich([{ processKey: 'p', sampledAt: T0, table: t }], T0);
    expect(cell(t, 'be_app', 'BACKEND', 'ratio:servers_down')).toBe('0.333'); // down1 of app1, app2, down1
    expect(cell(t, 'be_quirk', 'BACKEND', 'ratio:servers_down')).toBe('1');
    expect(cell(t, 'be_app', 'app1', 'ratio:servers_down')).toBe('');
  });
});
