import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HaproxyLab } from '../../lab/haproxy.js';
import { EsServer } from '../../lab/elasticsearch.js';
import { FaultProxy } from '../../lab/fault-proxy.js';
import { waitFor } from '../../lab/ports.js';
import { count, es, hapbeatCli, HapbeatProcess, labBehindProxy } from './helpers.js';

const fast = ['--period', '300ms', '-E', 'output.elasticsearch.backoff.init=100ms', '-E', 'output.elasticsearch.backoff.max=500ms'];
type Mapping = Record<string, { mappings: { properties: Record<string, any> } }>;
const statusType = (m: Mapping) => Object.values(m).at(-1)!.mappings.properties.haproxy.properties.stat.properties.status.type as string;

describe("run before setup, on a cluster without hapbeat's templates (its own Elasticsearch)", () => {
  let cluster: EsServer;
  let lab: HaproxyLab;
  beforeAll(async () => {
    [cluster, lab] = await Promise.all([EsServer.start({ heapMb: 384 }), HaproxyLab.start()]);
  });
  afterAll(async () => {
    await HapbeatProcess.killAll();
    await Promise.all([cluster?.destroy(), lab?.stop()]);
  });

  it('a plain index where a data stream belongs (made before any template existed)', async () => {
    await es(cluster.url, '/metrics-haproxy.info-plain', { method: 'PUT', body: {} });
    const t = await hapbeatCli(['test', 'output', '--es', cluster.url, '--namespace', 'plain']);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain('FAIL  metrics-haproxy.info-plain is a plain index, not a data stream');
    expect(t.stdout).toContain('DELETE /metrics-haproxy.info-plain');
  });
  it('setup.template.enabled: false only reports the missing templates', async () => {
    const hb = new HapbeatProcess(['-t', lab.masterSocket, '--es', cluster.url, '--namespace', 'notemplates', '-E', 'setup.template.enabled=false', ...fast]);
    await hb.waitPolls(2);
    expect(await hb.stop()).toBe(0);
    expect(hb.said('are missing and setup.template.enabled is false')).toHaveLength(1);
    expect((await es<Record<string, unknown>>(cluster.url, '/_index_template/hapbeat-haproxy.stat')).index_templates).toBeUndefined();
    const t = await hapbeatCli(['test', 'output', '--es', cluster.url, '-E', 'setup.template.enabled=false']);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain('index template hapbeat-haproxy.stat is missing: run "hapbeat setup"');
  });

  it('a data stream created before the templates (dynamic mappings): test output and run say so and how to fix it; the fix works', async () => {
    // Another tool's template made the data stream first, with dynamic mappings: status becomes text.
    await es(cluster.url, '/_index_template/someone-else', {
      method: 'PUT',
      body: { index_patterns: ['metrics-haproxy.stat-early'], data_stream: {}, priority: 50 },
    });
    await es(cluster.url, '/metrics-haproxy.stat-early/_doc', { body: { '@timestamp': new Date().toISOString(), haproxy: { stat: { status: 'UP' } } } });
    const hb = new HapbeatProcess(['-t', lab.masterSocket, '--es', cluster.url, '--namespace', 'early', ...fast]);
    await hb.waitPolls(2);
    expect(await hb.stop()).toBe(0);
    expect(hb.said('index templates were missing ("hapbeat setup" was not run); installed them')).toHaveLength(1);
    const problem = 'metrics-haproxy.stat-early maps ';
    expect(hb.said(problem)).toHaveLength(1);
    expect(hb.said(problem)[0]!.msg).toMatch(
      /as text, not keyword.*it was created before hapbeat's templates\. Fix: roll it over .*POST \/metrics-haproxy\.stat-early\/_rollover/,
    );
    const before = await hapbeatCli(['test', 'output', '--es', cluster.url, '--namespace', 'early']);
    expect(before.code).toBe(1);
    expect(before.stdout).toContain(`FAIL  ${problem}`);
    // The fix it gives: a rollover, so that the new write index takes hapbeat's template.
    await es(cluster.url, '/metrics-haproxy.stat-early/_rollover', { method: 'POST' });
    const after = await hapbeatCli(['test', 'output', '--es', cluster.url, '--namespace', 'early']);
    expect(after.stdout).toContain('ok    the destinations of namespace "early" are absent or mapped as hapbeat needs');
    expect(after.code).toBe(0);
  });

  it('a fresh namespace after run installed the templates: keyword mappings, as setup would make them', async () => {
    const hb = new HapbeatProcess(['-t', lab.masterSocket, '--es', cluster.url, '--namespace', 'fresh', ...fast]);
    await hb.waitPolls(3);
    expect(await hb.stop()).toBe(0);
    expect(statusType(await es<Mapping>(cluster.url, '/metrics-haproxy.stat-fresh/_mapping'))).toBe('keyword');
    expect(await count(cluster.url, 'metrics-haproxy.stat-fresh')).toBe(hb.polled().stat);
  });
});

describe('wrong credentials or privileges (a proxy answering 401/403 in front of the real Elasticsearch)', () => {
  const url = inject('esUrl');
  let lab: HaproxyLab;
  let proxy: FaultProxy;
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ lab, proxy, stop } = await labBehindProxy(url));
  });
  afterAll(async () => {
    await stop?.();
  });

  it.each([
    [401, 'Elasticsearch refused the credentials (401): check output.elasticsearch.username/password, api_key or bearer_token'],
    [403, 'Elasticsearch refused access (403): check the user or API key and its role'],
  ])('run refuses to start on %s, with the fix, instead of retrying forever', async (status, message) => {
    proxy.everything = status;
    try {
      const r = await hapbeatCli(['run', '-t', lab.masterSocket, '--es', proxy.url]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    } finally {
      proxy.everything = undefined;
    }
  });

  it('a 401 while running is an error, not an outage: documents wait, and arrive once the credentials work again', async () => {
    const ns = 'revoked';
    const hb = new HapbeatProcess(['-t', lab.masterSocket, '--es', proxy.url, '--namespace', ns, ...fast]);
    await hb.waitPolls(2);
    proxy.plan = () => ({ kind: 'status', status: 401 });
    await waitFor('the error', () => hb.said("refuses hapbeat's credentials or privileges").length > 0, 30_000);
    await hb.waitPolls(hb.polled().polls + 6);
    const errors = hb.said("refuses hapbeat's credentials or privileges");
    expect(errors.every((l) => l.level === 'error')).toBe(true);
    expect(errors.length).toBeLessThanOrEqual(2); // at most every 30 s
    expect(hb.said('not delivered')).toHaveLength(0); // not reported as an outage
    proxy.plan = () => ({ kind: 'pass' });
    await waitFor('the backlog', () => hb.said('backlog delivered').length > 0, 30_000);
    expect(await hb.stop()).toBe(0);
    const c = hb.lastCounters()!;
    const p = hb.polled();
    expect(await count(url, `metrics-haproxy.stat-${ns}`)).toBe(p.stat);
    expect(c.output_dropped).toBe(0);
    expect(c.output_acked).toBe(c.output_queued);
    expect(c.output_attempted).toBeGreaterThan(c.output_acked!); // attempts include the refused ones
  });
});
