import type { Logger } from '../log/logger.js';
import { RateLimitedLog } from '../log/rate-limited.js';
import type { HapbeatEvent } from '../documents/event.js';

/** One batch as a buffer hands it out: a poll's documents, or a record read back from the spool. */
export interface BufferedBatch {
  events: HapbeatEvent[];
  /** When it was kept (epoch ms), for flush_interval; 0 when read back from disk after a restart. */
  appendedAt: number;
}

/** What a buffer reports about itself, in documents (and bytes for the spool). */
export interface BufferStats {
  /** Documents kept and not yet delivered (handed out but unacknowledged ones included). */
  pending: number;
  /** Documents this buffer could not keep, or had to discard: each loss is also logged. */
  lost: number;
  /** Documents written to the disk spool. */
  spooled: number;
  spool_bytes: number;
  /** Documents in damaged spool records, skipped and quarantined (also counted in `lost`). */
  quarantined: number;
  /** Spool writes that failed (disk full, unwritable, I/O errors). */
  spool_errors: number;
}

/**
 * Where the delivery queue keeps documents until the output has them: the buffer policy, in the manner of
 * Vector's buffers and Beats' queues. Two kinds: `memory` (bounded, lost on a crash) and `disk` (the
 * write-ahead spool: a poll counts as accepted once it is fsync'ed).
 */
export interface QueueBuffer {
  readonly type: 'memory' | 'disk';
  /** Whether what it holds survives a crash. */
  readonly durable: boolean;
  /** Keeps a batch; never throws: what it cannot keep is counted in `lost` and logged. */
  push(events: readonly HapbeatEvent[]): Promise<void>;
  /** The oldest batch not yet handed out. Throws (a spool read error) for the queue to back off and retry. */
  next(): Promise<BufferedBatch | undefined>;
  /** The output has every document of a batch handed out by next(): forget it. */
  release(batch: BufferedBatch): void;
  /** Documents not yet handed out. */
  readonly unread: number;
  /**
   * At shutdown: counts the documents held only in memory (which the process takes with it) as lost, and
   * returns how many. What is on disk stays for the next start.
   */
  discardVolatile(): number;
  stats(): BufferStats;
  close(): Promise<void>;
}

/**
 * A bounded in-memory buffer. When full, the newest batch is not kept (counted and logged): the poller is
 * never blocked, so polling stays on schedule. A batch is always taken when the buffer is empty, however large.
 */
export class MemoryBuffer implements QueueBuffer {
  readonly type = 'memory';
  readonly durable = false;
  private batches: BufferedBatch[] = [];
  private head = 0;
  private pendingEvents = 0;
  private unreadEvents = 0;
  private lost = 0;
  private readonly errors: RateLimitedLog;

  constructor(
    private readonly maxEvents: number,
    log: Logger,
    private readonly what = 'the memory queue (queue.max_events)',
  ) {
    this.errors = new RateLimitedLog(log);
  }

  async push(events: readonly HapbeatEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (this.pendingEvents > 0 && this.pendingEvents + events.length > this.maxEvents) {
      this.lost += events.length;
      this.errors.error(
        'full',
        { lost: events.length, lost_total: this.lost, pending: this.pendingEvents, max_events: this.maxEvents },
        `${this.what} is full: ${events.length} document(s) of the newest poll not kept (${this.lost} in all); the output is down or slower than the polls`,
      );
      return;
    }
    this.batches.push({ events: events as HapbeatEvent[], appendedAt: Date.now() });
    this.pendingEvents += events.length;
    this.unreadEvents += events.length;
  }

  async next(): Promise<BufferedBatch | undefined> {
    const b = this.batches[this.head];
    if (!b) return undefined;
    this.batches[this.head++] = undefined as unknown as BufferedBatch;
    if (this.head > 1024 && this.head * 2 > this.batches.length) {
      this.batches = this.batches.slice(this.head);
      this.head = 0;
    }
    this.unreadEvents -= b.events.length;
    return b;
  }

  release(batch: BufferedBatch): void {
    this.pendingEvents -= batch.events.length;
  }

  get unread(): number {
    return this.unreadEvents;
  }

  discardVolatile(): number {
    const n = this.pendingEvents;
    this.lost += n;
    this.pendingEvents = 0;
    return n;
  }

  stats(): BufferStats {
    return { pending: this.pendingEvents, lost: this.lost, spooled: 0, spool_bytes: 0, quarantined: 0, spool_errors: 0 };
  }

  async close(): Promise<void> {
    this.batches = [];
    this.head = 0;
  }
}
