import PQueue from 'p-queue';
import type { Logger } from '../log/logger.js';
import type { HapbeatEvent } from '../normalize/documents.js';
import type { DeadLetterFile, Rejected } from '../output/dead-letter.js';
import type { PublishResult } from '../output/output.js';
import type { Spool } from './spool.js';
import { errorFields } from '../errors.js';

/** An output that can say why a whole request failed (the Elasticsearch output). */
export interface RetryingOutput {
  readonly name: string;
  publish(events: readonly HapbeatEvent[]): Promise<PublishResult & { failure?: { message: string; status?: number } }>;
  close(): Promise<void>;
}

export interface DeliveryOptions {
  /** Documents kept in memory before new ones go to the spool. */
  maxEvents: number;
  batchSize: number;
  /** Bulk requests in flight at once (p-queue). */
  concurrency: number;
  /** A partial batch waits at most this long for more documents; a full batch goes at once. */
  flushIntervalMs: number;
  backoffInitMs: number;
  backoffMaxMs: number;
  /** Optional second dead letter: index rejected documents somewhere (called after the file). */
  deadLetterIndex?: (items: readonly Rejected[]) => Promise<void>;
}

export interface DeliveryCounters {
  /** Documents handed to the queue. */
  queued: number;
  /** Documents sent in bulk requests (a retried document counts again). */
  sent: number;
  /** Documents Elasticsearch holds: created, or already there. */
  acked: number;
  /** Of the acknowledged: already there (409), i.e. a retried or replayed document. */
  duplicates: number;
  /** Documents sent again after a failure. */
  retried: number;
  deadLettered: number;
  /** Documents written to the spool, and the spool's size now. */
  spooled: number;
  spooledBytes: number;
  /** Documents lost: dropped from a full spool, or not writable anywhere. Each loss is also logged. */
  dropped: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Between the collectors and Elasticsearch: a bounded in-memory queue, and the disk spool behind it.
 * - Healthy: batches go from memory to the output, up to `concurrency` requests at once.
 * - When a request fails (Elasticsearch down, 429, 5xx) or the output falls behind (memory full), the
 *   batches go to the spool, and so does everything after them, so that order is kept. The spool is then
 *   replayed, oldest first, one batch at a time, with exponential backoff and jitter between failures
 *   (backoff.init to backoff.max). When it is empty, memory takes over again.
 * - Rejected documents (mapping errors, ...) go to the dead-letter file, counted and logged.
 * Nothing is forgotten before it is acknowledged: a batch leaves the spool only after the output has it.
 */
export class DeliveryQueue {
  readonly counters: DeliveryCounters = { queued: 0, sent: 0, acked: 0, duplicates: 0, retried: 0, deadLettered: 0, spooled: 0, spooledBytes: 0, dropped: 0 };
  private memory: HapbeatEvent[] = [];
  private readonly inflight = new Set<HapbeatEvent[]>();
  private readonly requests: PQueue;
  /** When the oldest document now in memory arrived (for flush_interval). */
  private oldestQueuedAt = 0;
  private flushTimer?: NodeJS.Timeout;
  private spoolReader?: Promise<void>;
  private degraded = false;
  private failures = 0;
  private backoffUntil = 0;
  private closing = false;
  /** Shutting down: send partial batches at once. */
  private flushing = false;
  private idleWaiters: (() => void)[] = [];
  private lastDropped = 0;

  constructor(
    private readonly output: RetryingOutput,
    private readonly spool: Spool,
    private readonly deadLetter: DeadLetterFile,
    private readonly opts: DeliveryOptions,
    private readonly log: Logger,
  ) {
    this.requests = new PQueue({ concurrency: Math.max(1, opts.concurrency) });
    for (const r of spool.recovered) log.error({ spool: r }, `spool: ${r}`);
    if (!spool.empty) {
      log.info({ events: spool.events, bytes: spool.bytes }, `spool holds ${spool.events} document(s) from before; replaying them first`);
      this.degraded = true;
    }
    this.syncSpoolCounters();
  }

