import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseShowStat, type StatTable } from '../../src/parse/show-stat.js';
import { parseShowInfo } from '../../src/parse/show-info.js';
import { aggregateInfo, aggregateStat, combine } from '../../src/derive/aggregate.js';
import { fallbackNatures, type Natures } from '../../src/derive/natures.js';
import { parseInfoTypedNatures, parseStatTypedNatures } from '../../src/parse/show-typed.js';
import { fixture } from '../fixtures.js';
import { tableRows } from '../../src/parse/stat-table.js';

const V22 = '2.2.9-2+deb11u6';
const V32 = '3.2.26-1';
const natures = (v: string): Natures => ({
  stat: parseStatTypedNatures(fixture(v, 'show-stat-typed.txt')),
  info: parseInfoTypedNatures(fixture(v, 'show-info-typed.txt')),
  source: 'haproxy',
});
const col = (t: StatTable, px: string, sv: string, name: string) => tableRows(t).find((r) => r[0] === px && r[1] === sv)![t.header.indexOf(name)]!;

describe('natures from HAProxy typed output', () => {
  it('reads origin and nature per object type and field', () => {
    const n = natures(V32);
    expect(n.stat.get('F.stot')).toEqual({ origin: 'M', nature: 'C' });
    expect(n.stat.get('S.scur')).toEqual({ origin: 'M', nature: 'G' });
    expect(n.stat.get('S.status')).toEqual({ origin: 'S', nature: 'G' });
    expect(n.stat.get('B.act')).toEqual({ origin: 'M', nature: 'G' });
    expect(n.stat.get('S.qtime')).toEqual({ origin: 'M', nature: 'a' });
    expect(n.stat.get('F.slim')).toEqual({ origin: 'C', nature: 'L' });
    expect(n.info.get('CumReq')).toEqual({ origin: 'M', nature: 'C' });
    expect(n.info.get('Maxconn')).toEqual({ origin: 'C', nature: 'L' });
    expect(n.info.get('Unstoppable Jobs')).toEqual({ origin: 'M', nature: 'G' });
  });
});

describe('totals across the three nbproc processes of HAProxy 2.2 (hand-computed from the same sample)', () => {
  const p = [1, 2, 3].map((i) => parseShowStat(fixture(V22, i === 1 ? 'show-stat.txt' : `show-stat-at${i}.txt`)));
  const agg = aggregateStat(
    p.map((table) => ({ old: false, table })),
    natures(V22),
  )!;
  const sum = (px: string, sv: string, c: string) => p.reduce((a, t) => a + Number(col(t, px, sv, c)), 0);

  it('keeps every row once, and the header', () => {
    expect(tableRows(agg).map((r) => `${r[0]}/${r[1]}`)).toEqual(tableRows(p[0]!).map((r) => `${r[0]}/${r[1]}`));
    expect(agg.header).toEqual(p[0]!.header);
  });

  it('sums counters, gauges and rates', () => {
    for (const c of ['stot', 'hrsp_2xx', 'bin', 'bout', 'req_tot', 'scur', 'rate', 'conn_tot']) {
      expect(Number(col(agg, 'fe_main', 'FRONTEND', c)), c).toBe(sum('fe_main', 'FRONTEND', c));
    }
    expect(Number(col(agg, 'be_app', 'app1', 'stot'))).toBe(sum('be_app', 'app1', 'stot'));
    expect(sum('fe_main', 'FRONTEND', 'hrsp_2xx')).toBe(7); // the 7 recorded requests, spread over the processes
  });

  it("maxes maxima, sums the processes' own limits, and counts server state once", () => {
    expect(Number(col(agg, 'fe_main', 'FRONTEND', 'smax'))).toBe(Math.max(...p.map((t) => Number(col(t, 'fe_main', 'FRONTEND', 'smax')))));
    expect(Number(col(agg, 'fe_main', 'FRONTEND', 'slim'))).toBe(sum('fe_main', 'FRONTEND', 'slim')); // each process has its own
    expect(col(agg, 'be_app', 'BACKEND', 'act')).toBe('2');
    expect(col(agg, 'be_app', 'app1', 'weight')).toBe('1');
    expect(col(agg, 'be_app', 'down1', 'status')).toBe('DOWN');
    expect(col(agg, 'be_app', 'app1', 'pid')).toBe('');
  });

  it('an old worker adds its traffic but not its (stale) view of server state', () => {
    const old = parseShowStat(fixture(V32, 'old-worker-show-stat.txt'));
    const cur = parseShowStat(fixture(V32, 'show-stat.txt'));
    const a = aggregateStat(
      [
        { old: false, table: cur },
        { old: true, table: old },
      ],
      natures(V32),
    )!;
    expect(Number(col(a, 'fe_main', 'FRONTEND', 'stot'))).toBe(
      Number(col(cur, 'fe_main', 'FRONTEND', 'stot')) + Number(col(old, 'fe_main', 'FRONTEND', 'stot')),
    );
    expect(col(a, 'fe_main', 'FRONTEND', 'status')).toBe('OPEN'); // the old worker's STOP does not count
    expect(col(a, 'be_app', 'BACKEND', 'act')).toBe(col(cur, 'be_app', 'BACKEND', 'act'));
  });

  it('aggregates show info: counters summed, limits summed over the processes, configuration not', () => {
    const infos = [1, 2, 3].map((i) => parseShowInfo(fixture(V22, i === 1 ? 'show-info.txt' : `show-info-at${i}.txt`)));
    const a = aggregateInfo(
      infos.map((info) => ({ old: false, info })),
      natures(V22),
    )!;
    expect(Number(a.CumReq)).toBe(infos.reduce((x, i) => x + Number(i.CumReq), 0));
    expect(Number(a.CurrConns)).toBe(infos.reduce((x, i) => x + Number(i.CurrConns), 0));
    expect(Number(a.Maxconn)).toBe(infos.reduce((x, i) => x + Number(i.Maxconn), 0));
    expect(a.Nbproc).toBe('3');
    expect(a.Pid).toBeUndefined();
  });
});

