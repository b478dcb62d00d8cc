import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HaproxyLab } from '../../lab/haproxy.js';
import { sendRequests } from '../../lab/backends.js';
import { datasetFields } from '../../src/elastic/mappings.js';
import { all, count, es, hapbeatCli, HapbeatProcess, rowKey } from './helpers.js';

const url = inject('esUrl');

/** Flattens a mapping into path → type. */
function mappedTypes(props: Record<string, any>, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(props)) {
    if (v.properties) mappedTypes(v.properties, `${prefix}${k}.`, out);
    else out.set(`${prefix}${k}`, v.type);
  }
  return out;
}

function leaves(o: Record<string, unknown>, prefix = '', out: [string, unknown][] = []): [string, unknown][] {
  for (const [k, v] of Object.entries(o)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) leaves(v as Record<string, unknown>, `${prefix}${k}.`, out);
    else out.push([`${prefix}${k}`, v]);
  }
  return out;
}

describe('real HAProxy → hapbeat run → real Elasticsearch', () => {
  let lab: HaproxyLab;
  const N = 25;
  beforeAll(async () => {
    lab = await HaproxyLab.start();
    await sendRequests(lab.ports.fe, N);
    const setup = await hapbeatCli(['setup', '--es', url]);
    expect(setup.stdout).toContain('Setup done.');
  });
  afterAll(async () => {
    await HapbeatProcess.killAll();
    await lab?.stop();
  });

  it('indexes exactly rows × polls for one worker (one document set: the totals, with its identity), with values that match HAProxy', async () => {
    const hb = new HapbeatProcess(['-t', lab.masterSocket, '--es', url, '--namespace', 'e2e', '--period', '300ms']);
    await hb.waitPolls(6);
    expect(await hb.stop()).toBe(0);
    const { polls, stat, info, aggStat, aggInfo } = hb.polled();
    expect(stat).toBe(10 * polls);
    expect(info).toBe(polls);
    // One worker: its documents are the instance's totals (scope: all, count 1); nothing is written twice.
    expect(aggStat).toBe(10 * polls);
    expect(aggInfo).toBe(polls);
    expect(await count(url, 'metrics-haproxy.stat-e2e')).toBe(stat);
    expect(await count(url, 'metrics-haproxy.info-e2e')).toBe(info);
    const c = hb.lastCounters()!;
    expect(c.output_acked).toBe(stat + info);
    expect(c.output_duplicates).toBe(0);
    expect(c.output_dead_lettered).toBe(0);
    expect(c.output_dropped).toBe(0);

    const everything = await all(url, 'metrics-haproxy.stat-e2e');
    expect(new Set(everything.map((d) => d._id)).size).toBe(stat);
    expect(new Set(everything.map((d) => rowKey(d._source))).size).toBe(stat);
    const [pid] = (await lab.workers()).current;
    for (const d of everything) expect(d._source.haproxy.process).toMatchObject({ scope: 'all', count: 1, pid, num: 1, old: false });
    const docs = everything;
    // Spot checks against the CSV, read now: no traffic since the N requests, so the counters are still.
    const csv = (await lab.command('@1 show stat')).slice(2).trim().split('\n');
    const header = csv[0]!.split(',');
    const row = (px: string, sv: string) => csv.find((l) => l.startsWith(`${px},${sv},`))!.split(',');
    const col = (r: string[], name: string) => r[header.indexOf(name)]!;
    const last = docs.filter((d) => d._source['@timestamp'] === docs.at(-1)!._source['@timestamp']);
    expect(last).toHaveLength(10);
    const fe = last.find((d) => d._source.haproxy.stat.service_name === 'FRONTEND' && d._source.haproxy.stat.proxy.name === 'fe_main')!._source.haproxy.stat;
    expect(fe.response.http['2xx']).toBe(N);
    expect(fe.response.http['2xx']).toBe(Number(col(row('fe_main', 'FRONTEND'), 'hrsp_2xx')));
    expect(fe.session.total).toBe(Number(col(row('fe_main', 'FRONTEND'), 'stot')));
    for (const d of last) {
      const s = d._source.haproxy.stat;
      const r = row(s.proxy.name, s.service_name);
      expect(s.proxy.id).toBe(Number(col(r, 'iid')));
      expect(s.server.id).toBe(Number(col(r, 'sid')));
      expect(s.status).toBe(col(r, 'status'));
    }
  });

  it('maps every field of real documents, with the intended type (the mapping cannot drift)', async () => {
    for (const ds of ['haproxy.stat', 'haproxy.info'] as const) {
      const index = `metrics-${ds}-e2e`;
      const m = await es<Record<string, { mappings: { properties: Record<string, unknown> } }>>(url, `/${index}/_mapping`);
      const types = new Map<string, string>();
      for (const v of Object.values(m)) for (const [k, t] of mappedTypes(v.mappings.properties)) types.set(k, t);
      const intended = new Map(datasetFields(ds).map((f) => [f.path, f.type]));
      const docs = await all(url, index);
      expect(docs.length).toBeGreaterThan(0);
      const seen = new Set<string>();
      for (const d of docs) {
        for (const [p, v] of leaves(d._source)) {
          seen.add(p);
          expect(types.get(p), `${ds}: ${p} is not mapped`).toBeDefined();
          const want = intended.get(p) ?? (typeof v === 'number' ? 'long' : 'keyword'); // stats-module columns
          expect(types.get(p), `${ds}: ${p}`).toBe(want);
        }
      }
      expect(seen.size).toBeGreaterThan(ds === 'haproxy.stat' ? 80 : 60);
    }
  });
});
