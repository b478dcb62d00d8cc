import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createClient } from '../../src/output/elasticsearch/client.js';
import { ElasticsearchOutput } from '../../src/output/elasticsearch/elasticsearch-output.js';
import { createLogger } from '../../src/log/logger.js';
import { parseShowStat } from '../../src/parse/show-stat.js';
import { type HapbeatEvent } from '../../src/documents/event.js';
import { statEvents } from '../../src/documents/stat-documents.js';
import { fixture, V26 } from '../fixtures.js';
import { count, es, hapbeatCli } from './helpers.js';

const url = inject('esUrl');

/**
 * An ambiguous failure (Elasticsearch indexed a batch but the answer was lost) is resolved by sending the batch
 * again: the deterministic id makes the copy a 409. That check only covers the index the copy lands in. These
 * tests measure what happens when the data stream rolls over between the two sends.
 */
describe('ambiguous failure plus rollover (measured on the real Elasticsearch)', () => {
  const cfg = loadConfig({ env: {}, overrides: { 'output.elasticsearch.hosts': [url] } }).output.elasticsearch;
  const send = async (ns: string, events: HapbeatEvent[]) => {
    const client = createClient(cfg);
    const out = new ElasticsearchOutput(client, cfg, ns, createLogger('silent'));
    try {
      return await out.publish(events);
    } finally {
      await out.close();
    }
  };
  beforeAll(async () => {
    expect((await hapbeatCli(['setup', '--es', url])).code).toBe(0);
  });

  // A TSDS routes a document by @timestamp to the time-bound backing index that covers it, old or new (Elastic:
  // "Time-bound indices and dimension-based routing"), so a copy always meets its original. The test
  // distribution lacks the data-streams module that sets those bounds: its TSDS cannot roll over at all, which
  // this test records; on a full distribution it checks the 409.
  it('haproxy.stat (time series data stream): the copy sent after a rollover is still answered 409 (or rollover is refused)', async () => {
    const ns = 'rollstat';
    const ctx = {
      target: { name: 'lab', address: '/run/lab.sock' },
      agent: { name: 'it', version: '0', id: 'a', hostname: 'h' },
      process: { pid: 4242, num: 1, old: false, stopping: false, reloads: 0, startTime: 1_795_000_000, version: '2.6.12' },
      sampledAt: Date.now() - 5000,
      periodMs: 1000,
      namespace: ns,
    };
    const events = statEvents(parseShowStat(fixture(V26, 'show-stat.txt')), ctx, 1).events;
    const first = await send(ns, events);
    expect(first.acked).toBe(events.length);
    const roll = await es<{ rolled_over?: boolean; new_index?: string; error?: { reason?: string } }>(url, `/metrics-haproxy.stat-${ns}/_rollover`, {
      method: 'POST',
    });
    if (!roll.rolled_over) expect(roll.error?.reason).toMatch(/is overlapping with backing index/);
    const again = await send(ns, events);
    console.log(
      `TSDB stat ${roll.rolled_over ? `after rollover to ${roll.new_index}` : `(rollover refused: ${roll.error?.reason?.slice(0, 60)}...)`}: ${again.duplicates} of ${events.length} answered 409`,
    );
    expect(again.duplicates).toBe(events.length);
    expect(await count(url, `metrics-haproxy.stat-${ns}`)).toBe(events.length);
  });

  it('haproxy.process (a plain data stream): the copy sent after a rollover lands in the new backing index, a duplicate', async () => {
    const ns = 'rollproc';
    const event: HapbeatEvent = {
      id: 'rollover-probe-1',
      dataset: 'haproxy.process',
      timestamp: Date.now() - 5000,
      json: Buffer.from(
        JSON.stringify({
          '@timestamp': new Date(Date.now() - 5000).toISOString(),
          event: { kind: 'event', action: 'worker-started', dataset: 'haproxy.process' },
          data_stream: { type: 'metrics', dataset: 'haproxy.process', namespace: ns },
        }),
      ),
    };
    expect((await send(ns, [event])).acked).toBe(1);
    const roll = await es<{ rolled_over?: boolean }>(url, `/metrics-haproxy.process-${ns}/_rollover`, { method: 'POST' });
    expect(roll.rolled_over).toBe(true);
    const again = await send(ns, [event]);
    console.log(`haproxy.process after rollover: ${again.acked} acknowledged, ${again.duplicates} duplicates (409)`);
    expect(again.duplicates).toBe(0);
    expect(await count(url, `metrics-haproxy.process-${ns}`)).toBe(2);
  });
});
