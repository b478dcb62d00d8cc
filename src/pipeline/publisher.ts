import type { Logger } from '../log/logger.js';
import type { HapbeatEvent } from '../normalize/documents.js';
import type { Output } from '../output/output.js';
import { errorFields } from '../errors.js';

export interface PublisherCounters {
  published: number;
  acked: number;
  duplicates: number;
  /** Events the output could not take and that were not kept (logged at error with the count). */
  dropped: number;
  rejected: number;
}

/**
 * Hands batches to the output and accounts for every event: acknowledged, duplicate, rejected, or dropped.
 * Nothing disappears without a counter and an error log. (The Elasticsearch output adds a queue and a disk
 * spool in front of this, so that retryable events are kept rather than dropped.)
 */
export class Publisher {
  readonly counters: PublisherCounters = { published: 0, acked: 0, duplicates: 0, dropped: 0, rejected: 0 };

  constructor(
    readonly output: Output,
    private readonly log: Logger,
  ) {}

  async publish(events: HapbeatEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.counters.published += events.length;
    try {
      const r = await this.output.publish(events);
      this.counters.acked += r.acked;
      this.counters.duplicates += r.duplicates;
      if (r.rejected.length > 0) {
        this.counters.rejected += r.rejected.length;
        this.log.error(
          { output: this.output.name, rejected: r.rejected.length, first_reason: r.rejected[0]!.reason },
          `${this.output.name} output rejected ${r.rejected.length} document(s)`,
        );
      }
      if (r.retry.length > 0) {
        this.counters.dropped += r.retry.length;
        this.log.error(
          { output: this.output.name, dropped: r.retry.length },
          `${this.output.name} output could not take ${r.retry.length} document(s); they are dropped`,
        );
      }
    } catch (err) {
      this.counters.dropped += events.length;
      this.log.error(
        { output: this.output.name, dropped: events.length, error: errorFields(err) },
        `${this.output.name} output failed; ${events.length} document(s) dropped: ${(err as Error).message}`,
      );
    }
  }

  close(): Promise<void> {
    return this.output.close();
  }
}
