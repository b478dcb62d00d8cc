import { execFileSync } from 'node:child_process';
import { docOf } from '../documents.js';
import { describe, expect, it } from 'vitest';
import { parseShowStat, type StatTable } from '../../src/parse/show-stat.js';
import { instanceRates, RateTracker, type DerivedRows } from '../../src/derive/rates.js';
import { COUNTER_INDEX, DERIVED_ROW_LENGTH, RATIO_INDEX } from '../../src/fields/derived-fields.js';
import { statEvents } from '../../src/documents/stat-documents.js';
import { fixture, V26 } from '../fixtures.js';
import { tableFromRows, tableRows } from '../../src/parse/stat-table.js';

const base = () => parseShowStat(fixture(V26, 'show-stat.txt'));
/** A copy of the table with `delta` added to a column of one row. */
function bump(t: StatTable, px: string, sv: string, col: string, delta: number): StatTable {
  const c = t.header.indexOf(col);
  return tableFromRows(
    t.header,
    tableRows(t).map((r) => (r[0] === px && r[1] === sv ? r.map((v, i) => (i === c ? String(Number(v) + delta) : v)) : r)),
  );
}
const cell = (t: StatTable, px: string, sv: string, col: string) => tableRows(t).find((r) => r[0] === px && r[1] === sv)![t.header.indexOf(col)];
const T0 = 1_800_000_000_000;
/** A derived value of one row: `rate:<counter column>` or `ratio:<name>`; NaN when there is none. */
function derived(rows: DerivedRows, t: StatTable, px: string, sv: string, name: string): number {
  const i = tableRows(t).findIndex((r) => r[0] === px && r[1] === sv);
  const k = name.startsWith('rate:') ? COUNTER_INDEX.get(name.slice(5))! : RATIO_INDEX[name.slice(6) as keyof typeof RATIO_INDEX];
  return rows[i * DERIVED_ROW_LENGTH + k]!;
}

describe('RateTracker', () => {
  it('gives Δ/Δt for every counter of every row, from the second sample of the same process on', () => {
    const rt = new RateTracker();
    const a = base();
    const ra = rt.track([{ processKey: 'p1', startMs: T0 - 60_000, sampledAt: T0, table: a }], T0).processes[0]!;
    expect(derived(ra, a, 'fe_main', 'FRONTEND', 'rate:req_tot')).toBeNaN(); // first sample: no rate
    let b = bump(bump(base(), 'fe_main', 'FRONTEND', 'req_tot', 50), 'fe_main', 'FRONTEND', 'hrsp_2xx', 40);
    b = bump(b, 'fe_main', 'FRONTEND', 'hrsp_5xx', 10);
    const headerBefore = [...b.header];
    const rb = rt.track([{ processKey: 'p1', startMs: T0 - 60_000, sampledAt: T0 + 10_000, table: b }], T0 + 10_000).processes[0]!;
    expect(b.header).toEqual(headerBefore); // the parser's table is only read
    expect(derived(rb, b, 'fe_main', 'FRONTEND', 'rate:req_tot')).toBe(5);
    expect(derived(rb, b, 'fe_main', 'FRONTEND', 'rate:hrsp_5xx')).toBe(1);
    expect(derived(rb, b, 'fe_main', 'FRONTEND', 'rate:bin')).toBe(0);
    expect(derived(rb, b, 'fe_main', 'FRONTEND', 'ratio:http_5xx')).toBe(0.2);
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
        rb,
      ).events[0]!,
    ) as any;
    expect(doc.haproxy.stat.request.rate_per_s).toBe(5);
    expect(doc.haproxy.stat.response.http['5xx_per_s']).toBe(1);
    expect(doc.haproxy.stat.response.http_5xx_ratio).toBe(0.2);
    expect(doc.haproxy.stat.session.usage_ratio).toBe(0);
  });

  it('never crosses processes, and never rates a counter that went down', () => {
    const rt = new RateTracker();
    rt.track([{ processKey: '100@1', sampledAt: T0, table: bump(base(), 'fe_main', 'FRONTEND', 'req_tot', 1000) }], T0);
    const other = base(); // same pid, new start time: a new process (pid reuse)
    const ro = rt.track([{ processKey: '100@2', sampledAt: T0 + 1000, table: other }], T0 + 1000).processes[0]!;
    expect(derived(ro, other, 'fe_main', 'FRONTEND', 'rate:req_tot')).toBeNaN();
    const lower = bump(base(), 'fe_main', 'FRONTEND', 'req_tot', -5);
    const rl = rt.track([{ processKey: '100@2', sampledAt: T0 + 2000, table: lower }], T0 + 2000).processes[0]!;
    expect(derived(rl, lower, 'fe_main', 'FRONTEND', 'rate:req_tot')).toBeNaN();
  });

  it('for the totals, a process started since the last poll contributes what it counted since its start, over the poll interval', () => {
    const rt = new RateTracker();
    rt.track([{ processKey: 'old', startMs: T0 - 3_600_000, sampledAt: T0, table: base() }], T0);
    const oldNext = bump(base(), 'fe_main', 'FRONTEND', 'req_tot', 30); // 30 requests in 10 s before the reload
    const fresh = bump(base(), 'fe_main', 'FRONTEND', 'req_tot', 0);
    const freshReq = Number(cell(fresh, 'fe_main', 'FRONTEND', 'req_tot'));
    const rates = rt.track(
      [
        { processKey: 'old', startMs: T0 - 3_600_000, sampledAt: T0 + 10_000, table: oldNext },
        { processKey: 'new', startMs: T0 + 5_000, sampledAt: T0 + 10_000, table: fresh },
      ],
      T0 + 10_000,
    );
    expect(derived(rates.processes[1]!, fresh, 'fe_main', 'FRONTEND', 'rate:req_tot')).toBeNaN(); // per process: none on the first sample
    const agg = base();
    const totals = instanceRates(agg, rates);
    // Everything served in the 10 s between the polls, over 10 s (not the new worker's count over its own 5 s:
    // that would count its requests at twice their rate, a spike at every reload).
    expect(rates.intervalSec).toBe(10);
    expect(derived(totals, agg, 'fe_main', 'FRONTEND', 'rate:req_tot')).toBeCloseTo((30 + freshReq) / 10, 3);
  });

  it('backends get the share of their non-maintenance servers that are DOWN', () => {
    const t = base();
    const r = new RateTracker().track([{ processKey: 'p', sampledAt: T0, table: t }], T0).processes[0]!;
    expect(derived(r, t, 'be_app', 'BACKEND', 'ratio:servers_down')).toBe(1 / 3); // down1 of app1, app2, down1
    expect(derived(r, t, 'be_quirk', 'BACKEND', 'ratio:servers_down')).toBe(1);
    expect(derived(r, t, 'be_app', 'app1', 'ratio:servers_down')).toBeNaN();
  });
});

