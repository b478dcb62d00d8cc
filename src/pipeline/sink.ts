import path from 'node:path';
import type { ElasticsearchConfig, HapbeatConfig, QueueConfig } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import { ConsoleOutput } from '../output/console.js';
import { DeadLetterFile, type Rejected } from '../output/dead-letter.js';
import { createClient } from '../output/elasticsearch/client.js';
import { ElasticsearchOutput } from '../output/elasticsearch/elasticsearch-output.js';
import { FileOutput } from '../output/file.js';
import type { Output } from '../output/output.js';
import { MemoryBuffer, type QueueBuffer } from './buffer.js';
import { DeliveryQueue, type DeliveryOptions } from './delivery-queue.js';
import { DiskBuffer } from './disk-buffer.js';

/**
 * The sink of the pipeline: the configured output behind the one delivery queue, with the configured buffer
 * (memory, or the write-ahead disk spool). Every output goes through the same queue, retry and accounting.
 */
export function createSink(config: HapbeatConfig, log: Logger, overrides: { output?: Output; delivery?: Partial<DeliveryOptions> } = {}): DeliveryQueue {
  const type = config.output.type;
  const qlog = log.child({ output: type });
  if (type === 'elasticsearch') return elasticsearchDelivery(config.output.elasticsearch, config.queue, config.namespace, qlog, overrides.delivery);
  const output = overrides.output ?? (type === 'console' ? new ConsoleOutput() : new FileOutput(config.output.file));
  return new DeliveryQueue(output, createBuffer(config.queue, qlog), undefined, { ...LOCAL_DELIVERY, ...overrides.delivery }, qlog);
}

/** Local outputs (file, console): large batches at once, one writer, a short backoff when the disk is full. */
const LOCAL_DELIVERY: DeliveryOptions = { batchSize: 4096, concurrency: 1, flushIntervalMs: 0, backoffInitMs: 500, backoffMaxMs: 10_000 };

export function createBuffer(q: QueueConfig, log: Logger): QueueBuffer {
  if (q.type === 'memory') return new MemoryBuffer(q.maxEvents, log);
  return new DiskBuffer(
    { dir: path.resolve(q.disk.path), maxBytes: q.disk.maxBytes, segmentBytes: q.disk.segmentBytes, cacheEvents: q.maxEvents, maxEvents: q.maxEvents },
    log,
  );
}

/** The Elasticsearch output behind its delivery queue and dead letter, as the settings describe them. */
export function elasticsearchDelivery(
  es: ElasticsearchConfig,
  queue: QueueConfig,
  namespace: string,
  log: Logger,
  overrides: Partial<DeliveryOptions> = {},
): DeliveryQueue {
  const client = createClient(es);
  const buffer = createBuffer(queue, log);
  return new DeliveryQueue(
    new ElasticsearchOutput(client, es, namespace, log),
    buffer,
    new DeadLetterFile(path.resolve(es.deadLetterPath)),
    {
      batchSize: es.bulkMaxSize,
      concurrency: es.maxConcurrentRequests,
      backlogConcurrency: es.backlogConcurrentRequests,
      flushIntervalMs: es.flushIntervalMs,
      backoffInitMs: es.backoffInitMs,
      backoffMaxMs: es.backoffMaxMs,
      deadLetterIndex: es.deadLetterIndex ? deadLetterIndexer(client, es.deadLetterIndex) : undefined,
      ...overrides,
    },
    log,
  );
}

/** Indexes rejected documents as text with the reason, into a plain index (best effort; the file has them). */
function deadLetterIndexer(client: ReturnType<typeof createClient>, index: string) {
  return async (items: readonly Rejected[]) => {
    const operations = items.flatMap((r) => [
      { index: { _index: index } },
      {
        '@timestamp': new Date().toISOString(),
        message: r.event.json.toString(),
        error: { type: String(r.status ?? ''), message: r.reason },
        event: { dataset: r.event.dataset, id: r.event.id },
      },
    ]);
    await client.bulk({ operations });
  };
}
