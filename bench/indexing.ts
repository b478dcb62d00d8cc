/**
 * Benchmark 2: sustained indexing into the real local Elasticsearch.
 * - hapbeat: the delivery queue and Elasticsearch output with their defaults (bulk 1600, 2 requests at once);
 * - baseline: a minimal raw `_bulk` loop with fetch, same documents, same batch size and concurrency;
 * both into time series data streams installed by `hapbeat setup`. Target: hapbeat at least 90% of baseline.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { createClient } from '../src/output/elasticsearch/client.js';
import { createLogger } from '../src/log/logger.js';
import { elasticsearchDelivery } from '../src/pipeline/sink.js';
import { parseShowStat } from '../src/parse/show-stat.js';
import type { HapbeatEvent } from '../src/documents/event.js';
import { statEvents } from '../src/documents/stat-documents.js';
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
}

function samples(statText: string, n: number, pid: number): HapbeatEvent[][] {
  const table = parseShowStat(statText);
  const t0 = Date.now() - n * 1000;
  return Array.from(
    { length: n },
    (_, k) =>
      statEvents(
        table,
        {
          target: { name: 'bench', address: '/run/bench.sock' },
          agent: { name: 'bench', version: '0', id: 'b', hostname: 'h' },
          process: { pid, num: 1, old: false, stopping: false, reloads: 0, startTime: 1_795_000_000, version: '2.6' },
          sampledAt: t0 + k * 1000,
          periodMs: 1000,
          namespace: 'bench',
        },
        1,
      ).events,
  );
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
  const index = `metrics-haproxy.stat-${ns}`;
  const chunks: HapbeatEvent[][] = [];
  for (let i = 0; i < docs.length; i += batchSize) chunks.push(docs.slice(i, i + batchSize));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < chunks.length) {
        const c = chunks[next++]!;
        const body = bulkBody(c, () => index, false);
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

export async function benchIndexing(url: string, statText: string, samplesCount = 25): Promise<IndexingResult> {
  const client = createClient(loadConfig({ env: {}, overrides: { 'output.elasticsearch.hosts': [url] } }).output.elasticsearch);
  await runSetup(client, loadConfig({ env: {}, overrides: { 'output.elasticsearch.hosts': [url] } }).output.elasticsearch, false);
  await client.close();
  // Warm up both paths (JIT, first data stream creation), then measure each twice, alternating.
  await viaRawLoop(url, 'warm_raw', samples(statText, 2, 1).flat(), 1600, 2);
  await viaHapbeat(url, 'warm_hb', samples(statText, 2, 2), true);
  const rates = { raw: [] as number[], rawGzip: [] as number[], hb: [] as number[], hbPlain: [] as number[], hbMemory: [] as number[] };
  let docs = 0;
  for (let round = 0; round < 2; round++) {
    const a = samples(statText, samplesCount, 100 + round);
    const b = samples(statText, samplesCount, 200 + round);
    const c = samples(statText, samplesCount, 300 + round);
    const d = samples(statText, samplesCount, 400 + round);
    const e = samples(statText, samplesCount, 500 + round);
    docs = a.flat().length;
    rates.raw.push(docs / ((await viaRawLoop(url, `raw${round}`, a.flat(), 1600, 2)) / 1000));
    rates.rawGzip.push(docs / ((await viaRawLoop(url, `rawgz${round}`, e.flat(), 1600, 2, true)) / 1000));
    rates.hb.push(docs / ((await viaHapbeat(url, `hb${round}`, b, true)) / 1000));
    rates.hbPlain.push(docs / ((await viaHapbeat(url, `hbplain${round}`, c, false)) / 1000));
    rates.hbMemory.push(docs / ((await viaHapbeat(url, `hbmem${round}`, d, true, 'memory')) / 1000));
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
  };
}