/**
 * The rule of every nature, on recorded output: the 2.2 nbproc processes (three current processes) and a 2.6
 * and a 3.2 reload (a current worker and an old one). HAProxy's own natures (from its typed output) and the
 * fallback (used before the typed output is known, or for a stats page) must give the same totals.
 */
describe.each([
  ['HAProxy natures', (v: string) => natures(v)],
  ['fallback natures', () => fallbackNatures()],
])('totals by nature, with %s', (_name, nat) => {
  const nbproc = [1, 2, 3].map((i) => ({
    old: false,
    info: parseShowInfo(fixture(V22, i === 1 ? 'show-info.txt' : `show-info-at${i}.txt`)),
    table: parseShowStat(fixture(V22, i === 1 ? 'show-stat.txt' : `show-stat-at${i}.txt`)),
  }));
  const sumOf = (parts: { info: Record<string, string> }[], k: string) => parts.reduce((x, p) => x + Number(p.info[k]), 0);

  it("nbproc 2.2: averages stay within the processes' range, configuration is not summed, limits are", () => {
    const a = aggregateInfo(nbproc, nat(V22))!;
    expect(a.Idle_pct).toBe('100'); // MaP, an average: three idle processes are 100% idle, not 300%
    expect(a.Nbproc).toBe('3'); // CGS, configuration
    expect(a.Nbthread).toBe('1');
    expect(Number(a.Maxconn)).toBe(sumOf(nbproc, 'Maxconn')); // CLP: each process has its own
    expect(Number(a['Ulimit-n'])).toBe(sumOf(nbproc, 'Ulimit-n'));
    expect(Number(a.Tasks)).toBe(sumOf(nbproc, 'Tasks')); // MGP, a gauge
    expect(Number(a.CumReq)).toBe(sumOf(nbproc, 'CumReq')); // MCP, a counter
    expect(Number(a.MaxConnRate)).toBe(Math.max(...nbproc.map((p) => Number(p.info.MaxConnRate)))); // MMP, a maximum
    const t = aggregateStat(nbproc, nat(V22))!;
    expect(Number(col(t, 'fe_main', 'FRONTEND', 'slim'))).toBe(nbproc.reduce((x, p) => x + Number(col(p.table, 'fe_main', 'FRONTEND', 'slim')), 0));
  });

  it.each([['2.6.12-1+deb12u4'], [V32]])("a reload on %s: the old worker's limits are not capacity; its traffic counts", (v) => {
    const cur = { old: false, info: parseShowInfo(fixture(v, 'show-info.txt')), table: parseShowStat(fixture(v, 'show-stat.txt')) };
    const old = { old: true, info: parseShowInfo(fixture(v, 'old-worker-show-info.txt')), table: parseShowStat(fixture(v, 'old-worker-show-stat.txt')) };
    const a = aggregateInfo([cur, old], nat(v))!;
    expect(a.Maxconn).toBe(cur.info.Maxconn);
    expect(a['Ulimit-n']).toBe(cur.info['Ulimit-n']);
    expect(a.Hard_maxconn).toBe(cur.info.Hard_maxconn);
    expect(a.Nbproc).toBe('1');
    const idle = [cur, old].map((p) => Number(p.info.Idle_pct));
    expect(Number(a.Idle_pct)).toBeGreaterThanOrEqual(Math.min(...idle));
    expect(Number(a.Idle_pct)).toBeLessThanOrEqual(Math.max(...idle));
    expect(Number(a.CumConns)).toBe(Number(cur.info.CumConns) + Number(old.info.CumConns));
    const t = aggregateStat([cur, old], nat(v))!;
    for (const px of ['fe_main', 'be_app']) {
      const sv = px === 'fe_main' ? 'FRONTEND' : 'BACKEND';
      expect(col(t, px, sv, 'slim')).toBe(col(cur.table, px, sv, 'slim'));
      expect(Number(col(t, px, sv, 'stot'))).toBe(Number(col(cur.table, px, sv, 'stot')) + Number(col(old.table, px, sv, 'stot')));
    }
  });
});