  /** Takes documents; resolves once they are in memory or durably in the spool. */
  async push(events: readonly HapbeatEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.counters.queued += events.length;
    if (this.degraded || this.closing || this.memory.length + events.length > this.opts.maxEvents) {
      if (!this.degraded && !this.closing) {
        this.log.warn({ memory: this.memory.length, max_events: this.opts.maxEvents }, 'the output falls behind: documents go to the disk spool');
        this.degraded = true;
      }
      await this.toSpool(events);
    } else {
      if (this.memory.length === 0) this.oldestQueuedAt = Date.now();
      this.memory.push(...events);
    }
    this.kick();
  }

  private async toSpool(events: readonly HapbeatEvent[]): Promise<void> {
    try {
      await this.spool.append(events);
      this.counters.spooled += events.length;
    } catch (err) {
      this.counters.dropped += events.length;
      this.log.error({ error: errorFields(err), dropped: events.length }, `cannot write the spool; ${events.length} document(s) lost: ${(err as Error).message}`);
    }
    this.syncSpoolCounters();
  }

  private syncSpoolCounters(): void {
    this.counters.spooledBytes = this.spool.bytes;
    const dropped = this.spool.droppedEvents - this.lastDropped;
    if (dropped > 0) {
      this.lastDropped = this.spool.droppedEvents;
      this.counters.dropped += dropped;
      this.log.error({ dropped, spool_bytes: this.spool.bytes }, `the spool is full: dropped the ${dropped} oldest document(s); raise output.elasticsearch.spool.max_bytes or fix the output`);
    }
  }

  private kick(): void {
    if (!this.spool.empty || this.degraded) {
      if (!this.spoolReader && !this.closing) {
        this.spoolReader = this.replaySpool().finally(() => {
          this.spoolReader = undefined;
          this.kick();
        });
      }
      return;
    }
    while (this.inflight.size < this.opts.concurrency && this.memory.length > 0 && Date.now() >= this.backoffUntil) {
      // A full batch goes at once; a partial one waits for more, up to flush_interval (or at shutdown).
      const due = this.oldestQueuedAt + this.opts.flushIntervalMs;
      if (this.memory.length < this.opts.batchSize && Date.now() < due && !this.flushing) {
        if (!this.flushTimer) {
          this.flushTimer = setTimeout(() => {
            this.flushTimer = undefined;
            this.kick();
          }, due - Date.now());
        }
        break;
      }
      const batch = this.memory.splice(0, this.opts.batchSize);
      this.oldestQueuedAt = Date.now();
      this.inflight.add(batch);
      void this.requests
        .add(() => this.sendFromMemory(batch))
        .finally(() => {
          this.inflight.delete(batch);
          this.kick();
          this.notifyIdle();
        });
    }
    this.notifyIdle();
  }

  private async sendFromMemory(batch: HapbeatEvent[]): Promise<void> {
    const r = await this.publish(batch);
    if (r.retry.length > 0) {
      // Elasticsearch is down or refusing: keep order by moving this batch and everything queued behind it
      // to the spool, and replay from there.
      this.degraded = true;
      const rest = this.memory.splice(0);
      await this.toSpool([...r.retry, ...rest]);
    }
  }

  private async replaySpool(): Promise<void> {
    while (!this.closing) {
      const wait = this.backoffUntil - Date.now();
      if (wait > 0) await sleep(Math.min(wait, 250));
      if (Date.now() < this.backoffUntil) continue;
      const rec = await this.spool.peek();
      if (!rec) {
        this.degraded = false;
        if (this.failures === 0) this.log.info({}, 'spool replayed; documents flow from memory again');
        this.syncSpoolCounters();
        return;
      }
      const r = await this.publish(rec.events);
      if (r.retry.length === rec.events.length) continue; // nothing got through: back off, same record again
      if (r.retry.length > 0) await this.spool.append(r.retry); // the rest got through: only these go round again
      await this.spool.ack(rec);
      this.syncSpoolCounters();
    }
  }

