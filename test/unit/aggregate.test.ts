import { describe, expect, it } from 'vitest';
import { parseShowStat, type StatTable } from '../../src/parse/show-stat.js';
import { parseShowInfo } from '../../src/parse/show-info.js';
import { aggregateInfo, aggregateStat, combine } from '../../src/process/aggregate.js';
import { parseInfoTypedNatures, parseStatTypedNatures, type Natures } from '../../src/process/natures.js';
import { fixture } from '../fixtures.js';

const V22 = '2.2.9-2+deb11u6';
const V32 = '3.2.26-1';
const natures = (v: string): Natures => ({ stat: parseStatTypedNatures(fixture(v, 'show-stat-typed.txt')), info: parseInfoTypedNatures(fixture(v, 'show-info-typed.txt')), source: 'haproxy' });
const col = (t: StatTable, px: string, sv: string, name: string) => t.rows.find((r) => r[0] === px && r[1] === sv)![t.header.indexOf(name)]!;

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
  const agg = aggregateStat(p.map((table) => ({ old: false, table })), natures(V22))!;
  const sum = (px: string, sv: string, c: string) => p.reduce((a, t) => a + Number(col(t, px, sv, c)), 0);

  it('keeps every row once, and the header', () => {
    expect(agg.rows.map((r) => `${r[0]}/${r[1]}`)).toEqual(p[0]!.rows.map((r) => `${r[0]}/${r[1]}`));
    expect(agg.header).toEqual(p[0]!.header);
  });

  it('sums counters, gauges and rates', () => {
    for (const c of ['stot', 'hrsp_2xx', 'bin', 'bout', 'req_tot', 'scur', 'rate', 'conn_tot']) {
      expect(Number(col(agg, 'fe_main', 'FRONTEND', c)), c).toBe(sum('fe_main', 'FRONTEND', c));
    }
    expect(Number(col(agg, 'be_app', 'app1', 'stot'))).toBe(sum('be_app', 'app1', 'stot'));
    expect(sum('fe_main', 'FRONTEND', 'hrsp_2xx')).toBe(7); // the 7 recorded requests, spread over the processes
  });

  it('maxes maxima, does not sum limits, and counts server state once', () => {
    expect(Number(col(agg, 'fe_main', 'FRONTEND', 'smax'))).toBe(Math.max(...p.map((t) => Number(col(t, 'fe_main', 'FRONTEND', 'smax')))));
    expect(col(agg, 'fe_main', 'FRONTEND', 'slim')).toBe(col(p[0]!, 'fe_main', 'FRONTEND', 'slim'));
    expect(col(agg, 'be_app', 'BACKEND', 'act')).toBe('2');
    expect(col(agg, 'be_app', 'app1', 'weight')).toBe('1');
    expect(col(agg, 'be_app', 'down1', 'status')).toBe('DOWN');
    expect(col(agg, 'be_app', 'app1', 'pid')).toBe('');
  });

  it('an old worker adds its traffic but not its (stale) view of server state', () => {
    const old = parseShowStat(fixture(V32, 'old-worker-show-stat.txt'));
    const cur = parseShowStat(fixture(V32, 'show-stat.txt'));
    const a = aggregateStat([{ old: false, table: cur }, { old: true, table: old }], natures(V32))!;
    expect(Number(col(a, 'fe_main', 'FRONTEND', 'stot'))).toBe(Number(col(cur, 'fe_main', 'FRONTEND', 'stot')) + Number(col(old, 'fe_main', 'FRONTEND', 'stot')));
    expect(col(a, 'fe_main', 'FRONTEND', 'status')).toBe('OPEN'); // the old worker's STOP does not count
    expect(col(a, 'be_app', 'BACKEND', 'act')).toBe(col(cur, 'be_app', 'BACKEND', 'act'));
  });

  it('aggregates show info: counters summed, limits not', () => {
    const infos = [1, 2, 3].map((i) => parseShowInfo(fixture(V22, i === 1 ? 'show-info.txt' : `show-info-at${i}.txt`)));
    const a = aggregateInfo(infos.map((info) => ({ old: false, info })), natures(V22))!;
    expect(Number(a.CumReq)).toBe(infos.reduce((x, i) => x + Number(i.CumReq), 0));
    expect(Number(a.CurrConns)).toBe(infos.reduce((x, i) => x + Number(i.CurrConns), 0));
    expect(a.Maxconn).toBe(infos[0]!.Maxconn);
    expect(a.Nbproc).toBe('3');
    expect(a.Pid).toBeUndefined();
  });
});

describe('combine', () => {
  const cur = [true, true];
  it.each([
    ['hrsp_2xx', { origin: 'M', nature: 'C' }, ['3', '4'], '7'],
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
