import path from 'node:path';
import type { ElasticsearchConfig, HapbeatConfig } from '../config/load.js';
import { ConfigError } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import { ConsoleOutput } from './console.js';
import { DeadLetterFile } from './dead-letter.js';
import { createClient } from './elasticsearch/client.js';
import { ElasticsearchOutput } from './elasticsearch/elasticsearch-output.js';
import { FileOutput } from './file.js';
import { Publisher } from '../pipeline/publisher.js';
import { DeliveryQueue } from '../pipeline/delivery-queue.js';
import { Spool } from '../pipeline/spool.js';
import type { HapbeatEvent } from '../normalize/documents.js';

/** Where the collectors' documents go: an output behind a publisher or behind the delivery queue. */
export interface Sink {
  readonly name: string;
  publish(events: HapbeatEvent[]): Promise<void>;
  /** Flushes within timeoutMs (what is left goes to the spool where there is one) and releases resources. */
  close(timeoutMs: number): Promise<void>;
  counters(): Record<string, number>;
}

/** The sink the configuration asks for. */
export function createSink(config: HapbeatConfig, log: Logger): Sink {
  const type = config.output.type;
  switch (type) {
    case 'console':
    case 'file': {
      const p = new Publisher(type === 'console' ? new ConsoleOutput() : new FileOutput(config.output.file), log);
      return { name: type, publish: (e) => p.publish(e), close: () => p.close(), counters: () => ({ ...p.counters }) };
    }
    case 'elasticsearch': {
      const q = elasticsearchDelivery(config.output.elasticsearch, config.namespace, log.child({ output: 'elasticsearch' }));
      return { name: 'elasticsearch', publish: (e) => q.push(e), close: (t) => q.close(t), counters: () => ({ ...q.counters }) };
    }
    default:
      throw new ConfigError(`unknown output type "${String(type)}"`, 'use auto, file, console or elasticsearch');
  }
}

/** The Elasticsearch output behind its delivery queue, spool and dead letter, as the settings describe them. */
export function elasticsearchDelivery(es: ElasticsearchConfig, namespace: string, log: Logger): DeliveryQueue {
  const client = createClient(es);
  return new DeliveryQueue(
    new ElasticsearchOutput(client, es, namespace, log),
    Spool.open(path.resolve(es.spool.path), { maxBytes: es.spool.maxBytes, segmentBytes: es.spool.segmentBytes }),
    new DeadLetterFile(path.resolve(es.deadLetterPath)),
    {
      maxEvents: es.queueMaxEvents,
      batchSize: es.bulkMaxSize,
      concurrency: es.maxConcurrentRequests,
      flushIntervalMs: es.flushIntervalMs,
      backoffInitMs: es.backoffInitMs,
      backoffMaxMs: es.backoffMaxMs,
      deadLetterIndex: es.deadLetterIndex ? deadLetterIndexer(client, es.deadLetterIndex) : undefined,
    },
    log,
  );
}

/** Indexes rejected documents as text with the reason, into a plain index (best effort; the file has them). */
function deadLetterIndexer(client: ReturnType<typeof createClient>, index: string) {
  return async (items: readonly { event: HapbeatEvent; status?: number; reason: string }[]) => {
    const operations = items.flatMap((r) => [
      { index: { _index: index } },
      { '@timestamp': new Date().toISOString(), message: r.event.json, error: { type: String(r.status ?? ''), message: r.reason }, event: { dataset: r.event.dataset, id: r.event.id } },
    ]);
    await client.bulk({ operations });
  };
}
