import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyLab } from '../../lab/haproxy.js';
import { EsServer } from '../../lab/elasticsearch.js';
import { waitFor } from '../../lab/ports.js';
import { all, count, hapbeatCli, HapbeatProcess, rowKey } from './helpers.js';

const fast = [
  '--period',
  '500ms',
  '-E',
  'output.elasticsearch.backoff.init=200ms',
  '-E',
  'output.elasticsearch.backoff.max=2s',
  '-E',
  'output.elasticsearch.timeout=5s',
];

/** Both tests stop Elasticsearch, so each has its own. */
describe('Elasticsearch outages', () => {
  let es: EsServer;
  let lab: HaproxyLab;
  beforeAll(async () => {
    [es, lab] = await Promise.all([EsServer.start({ heapMb: 384 }), HaproxyLab.start()]);
    expect((await hapbeatCli(['setup', '--es', es.url])).code).toBe(0);
  });
  afterAll(async () => {
    await HapbeatProcess.killAll();
    await Promise.all([es?.destroy(), lab?.stop()]);
  });

  it('Elasticsearch stopped for 30 s while polling: every sampled document arrives, none twice', async () => {
    // The default backoff cap (60 s): after 30 s down, only the probe can make the catch-up quick.
    const hb = new HapbeatProcess(['-t', lab.masterSocket, '--es', es.url, '--namespace', 'outage', ...fast, '-E', 'output.elasticsearch.backoff.max=60s']);
    await hb.waitPolls(4);
    await es.stop();
    const before = hb.polled().polls;
    await new Promise((r) => setTimeout(r, 30_000));
    expect(hb.polled().polls).toBeGreaterThan(before + 40); // it kept polling through the outage
    expect(hb.logs).toContain('keeping them in the spool');
    await es.start();
    const back = Date.now();
    await waitFor('the spool to be replayed', () => hb.logs.includes('backlog delivered'), 120_000);
    console.log(`catch-up after a 30 s outage: backlog delivered ${Date.now() - back} ms after Elasticsearch was ready`);
    expect(hb.logs).toContain('answers again; delivering the backlog at full speed');
    const at = hb.polled().polls;
    await hb.waitPolls(at + 2);
    expect(await hb.stop()).toBe(0);
    const { stat, info } = hb.polled();
    expect(await count(es.url, 'metrics-haproxy.stat-outage')).toBe(stat);
    expect(await count(es.url, 'metrics-haproxy.info-outage')).toBe(info);
    const docs = await all(es.url, 'metrics-haproxy.stat-outage');
    expect(new Set(docs.map((d) => rowKey(d._source))).size).toBe(stat);
    const c = hb.lastCounters()!;
    expect(c.output_spooled).toBe(c.output_queued); // the write-ahead spool: every document went through it
    expect(c.output_dropped).toBe(0);
    expect(c.output_dead_lettered).toBe(0);
  });

  it('kill -9 of hapbeat during an outage: after restarting both, nothing is lost and nothing is duplicated', async () => {
    const a = new HapbeatProcess(['-t', lab.masterSocket, '--es', es.url, '--namespace', 'crash', ...fast]);
    await a.waitPolls(3);
    await es.stop();
    await waitFor('a delivery failure', () => a.logs.includes('keeping them in the spool'), 30_000);
    const n = a.polled().polls;
    await a.waitPolls(n + 6);
    a.proc.kill('SIGKILL');
    await a.exited;
    const sampledBefore = a.polled(); // every poll it logged had reached memory or the spool
    await es.start();
    const b = new HapbeatProcess(['-t', lab.masterSocket, '--es', es.url, '--namespace', 'crash', ...fast], a.dir);
    await waitFor('the spool of the killed process to be replayed', () => b.logs.includes('backlog delivered'), 120_000);
    expect(b.logs).toContain('from before; delivering them first');
    await b.waitPolls(b.polled().polls + 2);
    expect(await b.stop()).toBe(0);
    const after = b.polled();
    expect(await count(es.url, 'metrics-haproxy.stat-crash')).toBe(sampledBefore.stat + after.stat);
    expect(await count(es.url, 'metrics-haproxy.info-crash')).toBe(sampledBefore.info + after.info);
    const docs = await all(es.url, 'metrics-haproxy.stat-crash');
    expect(new Set(docs.map((d) => rowKey(d._source))).size).toBe(docs.length);
  });
});
