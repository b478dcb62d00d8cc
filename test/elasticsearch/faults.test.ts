import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FaultProxy, type Fault } from '../../lab/fault-proxy.js';
import { loadConfig } from '../../src/config/load.js';
import { elasticsearchDelivery } from '../../src/pipeline/sink.js';
import { createLogger } from '../../src/log/logger.js';
import { parseShowStat } from '../../src/parse/show-stat.js';
import { parseShowInfo } from '../../src/parse/show-info.js';
import { type HapbeatEvent } from '../../src/documents/event.js';
import { statEvents } from '../../src/documents/stat-documents.js';
import { infoEvent } from '../../src/documents/info-document.js';
import { fixture, V26 } from '../fixtures.js';
import { all, count, hapbeatCli, rowKey } from './helpers.js';

const url = inject('esUrl');
const log = createLogger('silent');
const table = parseShowStat(fixture(V26, 'show-stat.txt'));
const info = parseShowInfo(fixture(V26, 'show-info.txt'));

/** `polls` samples of the recorded worker (12 rows + info each), with fresh timestamps. */
function samples(polls: number, pid: number): HapbeatEvent[] {
  const out: HapbeatEvent[] = [];
  const t0 = Date.now() - 60_000;
  for (let k = 0; k < polls; k++) {
    const ctx = {
      target: { name: 'lab', address: '/run/lab.sock' },
      agent: { name: 'it', version: '0', id: 'a', hostname: 'h' },
      process: { pid, num: 1, old: false, stopping: false, reloads: 0, startTime: 1_795_000_000, version: '2.6.12' },
      sampledAt: t0 + k * 1000,
      periodMs: 1000,
      namespace: 'x',
    };
    out.push(...statEvents(table, ctx, 1).events, infoEvent(info, ctx, 1).event);
  }
  return out;
}

async function deliver(namespace: string, target: string, events: HapbeatEvent[], opts: { timeout?: string; batch?: number; indexMode?: string } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-faults-'));
  const cfg = loadConfig({
    env: {},
    overrides: {
      'queue.disk.path': path.join(dir, 'spool'),
      'output.elasticsearch.dead_letter.path': path.join(dir, 'dead.ndjson'),
      'output.elasticsearch.hosts': [target],
      'output.elasticsearch.timeout': opts.timeout ?? '10s',
      'output.elasticsearch.backoff.init': '100ms',
      'output.elasticsearch.backoff.max': '400ms',
      'output.elasticsearch.bulk_max_size': opts.batch ?? 20,
      'data_stream.namespace': namespace,
      'output.elasticsearch.index_mode': opts.indexMode ?? 'data_stream',
    },
  });
  const q = elasticsearchDelivery(cfg.output.elasticsearch, cfg.queue, namespace, log);
  // Like a poller: one sample at a time.
  for (let i = 0; i < events.length; i += 13) await q.push(events.slice(i, i + 13));
  const idle = await q.waitIdle(60_000);
  await q.close(5000);
  return { idle, counters: q.counters, deadFile: path.join(dir, 'dead.ndjson') };
}