describe('what the tracker keeps between polls', () => {
  // The tracker keeps each row's key for as long as the row exists. Cells are spans of the answer, and a key
  // built from them (a proxy or server name of 13 or more characters is a view into its parent) would keep that
  // answer alive: here 2 MB answers with long names, in a process of its own, measured in V8's heap after a
  // full GC, from before the tracker's first poll (the first poll's keys are the ones kept).
  it('keeps nothing of the answers it read', () => {
    const script = `
      import { parseShowStat } from ${JSON.stringify(new URL('../../src/parse/show-stat.ts', import.meta.url).href)};
      import { RateTracker } from ${JSON.stringify(new URL('../../src/derive/rates.ts', import.meta.url).href)};
      const answer = (n) => ['# pxname,svname,iid,sid,type,stot,status,pad,', ...Array.from({ length: 500 }, (_, i) =>
        \`backend_with_a_long_name_\${i % 10},server_with_a_long_name_\${i},\${(i % 10) + 1},\${i + 1},2,\${n},UP,\${'x'.repeat(4000)},\`), ''].join('\\n');
      // Only a number leaves the function: nothing of the poll stays in this frame.
      const rate = (tracker, n, at) => tracker.track([{ processKey: 'p', sampledAt: at, table: parseShowStat(answer(n)) }], at).processes[0][0];
      const warm = new RateTracker(); // compiled code counts in the heap too: the same polls on another tracker
      rate(warm, 1, 1000); rate(warm, 2, 2000); rate(warm, 3, 3000);
      const tracker = new RateTracker();
      gc(); gc(); const before = process.memoryUsage().heapUsed;
      const rates = [rate(tracker, 1, 1000), rate(tracker, 2, 2000), rate(tracker, 3, 3000)];
      gc(); gc();
      console.log(JSON.stringify({ rates, retainedMb: (process.memoryUsage().heapUsed - before) / 1e6 }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as {
      rates: number[];
      retainedMb: number;
    };
    expect(out.rates.slice(1)).toEqual([1, 1]); // stot went up by 1 a second: the keys still match across polls
    expect(out.rates[0]).toBeNull(); // no rate from a first sample (NaN, null once in JSON)
    expect(out.retainedMb).toBeLessThan(0.5); // an answer is 2 MB; the tracker's keys and counters, about 0.1 MB
  });
});