describe('combine', () => {
  const cur = [true, true];
  it.each([
    ['hrsp_2xx', { origin: 'M', nature: 'C' }, ['3', '4'], '7'],
    ['scur', { origin: 'M', nature: 'G' }, ['3', '4'], '7'],
    ['rate', { origin: 'M', nature: 'R' }, ['3', '4'], '7'],
    ['slim', { origin: 'C', nature: 'L' }, ['100', '100'], '200'], // two current processes, each its own limit
    ['rtime_max', { origin: 'M', nature: 'M' }, ['3', '9'], '9'],
    ['lastchg', { origin: 'M', nature: 'm' }, ['3', '9'], '3'],
    ['Nbproc', { origin: 'C', nature: 'G' }, ['2', '2'], '2'],
    ['pxname', { origin: 'K', nature: 'N' }, ['a', 'a'], 'a'],
    ['qtime', { origin: 'M', nature: 'a' }, ['10', '40'], '30'], // weighted by sessions 1 and 2
    ['smax', { origin: 'M', nature: 'M' }, ['3', '9'], '9'],
    ['lastsess', { origin: 'M', nature: 'A' }, ['-1', '5'], '5'],
    ['status', { origin: 'S', nature: 'G' }, ['UP', 'DOWN'], 'DOWN'],
    ['status', { origin: 'S', nature: 'G' }, ['UP 2/3', 'UP 2/3'], 'UP 2/3'],
    ['act', { origin: 'M', nature: 'G' }, ['2', '1'], '1'],
    ['scur', { origin: 'M', nature: 'G' }, ['', '5'], '5'],
    ['scur', { origin: 'M', nature: 'G' }, ['', ''], ''],
  ])('%s %j of %j → %s', (name, nature, values, want) => {
    expect(combine(name, nature, values, cur, [1, 2])).toBe(want);
  });
});

describe('natures keep nothing of the typed answer they were read from', () => {
  // A key sliced out of the answer would keep all of it alive, for as long as the agent runs: 3.7 MB for
  // the 2,000-server bench's `show stat typed`, once per target. Measured in a process of its own, with a
  // 40 MB answer (the real one, then a line the parser skips), in V8's heap after a full collection.
  it('the whole answer is collected once the natures are built', () => {
    const script = `
      import { readFileSync } from 'node:fs';
      import { parseInfoTypedNatures, parseStatTypedNatures } from ${JSON.stringify(new URL('../../src/parse/show-typed.ts', import.meta.url).href)};
      const dir = ${JSON.stringify(new URL(`../fixtures/haproxy-${V32}/`, import.meta.url).pathname)};
      const pad = '\\n#' + 'x'.repeat(40e6);
      gc(); const before = process.memoryUsage().heapUsed;
      let stat = readFileSync(dir + 'show-stat-typed.txt', 'utf8') + pad;
      let info = readFileSync(dir + 'show-info-typed.txt', 'utf8') + pad;
      const natures = { stat: parseStatTypedNatures(stat), info: parseInfoTypedNatures(info) };
      stat = info = undefined;
      gc(); gc();
      console.log(JSON.stringify({ keys: natures.stat.size + natures.info.size, retainedMb: (process.memoryUsage().heapUsed - before) / 1e6 }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as {
      keys: number;
      retainedMb: number;
    };
    expect(out.keys).toBe(natures(V32).stat.size + natures(V32).info.size);
    expect(out.retainedMb).toBeLessThan(2);
  });
});