describe('the Elasticsearch output under faults (a fault-injecting proxy in front of the real server)', () => {
  beforeAll(async () => {
    expect((await hapbeatCli(['setup', '--es', url])).code).toBe(0);
  });

  const scenarios: [string, (n: number) => Fault][] = [
    ['429 on whole requests', (n) => (n <= 3 ? { kind: 'status', status: 429 } : { kind: 'pass' })],
    ['503 on whole requests', (n) => (n % 2 === 1 && n < 8 ? { kind: 'status', status: 503 } : { kind: 'pass' })],
    ['429 on some items (after Elasticsearch indexed them)', (n) => (n <= 4 ? { kind: 'items429', nth: 3 } : { kind: 'pass' })],
    ['a connection reset after Elasticsearch processed the request', (n) => (n === 1 || n === 3 ? { kind: 'reset' } : { kind: 'pass' })],
    ['slow answers, past the request timeout', (n) => (n <= 2 ? { kind: 'slow', ms: 2500 } : { kind: 'pass' })],
    ['413 for requests over 7 documents (split in halves)', () => ({ kind: 'maxItems', items: 7 })],
  ];

  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = new FaultProxy(url, () => ({ kind: 'pass' }));
    await proxy.start();
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  scenarios.forEach(([name, plan], i) => {
    it(`${name}: everything arrives exactly once`, async () => {
      const ns = `faults${i}`;
      proxy.plan = plan;
      proxy.bulkRequests = 0;
      proxy.applied.length = 0;
      const events = samples(5, 40_000 + i); // 5 polls: 60 stat rows and 5 info documents
      const r = await deliver(ns, proxy.url, events, { timeout: name.startsWith('slow') ? '1s' : '10s' });
      expect(r.idle).toBe(true);
      expect(proxy.applied.filter((k) => k !== 'pass' && k !== 'maxItems').length).toBeGreaterThan(0);
      expect(await count(url, `metrics-haproxy.stat-${ns}`)).toBe(60);
      expect(await count(url, `metrics-haproxy.info-${ns}`)).toBe(5);
      const docs = await all(url, `metrics-haproxy.stat-${ns}`);
      expect(new Set(docs.map((d) => rowKey(d._source))).size).toBe(60);
      expect(r.counters.acked).toBe(65);
      if (!name.startsWith('413')) expect(r.counters.retried).toBeGreaterThan(0);
      expect(r.counters.dead_lettered).toBe(0);
      expect(r.counters.dropped).toBe(0);
      if (name.startsWith('429 on some items') || name.startsWith('a connection reset') || name.startsWith('slow')) {
        // Elasticsearch had those already: the retry is answered 409 and counted as a duplicate.
        expect(r.counters.duplicates).toBeGreaterThan(0);
      }
    });
  });

  it("classic daily indices (index_mode: index) get hapbeat's own _id; a re-sent batch is answered 409", async () => {
    expect((await hapbeatCli(['setup', '--es', url, '-E', 'output.elasticsearch.index_mode=index'])).stdout).toContain(
      'hapbeat-haproxy.stat-index for hapbeat-haproxy.stat-*',
    );
    const events = samples(2, 48_888);
    const day = new Date(events[0]!.timestamp).toISOString().slice(0, 10).replace(/-/g, '.');
    const first = await deliver('classic', url, events, { indexMode: 'index' });
    expect(first.counters.acked).toBe(26);
    expect(first.counters.duplicates).toBe(0);
    expect(await count(url, `hapbeat-haproxy.stat-classic-${day}`)).toBe(24);
    const docs = await all(url, `hapbeat-haproxy.stat-classic-${day}`);
    expect(docs.map((d) => d._id).sort()).toEqual(
      events
        .filter((e) => e.dataset === 'haproxy.stat')
        .map((e) => e.id)
        .sort(),
    );
    const again = await deliver('classic', url, events, { indexMode: 'index' });
    expect(again.counters.duplicates).toBe(26);
    expect(await count(url, `hapbeat-haproxy.stat-classic-${day}`)).toBe(24);
  });

  it('a mapping error goes to the dead-letter file with its reason; the rest of its batch is indexed', async () => {
    const events = samples(2, 49_999);
    const bad = events.findIndex((e) => e.json.includes('"service_name":"app1"'));
    events[bad] = { ...events[bad]!, json: Buffer.from(events[bad]!.json.toString().replace('"weight":1', '"weight":"heavy"')) };
    proxy.plan = () => ({ kind: 'pass' });
    proxy.bulkAnswers.length = 0;
    proxy.bulkEncodings.length = 0;
    const r = await deliver('deadletter', proxy.url, events, { batch: 100 });
    // Bodies are gzipped at level 1, as Beats do: a third of the CPU of the default level for a few more bytes.
    expect(new Set(proxy.bulkEncodings)).toEqual(new Set(['gzip xfl=4']));
    // The answer carries each item's status, and the error of the one that failed: nothing else to read.
    const answers = proxy.bulkAnswers.map((t) => JSON.parse(t) as { errors: boolean; items: Record<string, object>[] });
    expect(answers.reduce((n, a) => n + a.items.length, 0)).toBe(26);
    const items = answers.flatMap((a) => a.items.map((i) => Object.values(i)[0]!));
    expect(items.filter((i) => JSON.stringify(Object.keys(i)) === '["status"]')).toHaveLength(25);
    expect(items.filter((i) => JSON.stringify(Object.keys(i)) === '["status","error"]')).toHaveLength(1);
    expect(r.counters.dead_lettered).toBe(1);
    expect(r.counters.acked).toBe(events.length - 1);
    expect(await count(url, 'metrics-haproxy.stat-deadletter')).toBe(23);
    const lines = readFileSync(r.deadFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]._id).toBe(events[bad]!.id);
    expect(lines[0].status).toBe(400);
    expect(lines[0].reason).toContain('haproxy.stat.weight');
    expect(lines[0].document.haproxy.stat.weight).toBe('heavy');
  });
});
