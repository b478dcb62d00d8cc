import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { estypes } from '@elastic/elasticsearch';
import { HaproxyLab } from '../../lab/haproxy.js';
import { holdRequest, sendRequests, startHttpBackend, type Backend } from '../../lab/backends.js';
import { freePort, waitFor } from '../../lab/ports.js';
import { evaluateCondition, renderRequest } from '../harness/watch-conditions.js';
import { DEFAULT_WATCH_SETTINGS, watchDefinitions, type WatchDef, type WatchSettings } from '../../src/elastic/watches.js';
import { es, hapbeatCli, HapbeatProcess } from './helpers.js';

const url = inject('esUrl');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Any = any;

const settings = (ns: string): WatchSettings => ({
  ...DEFAULT_WATCH_SETTINGS,
  periodMs: 1000,
  indices: { stat: `metrics-haproxy.stat-${ns}`, info: `metrics-haproxy.info-${ns}`, process: `metrics-haproxy.process-${ns}` },
});

/** Runs a watch's input search as Watcher would at `at`, and evaluates its condition on the result. */
async function fires(def: WatchDef, at: string): Promise<{ met: boolean; payload: Any }> {
  const req = renderRequest(def.watch.input.search!.request, at) as estypes.WatcherSearchInputRequestDefinition;
  const qs = `?rest_total_hits_as_int=${req.rest_total_hits_as_int === true}&ignore_unavailable=${req.indices_options?.ignore_unavailable === true}&allow_no_indices=${req.indices_options?.allow_no_indices === true}`;
  const payload = await es<Any>(url, `/${req.indices!.join(',')}/_search${qs}`, { body: req.body });
  if (payload.error) throw new Error(`${def.id}: ${JSON.stringify(payload.error)}`);
  return { met: evaluateCondition(def.watch.condition as Any, { ctx: { payload } }), payload };
}

/**
 * Each watch against a healthy HAProxy (no server down, no 5xx, no queue, no failed reload) and an unhealthy
 * one (a server DOWN, a backend answering 500, a frontend at its session limit, a standing queue, a failed
 * reload), both real, indexed by hapbeat into the real Elasticsearch. False on healthy data, true on unhealthy.
 */
describe('Watcher alerts on real data', () => {
  let healthy: HaproxyLab;
  let sick: HaproxyLab;
  let err: Backend;
  const held: { abort(): void }[] = [];
  let lastPoll = '';

  beforeAll(async () => {
    const [errPort, fullPort] = [await freePort(), await freePort()];
    err = await startHttpBackend(errPort, 'boom', 500);
    [healthy, sick] = await Promise.all([
      HaproxyLab.start({ config: (l) => l.configText().replace(/\n  server down1[^\n]*/, '') }),
      HaproxyLab.start({
        config: (l) =>
          l
            .configText()
            .replace(
              '  use_backend be_slow if { path_beg /slow }',
              '  use_backend be_slow if { path_beg /slow }\n  use_backend be_err if { path_beg /err }\n  use_backend be_q if { path_beg /q }',
            )
            .concat(`\nbackend be_err\n  server e1 127.0.0.1:${errPort}\n`)
            .concat(`backend be_q\n  timeout queue 120s\n  server q1 127.0.0.1:${l.ports.slow} maxconn 1\n`)
            .concat(`listen li_full\n  bind 127.0.0.1:${fullPort}\n  maxconn 2\n  server f1 127.0.0.1:${l.ports.slow}\n`),
      }),
    ]);
    expect((await hapbeatCli(['setup', '--es', url])).code).toBe(0);
    // The sick one: 12 requests stuck on a one-connection server (11 queued), and li_full at its limit of 2.
    for (let i = 0; i < 12; i++) held.push(holdRequest(sick.ports.fe, `/q/${i}`));
    for (let i = 0; i < 2; i++) held.push(holdRequest(fullPort, `/full/${i}`));
    await Promise.all(held.map((h) => (h as Any).connected));
    const agents = [
      new HapbeatProcess(['-t', healthy.masterSocket, '--es', url, '--namespace', 'watchok', '--period', '1s']),
      new HapbeatProcess(['-t', sick.masterSocket, '--es', url, '--namespace', 'watchsick', '--period', '1s']),
    ];
    await Promise.all(agents.map((a) => a.waitPolls(2)));
    const t0 = Date.now();
    while (Date.now() - t0 < 12_000) {
      await Promise.all([sendRequests(healthy.ports.fe, 2), sendRequests(sick.ports.fe, 2), sendRequests(sick.ports.fe, 2, '/err')]);
      await sleep(200);
    }
    // A reload that fails on the sick one.
    sick.writeConfig(`${sick.configText()}\nnot a valid line\n`);
    process.kill(sick.masterPid, 'SIGUSR2');
    await waitFor(
      'the failed reload event',
      async () =>
        (await es<Any>(url, '/metrics-haproxy.process-watchsick/_search', { body: { query: { term: { 'event.action': 'reload-failed' } } } })).hits?.total
          ?.value > 0,
      30_000,
    );
    await Promise.all(agents.map((a) => a.waitPolls(a.polled().polls + 2)));
    lastPoll = new Date().toISOString();
    await Promise.all(agents.map(async (a) => expect(await a.stop()).toBe(0)));
    await es(url, '/metrics-haproxy.*-watch*/_refresh', { method: 'POST' });
  }, 180_000);

  afterAll(async () => {
    await HapbeatProcess.killAll();
    for (const h of held) h.abort();
    healthy?.blackhole.dropConnections();
    sick?.blackhole.dropConnections();
    await Promise.all([healthy?.stop(), sick?.stop(), err?.close()]);
  });

  const ids = watchDefinitions().map((w) => w.id);

  it.each(ids)('%s: false on healthy data, true on unhealthy data', async (id) => {
    const ok = watchDefinitions(settings('watchok')).find((w) => w.id === id)!;
    const bad = watchDefinitions(settings('watchsick')).find((w) => w.id === id)!;
    // The no-data watch: the unhealthy case is the same data looked at 10 s after the last poll (10 periods).
    const badAt = id === 'hapbeat-no-data' ? new Date(Date.parse(lastPoll) + 10_000).toISOString() : lastPoll;
    const good = await fires(ok, lastPoll);
    const sickResult = await fires(bad, badAt);
    console.log(
      `${id}: healthy ${good.met}, unhealthy ${sickResult.met} (${JSON.stringify(sickResult.payload.aggregations ?? { hits: sickResult.payload.hits.total }).slice(0, 200)})`,
    );
    expect(good.met).toBe(false);
    expect(sickResult.met).toBe(true);
  });
});

describe('hapbeat setup --watches on a cluster without Watcher', () => {
  it('says exactly that, and exits 1', async () => {
    const r = await hapbeatCli(['setup', '--watches', '--es', url]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL  this cluster has no Watcher (the x-pack-watcher module is missing): watches cannot be installed here');
  });
});
