import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HaproxyLab } from '../../lab/haproxy.js';
import { holdRequest, sendRequests, startHttpBackend, type Backend } from '../../lab/backends.js';
import { freePort, waitFor } from '../../lab/ports.js';
import { lensToSearch, metricValue } from '../harness/lens-to-es.js';
import { kibanaObjects } from '../../src/kibana/objects.js';
import { RETENTION_QUERIES } from '../../src/kibana/queries.js';
import { es, hapbeatCli, HapbeatProcess } from './helpers.js';

const url = inject('esUrl');
const NS = 'kibanapanels';
const INDEX = `metrics-haproxy.*-${NS}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Any = any;

/**
 * Every Lens panel of every dashboard, translated into the search Kibana would run and executed on documents
 * from a real HAProxy: known traffic, a server DOWN (down1), real 5xx from a backend, and a reload while a
 * request is held (an old worker drains).
 */
describe('dashboards on real data', () => {
  let lab: HaproxyLab;
  let errBackend: Backend;
  let hb: HapbeatProcess;
  let from = '';
  let to = '';
  /** Completion times of the requests to fe_main's default backend, for the rate check. */
  const completed: number[] = [];
  /** Every request fe_main answered (be_app, be_err, and the held one). */
  let answered = 0;
  let window = { start: 0, end: 0 };
  const lenses = kibanaObjects().filter((o) => o.type === 'lens') as Any[];
  const run = async (id: string) => {
    const lens = lenses.find((l) => l.id === `hapbeat-${id}`)!;
    const t = lensToSearch(lens, { from, to });
    const r = await es<Any>(url, `/${INDEX}/_search`, { body: t.body });
    if (r.error) throw new Error(`${id}: ${JSON.stringify(r.error)}`);
    const layer = Object.values(lens.attributes.state.datasourceStates.formBased.layers)[0] as Any;
    return { r, t, columns: layer.columns };
  };

  beforeAll(async () => {
    const errPort = await freePort();
    errBackend = await startHttpBackend(errPort, 'boom', 500);
    lab = await HaproxyLab.start({
      config: (l) =>
        l
          .configText()
          .replace('  use_backend be_slow if { path_beg /slow }', '  use_backend be_slow if { path_beg /slow }\n  use_backend be_err if { path_beg /err }')
          .concat(`\nbackend be_err\n  server e1 127.0.0.1:${errPort}\n`),
    });
    expect((await hapbeatCli(['setup', '--es', url])).code).toBe(0);
    from = new Date(Date.now() - 2000).toISOString();
    hb = new HapbeatProcess(['-t', lab.masterSocket, '--es', url, '--namespace', NS, '--period', '1s', '-E', 'output.elasticsearch.flush_interval=200ms']);
    await hb.waitPolls(3);
    // 30 s of steady traffic: requests to be_app, and one in eight to be_err (500s).
    window.start = Date.now();
    for (let i = 0; Date.now() - window.start < 30_000; i++) {
      await sendRequests(lab.ports.fe, 1, i % 8 === 7 ? '/err' : '/').then(
        () => {
          answered++;
          if (i % 8 !== 7) completed.push(Date.now());
        },
        () => undefined,
      );
      await sleep(40);
    }
    window.end = Date.now();
    // A reload while a request is held: the old worker stays, draining.
    const held = holdRequest(lab.ports.fe, '/slow/held');
    await held.connected;
    answered++; // counted by HAProxy when it is received, though never answered
    await sleep(300);
    await lab.reload();
    await hb.waitPolls(hb.polled().polls + 6);
    expect(await hb.stop()).toBe(0);
    held.abort();
    lab.blackhole.dropConnections();
    to = new Date().toISOString();
    await es(url, `/${INDEX}/_refresh`, { method: 'POST' });
  }, 180_000);

  afterAll(async () => {
    await HapbeatProcess.killAll();
    await lab?.stop();
    await errBackend?.close();
  });

  it.each(lenses.map((l) => [l.id.slice('hapbeat-'.length), l.attributes.title]))('panel %s (%s) returns non-empty buckets', async (id) => {
    const { r, t, columns } = await run(id);
    // Walk the bucket nesting down to the innermost buckets and collect metric values.
    let level: Any[] = [r.aggregations ?? {}];
    for (const b of t.buckets) level = level.flatMap((node) => node[b]?.buckets ?? []);
    if (t.buckets.length === 0) level = [r.aggregations ?? {}];
    const values = level.flatMap((bucket) => t.metrics.map((m) => metricValue(bucket, m, columns[m])));
    expect(level.length, `${id}: buckets`).toBeGreaterThan(0);
    expect(values.filter((v) => v !== undefined && v !== null).length, `${id}: metric values`).toBeGreaterThan(0);
  });

  it('the request-rate panel shows the traffic sent over the window (±10%)', async () => {
    const { r } = await run('fe-request-rate');
    const fe = r.aggregations.split.buckets.find((b: Any) => b.key === 'fe_main');
    // 10 s buckets well inside the traffic window; what was sent there, per second, against what the panel shows.
    const inner = fe.x.buckets.filter((b: Any) => b.key >= window.start + 3000 && b.key + 10_000 <= window.end - 2000);
    expect(inner.length).toBeGreaterThanOrEqual(1);
    for (const b of inner) {
      // The panel averages 1 s rates; a few requests to /err per bucket go to the same frontend.
      const sentHere = completed.filter((t) => t >= b.key && t < b.key + 10_000).length * (8 / 7);
      const shown = b.m0.value as number;
      console.log(`fe_main requests/s, bucket ${new Date(b.key).toISOString()}: panel ${shown.toFixed(2)}, sent ${(sentHere / 10).toFixed(2)}`);
      expect(Math.abs(shown - sentHere / 10) / (sentHere / 10)).toBeLessThan(0.1);
    }
  });

  it('the DOWN panels show the downed server', async () => {
    const { r } = await run('overview-backends-down');
    const app = r.aggregations.r0.buckets.find((b: Any) => b.key === 'be_app');
    expect(app.m0.v.hits.hits[0]._source.haproxy.stat.server.down_ratio).toBeCloseTo(1 / 3, 3); // down1 of app1, app2, down1
    const status = await run('be-server-status');
    const down1 = status.r.aggregations.r0.buckets.find((b: Any) => b.key === 'be_app').r1.buckets.find((b: Any) => b.key === 'down1');
    expect(down1.m0.v.hits.hits[0]._source.haproxy.stat.status).toBe('DOWN');
  });

  it('the 5xx share shows the backend that answers 500', async () => {
    const { r } = await run('overview-5xx-share');
    const err = r.aggregations.split.buckets.find((b: Any) => b.key === 'be_err');
    expect(Math.max(...err.x.buckets.map((b: Any) => b.m0.value ?? 0))).toBe(1);
    const app = r.aggregations.split.buckets.find((b: Any) => b.key === 'be_app');
    expect(Math.max(...app.x.buckets.map((b: Any) => b.m0.value ?? 0))).toBe(0);
  });

  it('the processes panels show the old worker after the reload', async () => {
    const { r } = await run('overview-processes');
    const old = r.aggregations.split.buckets.find((b: Any) => b.key_as_string === 'true' || b.key === 1);
    expect(old).toBeDefined();
    expect(Math.max(...old.x.buckets.map((b: Any) => b.m0.value ?? 0))).toBe(1);
    const events = await run('proc-events');
    expect(events.r.aggregations.split.buckets.map((b: Any) => b.key).sort()).toEqual(['worker-started', 'worker-stopping']);
    await waitFor('draining sessions', async () => (await run('proc-draining')).r.aggregations.split.buckets.length > 0, 5000);
  });

  /** Runs a query of kibana/queries on this test's data stream only. */
  const query = async (id: string) => {
    const q = RETENTION_QUERIES.find((x) => x.id === id)!;
    const index = q.index.replace(/\*$/, NS);
    const r = await es<Any>(url, `/${index}/_search`, { body: q.body });
    if (r.error) throw new Error(`${id}: ${JSON.stringify(r.error)}`);
    return r.aggregations;
  };

  it('query "monthly requests per frontend": the processes\' counter increases add up to every request fe_main answered', async () => {
    const a = await query('monthly-requests-per-frontend');
    const fe = a.frontends.buckets.find((b: Any) => b.key === 'fe_main');
    const total = fe.months.buckets.flatMap((m: Any) => m.processes.buckets).reduce((n: number, p: Any) => n + (p.last.value - p.first.value), 0);
    console.log(`monthly requests per frontend: fe_main ${total}, requests answered ${answered}`);
    expect(total).toBe(answered);
  });

  it('query "worst day of 5xx share per backend": 1 for the backend that answers 500, 0 for the healthy one', async () => {
    const a = await query('worst-day-5xx-share-per-backend');
    const of = (name: string) => a.backends.buckets.find((b: Any) => b.key === name);
    expect(of('be_err').worst_day.value).toBe(1);
    expect(of('be_app').worst_day.value).toBe(0);
  });

  it('query "p95 of response time per backend per day": the 95th percentile and the peak of the day\'s samples', async () => {
    const a = await query('p95-response-time-per-backend-per-day');
    const app = a.backends.buckets.find((b: Any) => b.key === 'be_app');
    const samples = await es<Any>(url, `/metrics-haproxy.stat-${NS}/_search`, {
      body: {
        size: 10_000,
        _source: ['haproxy.stat.response.time.avg', '@timestamp'],
        query: {
          bool: {
            filter: [
              { term: { 'haproxy.process.scope': 'all' } },
              { term: { 'haproxy.stat.proxy.name': 'be_app' } },
              { term: { 'haproxy.stat.component_type': 1 } },
            ],
          },
        },
      },
    });
    for (const day of app.days.buckets.filter((d: Any) => d.doc_count > 0)) {
      const values = samples.hits.hits
        .filter((h: Any) => Date.parse(h._source['@timestamp']) >= day.key && Date.parse(h._source['@timestamp']) < day.key + 86_400_000)
        .map((h: Any) => h._source.haproxy.stat.response.time.avg as number)
        .sort((x: number, y: number) => x - y);
      expect(values.length).toBe(day.doc_count);
      expect(day.peak.value).toBe(values.at(-1));
      // The 95th percentile by linear interpolation between the closest ranks.
      const rank = 0.95 * (values.length - 1);
      const p95 = values[Math.floor(rank)]! + (values[Math.ceil(rank)]! - values[Math.floor(rank)]!) * (rank - Math.floor(rank));
      console.log(`p95 response time of be_app on ${day.key_as_string}: query ${day.p95.values['95.0']}, hand-computed ${p95} (from ${values.length} samples)`);
      expect(day.p95.values['95.0']).toBeCloseTo(p95, 0);
    }
  });

  it('query "reloads per week": the one reload of this test', async () => {
    const a = await query('reloads-per-week');
    const total = a.weeks.buckets.flatMap((w: Any) => w.targets.buckets).reduce((n: number, t: Any) => n + t.doc_count, 0);
    expect(total).toBe(1);
  });
});