  /** One publish with accounting, dead-lettering and backoff. Never throws. */
  private async publish(batch: HapbeatEvent[]): Promise<PublishResult> {
    this.counters.sent += batch.length;
    let r: Awaited<ReturnType<RetryingOutput['publish']>>;
    try {
      r = await this.output.publish(batch);
    } catch (err) {
      r = { acked: 0, duplicates: 0, retry: batch, rejected: [], failure: { message: (err as Error).message } };
    }
    this.counters.acked += r.acked;
    this.counters.duplicates += r.duplicates;
    if (r.rejected.length > 0) await this.deadLetterItems(r.rejected);
    if (r.retry.length > 0) {
      this.counters.retried += r.retry.length;
      this.failures++;
      const exp = Math.min(this.opts.backoffMaxMs, this.opts.backoffInitMs * 2 ** Math.min(this.failures - 1, 20));
      const delay = Math.round(exp * (0.5 + Math.random() * 0.5));
      this.backoffUntil = Date.now() + delay;
      this.log[this.failures === 1 ? 'error' : 'warn'](
        { retry: r.retry.length, of: batch.length, attempt: this.failures, backoff_ms: delay, reason: r.failure?.message ?? 'some documents were refused (429 or 5xx)' },
        `${this.output.name}: ${r.retry.length} of ${batch.length} document(s) not delivered (${r.failure?.message ?? '429 or 5xx per document'}); retrying in ${delay} ms, keeping them in the spool`,
      );
    } else if (this.failures > 0) {
      this.log.info({ after_failures: this.failures }, `${this.output.name} accepts documents again`);
      this.failures = 0;
      this.backoffUntil = 0;
    }
    return r;
  }

  private async deadLetterItems(items: readonly Rejected[]): Promise<void> {
    try {
      await this.deadLetter.write(items);
      this.counters.deadLettered += items.length;
      this.log.error(
        { count: items.length, file: this.deadLetter.file, first: { id: items[0]!.event.id, status: items[0]!.status, reason: items[0]!.reason } },
        `${items.length} document(s) rejected by ${this.output.name} (${items[0]!.reason}); written to ${this.deadLetter.file}`,
      );
      if (this.opts.deadLetterIndex) await this.opts.deadLetterIndex(items);
    } catch (err) {
      this.counters.dropped += items.length;
      this.log.error({ error: errorFields(err), dropped: items.length }, `cannot write the dead-letter file; ${items.length} rejected document(s) lost`);
    }
  }

  private notifyIdle(): void {
    if (this.memory.length === 0 && this.inflight.size === 0 && (this.spool.empty || this.closing)) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Resolves when memory is empty, nothing is in flight and the spool is replayed (or timeoutMs passed). */
  async waitIdle(timeoutMs: number): Promise<boolean> {
    this.flushing = true; // whoever waits for idle wants partial batches sent now
    this.kick();
    if (this.memory.length === 0 && this.inflight.size === 0 && this.spool.empty && !this.spoolReader) return true;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.memory.length === 0 && this.inflight.size === 0 && this.spool.empty && !this.spoolReader) return true;
      await sleep(50);
    }
    return false;
  }

  /**
   * Shutdown: tries to deliver what is in memory within `timeoutMs`; whatever is still in memory or in flight
   * then goes to the spool (a batch in flight may also arrive: its replay is a 409 duplicate, not a copy).
   */
  async close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.flushing = true;
    this.kick();
    while ((this.memory.length > 0 || this.inflight.size > 0) && Date.now() < deadline && !this.degraded) await sleep(25);
    this.closing = true;
    clearTimeout(this.flushTimer);
    const left = [...[...this.inflight].flat(), ...this.memory.splice(0)];
    if (left.length > 0) {
      this.log.warn({ documents: left.length }, `shutting down: ${left.length} undelivered document(s) kept in the spool for the next start`);
      await this.toSpool(left);
    }
    await this.spoolReader?.catch(() => undefined);
    await this.spool.close();
    await this.deadLetter.close();
    await this.output.close().catch(() => undefined);
    this.syncSpoolCounters();
  }
}
