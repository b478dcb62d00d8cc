import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyLab } from '../../lab/haproxy.js';
import { ES9_VERSION, EsServer } from '../../lab/elasticsearch.js';
import { all, count, hapbeatCli, HapbeatProcess, rowKey } from './helpers.js';

/** The 8.x client speaks to 9.x too: setup, run, exact counts, every field mapped. */
describe(`Elasticsearch ${ES9_VERSION}`, () => {
  let es: EsServer;
  let lab: HaproxyLab;
  beforeAll(async () => {
    [es, lab] = await Promise.all([EsServer.start({ version: ES9_VERSION, heapMb: 384 }), HaproxyLab.start()]);
  });
  afterAll(async () => {
    await HapbeatProcess.killAll();
    await Promise.all([es?.destroy(), lab?.stop()]);
  });

  it('setup, then run: exact counts, one document per row and poll', async () => {
    const setup = await hapbeatCli(['setup', '--es', es.url]);
    expect(setup.stdout).toContain(`Elasticsearch ${ES9_VERSION}`);
    expect(setup.stdout).toContain('Setup done.');
    const test = await hapbeatCli(['test', 'output', '--es', es.url]);
    expect(test.stdout).toContain('Output OK');
    const hb = new HapbeatProcess(['-t', lab.masterSocket, '--es', es.url, '--namespace', 'nine', '--period', '300ms']);
    await hb.waitPolls(4);
    expect(await hb.stop()).toBe(0);
    const { stat, info, polls, aggStat } = hb.polled();
    expect(stat).toBe(10 * polls); // one worker: one document set, the totals
    expect(aggStat).toBe(stat);
    expect(await count(es.url, 'metrics-haproxy.stat-nine')).toBe(stat);
    expect(await count(es.url, 'metrics-haproxy.info-nine')).toBe(info);
    const docs = await all(es.url, 'metrics-haproxy.stat-nine');
    expect(new Set(docs.map((d) => rowKey(d._source))).size).toBe(stat);
    const m = (await (await fetch(`${es.url}/metrics-haproxy.stat-nine/_mapping/field/haproxy.stat.session.total`)).json()) as Record<
      string,
      { mappings: Record<string, { mapping: { total: { type: string; time_series_metric?: string } } }> }
    >;
    const mapping = Object.values(m)[0]!.mappings['haproxy.stat.session.total']!.mapping.total;
    expect(mapping).toEqual({ type: 'long', time_series_metric: 'counter' });
  });
});
