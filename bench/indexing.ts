/**
 * Benchmark 2: sustained indexing into the real local Elasticsearch.
 * - hapbeat: the delivery queue and Elasticsearch output with their defaults (bulk 1600, 2 requests at once);
 * - baseline: a minimal raw `_bulk` loop with fetch, same documents, same batch size and concurrency;
 * both into time series data streams installed by `hapbeat setup`, with the documents `hapbeat run` makes of a
 * poll (rates included). Goal: hapbeat at least 95% of baseline.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { createClient } from '../src/output/elasticsearch/client.js';
import { createLogger } from '../src/log/logger.js';
import { elasticsearchDelivery } from '../src/pipeline/sink.js';
import type { HapbeatEvent } from '../src/documents/event.js';
import { PollTransform } from '../src/pipeline/transform.js';
import { recordedPoll } from '../lab/recorded-poll.js';
import { runSetup } from '../src/elastic/setup.js';
import { bulkBody } from '../src/output/elasticsearch/bulk.js';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export interface IndexingResult {
  documents: number;
  hapbeatDocsPerSec: number;
  baselineDocsPerSec: number;
  ratio: number;
  hapbeatNoCompressionDocsPerSec: number;
  /** With queue.type: memory (no write-ahead spool): what the disk queue's durability costs. */
  hapbeatMemoryQueueDocsPerSec: number;
  /** The raw loop with gzip request bodies (level 1, as hapbeat sends them): the baseline for hapbeat's default. */
  baselineGzipDocsPerSec: number;
  /** Each path's rate in each round, docs/s. */
  rates: Record<'raw' | 'rawGzip' | 'hb' | 'hbPlain' | 'hbMemory', number[]>;
}

/**
 * `n` polls' documents as `hapbeat run` makes them from one worker's recorded answers, one second apart: the
 * stat documents with their rates (the same counters each time, so every rate is 0), the info document, and
 * the process's identity, through the agent's own transform. `pid` keeps each run's series apart.
 */
export function samples(answers: RecordedAnswers, n: number, pid: number): HapbeatEvent[][] {
  const transform = new PollTransform({ agent: { name: 'bench', version: '0', id: 'b', hostname: 'h' }, periodMs: 1000, namespace: 'bench' });
  const info = answers.info.replace(/^Pid: \d+$/m, `Pid: ${pid}`);
  const t0 = Date.now() - n * 1000;
  return Array.from({ length: n }, (_, k) => {
    const at = t0 + k * 1000;
    return transform.run(recordedPoll('/run/bench.sock', at, { info, stat: answers.stat })).events;
  });
}

/** One worker's `show stat` and `show info` answers, recorded from the bench's HAProxy. */
export interface RecordedAnswers {
  stat: string;
  info: string;
}

async function viaHapbeat(url: string, ns: string, batches: HapbeatEvent[][], compression: boolean, queueType: 'disk' | 'memory' = 'disk'): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-bench-'));
  const cfg = loadConfig({
    env: {},
    overrides: {
      'output.elasticsearch.hosts': [url],
      'data_stream.namespace': ns,
      'output.elasticsearch.compression': compression,
      'queue.max_events': 100_000,
      'queue.type': queueType,
      'queue.disk.path': path.join(dir, 'spool'),
      'output.elasticsearch.dead_letter.path': path.join(dir, 'dead.ndjson'),
    },
  });
  const q = elasticsearchDelivery(cfg.output.elasticsearch, cfg.queue, ns, createLogger('silent'));
  const t0 = performance.now();
  for (const b of batches) await q.push(b);
  if (!(await q.waitIdle(600_000))) throw new Error('hapbeat did not finish');
  const ms = performance.now() - t0;
  await q.close(1000);
  if (q.counters.acked !== batches.flat().length) throw new Error(`hapbeat acked ${q.counters.acked} of ${batches.flat().length}`);
  return ms;
}

async function viaRawLoop(url: string, ns: string, docs: HapbeatEvent[], batchSize: number, concurrency: number, gzip = false): Promise<number> {
  const indexFor = (e: HapbeatEvent) => `metrics-${e.dataset}-${ns}`;
  const chunks: HapbeatEvent[][] = [];
  for (let i = 0; i < docs.length; i += batchSize) chunks.push(docs.slice(i, i + batchSize));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < chunks.length) {
        const c = chunks[next++]!;
        const body = bulkBody(c, indexFor, false);
        const res = await fetch(`${url}/_bulk`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
          body: (gzip ? await gzipAsync(body, { level: 1 }) : body) as unknown as BodyInit,
        });
        const j = (await res.json()) as { errors: boolean };
        if (j.errors) throw new Error('baseline bulk had errors');
      }
    }),
  );
  return performance.now() - t0;
}

export async function benchIndexing(url: string, answers: RecordedAnswers, rounds = 4, samplesCount = 25): Promise<IndexingResult> {
  const client = createClient(loadConfig({ env: {}, overrides: { 'output.elasticsearch.hosts': [url] } }).output.elasticsearch);
  await runSetup(client, loadConfig({ env: {}, overrides: { 'output.elasticsearch.hosts': [url] } }).output.elasticsearch, false);
  await client.close();
  // Warm up both paths (JIT, first data stream creation), then measure each path once per round. The order
  // turns by one path each round, so that no path always runs right after the same one (Elasticsearch is
  // still merging the previous run's segments when the next starts).
  await viaRawLoop(url, 'warm_raw', samples(answers, 2, 1).flat(), 1600, 2);
  await viaHapbeat(url, 'warm_hb', samples(answers, 2, 2), true);
  const rates = { raw: [] as number[], rawGzip: [] as number[], hb: [] as number[], hbPlain: [] as number[], hbMemory: [] as number[] };
  const paths: [keyof typeof rates, (ns: string, docs: HapbeatEvent[][]) => Promise<number>][] = [
    ['raw', (ns, docs) => viaRawLoop(url, ns, docs.flat(), 1600, 2)],
    ['rawGzip', (ns, docs) => viaRawLoop(url, ns, docs.flat(), 1600, 2, true)],
    ['hb', (ns, docs) => viaHapbeat(url, ns, docs, true)],
    ['hbPlain', (ns, docs) => viaHapbeat(url, ns, docs, false)],
    ['hbMemory', (ns, docs) => viaHapbeat(url, ns, docs, true, 'memory')],
  ];
  let docs = 0;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < paths.length; k++) {
      const [name, run] = paths[(round + k) % paths.length]!;
      const batches = samples(answers, samplesCount, 100 * (k + 1) + round);
      docs = batches.flat().length;
      rates[name].push(docs / ((await run(`${name.toLowerCase()}${round}`, batches)) / 1000));
    }
  }
  const best = (xs: number[]) => Math.max(...xs);
  return {
    documents: docs,
    hapbeatDocsPerSec: best(rates.hb),
    baselineDocsPerSec: best(rates.raw),
    ratio: best(rates.hb) / best(rates.rawGzip),
    baselineGzipDocsPerSec: best(rates.rawGzip),
    hapbeatNoCompressionDocsPerSec: best(rates.hbPlain),
    hapbeatMemoryQueueDocsPerSec: best(rates.hbMemory),
    rates,
  };
}
