import type { Logger } from '../log/logger.js';
import { RateLimitedLog } from '../log/rate-limited.js';
import type { HapbeatEvent } from '../documents/event.js';
import type { DeadLetterFile } from '../output/dead-letter.js';
import type { OutputFailure } from '../output/failure.js';
import type { Output, PublishResult, Rejected } from '../output/output.js';
import { errorFields } from '../errors.js';
import { Backoff } from './backoff.js';
import { nap, sleep, within } from './timing.js';
import type { BufferedBatch, QueueBuffer } from './buffer.js';

export interface DeliveryOptions {
  /** Documents per publish. */
  batchSize: number;
  /** Publishes in flight at once. */
  concurrency: number;
  /**
   * Publishes in flight at once while a backlog drains (documents from before a restart, or held back by
   * failures), so that the gap an outage left in the dashboards closes sooner. Default: `concurrency`.
   */
  backlogConcurrency?: number;
  /** A partial batch waits at most this long for more documents; a full batch goes at once. */
  flushIntervalMs: number;
  backoffInitMs: number;
  backoffMaxMs: number;
  /** How often the output is probed while backing off after an `unavailable` failure. */
  probeEveryMs?: number;
  /** Optional second dead letter: index rejected documents somewhere (called after the file). */
  deadLetterIndex?: (items: readonly Rejected[]) => Promise<void>;
}

export interface DeliveryCounters {
  /** Documents handed to the queue. */
  queued: number;
  /** Documents handed to the output in publish attempts (a retried document counts again). */
  attempted: number;
  /** Documents the output holds: written, or already there. */
  acked: number;
  /** Of the acknowledged: already there (409), i.e. a retried or replayed document. */
  duplicates: number;
  /** Documents sent again after a failure. */
  retried: number;
  dead_lettered: number;
  /** Documents lost, whatever the cause (buffer full, disk full and memory full, damaged spool records, shutdown of a memory queue); each loss is logged. */
  dropped: number;
  /** Documents kept and not yet delivered. */
  pending: number;
  spooled: number;
  spool_bytes: number;
  quarantined: number;
  spool_errors: number;
}

/** A run of documents sent in one publish, and the buffered batches they come from. */
interface Chunk {
  events: HapbeatEvent[];
  parts: { batch: BufferedBatch; count: number }[];
  /** The oldest document's arrival, for flush_interval. */
  since: number;
}

/**
 * The queue between the collectors and an output, whatever the output: a buffer policy (memory, or the
 * write-ahead disk spool) and one delivery loop.
 * - `push` resolves once the buffer keeps the documents (for the disk buffer: fsync'ed).
 * - The loop reads batches in order, up to `concurrency` publishes in flight, `batchSize` documents each (a
 *   partial batch waits up to `flushIntervalMs`). A batch is released from the buffer only when every one of
 *   its documents is acknowledged or dead-lettered.
 * - Retryable documents are sent again, first, after an exponential backoff with jitter. After an
 *   `unavailable` failure the output is probed meanwhile: once it answers again, the wait ends and the
 *   backlog drains at full speed: with `backlogConcurrency` publishes in flight, once the output has taken
 *   one since its last failure.
 * - The loop never dies: any error is caught, logged at most every 30 s, and followed by the backoff.
 * - `close(ms)`: stops taking documents; while the output works, sends what is buffered one request at a time
 *   until the deadline; then aborts what is in flight. What is unacknowledged stays in the disk buffer for the
 *   next start (a memory buffer counts it as dropped). Nothing is written after close.
 */
export class DeliveryQueue {
  private readonly counts = { queued: 0, attempted: 0, acked: 0, duplicates: 0, retried: 0, dead_lettered: 0, late: 0 };
  private readonly backoff: Backoff;
  private readonly retries: Chunk[] = [];
  private partial?: Chunk;
  /** The rest of a batch too large for one publish. */
  private carry?: { batch: BufferedBatch; from: number };
  private readonly remaining = new Map<BufferedBatch, number>();
  private readonly inflight = new Set<Promise<void>>();
  private lastFailure?: OutputFailure;
  private probeSawDown = false;
  /** Documents from before (a restart) or held back by failures: logged once they are all delivered. */
  private backlog = false;
  private waker?: () => void;
  private stopping = false;
  /** Send partial batches at once (someone waits for everything to be delivered). */
  private flushing = false;
  /** Shutting down while the output works: one request at a time, so that little is in flight at the deadline. */
  private draining = false;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly pump: Promise<void>;
  private readonly errors: RateLimitedLog;

  constructor(
    readonly output: Output,
    readonly buffer: QueueBuffer,
    private readonly deadLetter: DeadLetterFile | undefined,
    private readonly opts: DeliveryOptions,
    private readonly log: Logger,
  ) {
    this.backoff = new Backoff(opts.backoffInitMs, opts.backoffMaxMs);
    this.errors = new RateLimitedLog(log);
    if (buffer.unread > 0) {
      this.backlog = true;
      log.info({ documents: buffer.unread }, `the spool holds ${buffer.unread} document(s) from before; delivering them first`);
    }
    this.pump = this.run();
  }

  get name(): string {
    return this.output.name;
  }

  get counters(): DeliveryCounters {
    const b = this.buffer.stats();
    const c = this.counts;
    return {
      queued: c.queued,
      attempted: c.attempted,
      acked: c.acked,
      duplicates: c.duplicates,
      retried: c.retried,
      dead_lettered: c.dead_lettered,
      dropped: b.lost + c.late,
      pending: b.pending,
      spooled: b.spooled,
      spool_bytes: b.spool_bytes,
      quarantined: b.quarantined,
      spool_errors: b.spool_errors,
    };
  }

  /** Takes one poll's documents; resolves once the buffer keeps them. Never throws. */
  async push(events: readonly HapbeatEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.counts.queued += events.length;
    if (this.closed || this.stopping) {
      this.counts.late += events.length;
      this.log.warn({ documents: events.length }, `a poll finished after shutdown began; its ${events.length} document(s) are not kept`);
      return;
    }
    await this.buffer.push(events);
    this.wake();
  }

  private wake(): void {
    const w = this.waker;
    this.waker = undefined;
    w?.();
  }

  /** Waits for a push, a finished publish, close(), or `ms`. */
  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, Math.max(0, ms));
      t.unref();
      const prev = this.waker;
      this.waker = done;
      function done() {
        clearTimeout(t);
        prev?.();
        resolve();
      }
    });
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (this.backoff.remaining() > 0) {
          await this.waitBackoff();
          continue;
        }
        if (this.inflight.size >= this.inflightLimit) {
          await this.idle(1000);
          continue;
        }
        const chunk = this.retries.shift() ?? (await this.nextChunk());
        if (!chunk) continue; // nextChunk waited
        this.startSend(chunk);
      } catch (err) {
        const delay = this.backoff.fail();
        this.errors.error('loop', { error: errorFields(err), backoff_ms: delay }, `delivery paused for ${delay} ms: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }

  /** The next chunk to send, or undefined after waiting (for data, or for a partial chunk to fill up). */
  private async nextChunk(): Promise<Chunk | undefined> {
    const c = this.partial ?? { events: [], parts: [], since: Number.POSITIVE_INFINITY };
    this.partial = undefined;
    while (c.events.length < this.opts.batchSize) {
      let batch: BufferedBatch;
      let from: number;
      if (this.carry) {
        ({ batch, from } = this.carry);
        this.carry = undefined;
      } else {
        const b = await this.buffer.next();
        if (!b) break;
        batch = b;
        from = 0;
        this.remaining.set(b, b.events.length);
      }
      const take = Math.min(this.opts.batchSize - c.events.length, batch.events.length - from);
      for (let i = from; i < from + take; i++) c.events.push(batch.events[i]!);
      c.parts.push({ batch, count: take });
      c.since = Math.min(c.since, batch.appendedAt);
      if (from + take < batch.events.length) this.carry = { batch, from: from + take };
    }
    if (c.events.length === 0) {
      await this.idle(1000);
      return undefined;
    }
    const due = c.since + this.opts.flushIntervalMs;
    if (c.events.length < this.opts.batchSize && !this.flushing && Date.now() < due) {
      this.partial = c;
      await this.idle(due - Date.now());
      return undefined;
    }
    return c;
  }

  private startSend(chunk: Chunk): void {
    const p = this.send(chunk)
      .catch((err) => {
        this.errors.error('send', { error: errorFields(err) }, `delivery failed unexpectedly: ${(err as Error)?.message}`);
        this.retries.unshift(chunk);
      })
      .finally(() => {
        this.inflight.delete(p);
        this.wake();
      });
    this.inflight.add(p);
  }

  private async send(chunk: Chunk): Promise<void> {
    this.counts.attempted += chunk.events.length;
    let r: PublishResult;
    try {
      r = await this.output.publish(chunk.events, { signal: this.abort.signal });
    } catch (err) {
      r = {
        acked: 0,
        duplicates: 0,
        retry: chunk.events,
        rejected: [],
        failure: { kind: this.abort.signal.aborted ? 'aborted' : 'unavailable', message: (err as Error)?.message ?? String(err) },
      };
    }
    this.counts.acked += r.acked;
    this.counts.duplicates += r.duplicates;
    if (r.rejected.length > 0) await this.deadLetterItems(r.rejected);
    if (r.retry.length > 0) {
      chunk.events = r.retry;
      this.retries.unshift(chunk);
      if (r.failure?.kind === 'aborted') return; // shutting down: it stays in the buffer
      this.counts.retried += r.retry.length;
      this.backlog = true;
      this.lastFailure = r.failure ?? { kind: 'unavailable', message: 'some documents were refused' };
      // A refused connection is as good as a failed probe; after anything else, only a probe that fails and
      // then succeeds ends the backoff early (a destination answering probes may still be failing requests).
      this.probeSawDown = this.lastFailure.unreachable === true;
      const delay = this.backoff.fail();
      if (this.lastFailure.kind === 'unauthorized') {
        // Not an outage: a configuration problem someone must fix. Said at error level (at most every 30 s).
        this.errors.error(
          'unauthorized',
          { retry: r.retry.length, status: this.lastFailure.status, backoff_ms: delay },
          `${this.output.name} refuses hapbeat's credentials or privileges (${this.lastFailure.message}); ${r.retry.length} document(s) wait${this.buffer.durable ? ' in the spool' : ' in memory'} until it is fixed`,
        );
        return;
      }
      this.log[this.backoff.attempts === 1 ? 'error' : 'warn'](
        {
          retry: r.retry.length,
          of: chunk.events.length,
          attempt: this.backoff.attempts,
          backoff_ms: delay,
          kind: this.lastFailure.kind,
          reason: this.lastFailure.message,
        },
        `${this.output.name}: ${r.retry.length} document(s) not delivered (${this.lastFailure.message}); retrying in ${delay} ms${this.buffer.durable ? ', keeping them in the spool' : ', keeping them in memory'}`,
      );
      return;
    }
    if (this.backoff.attempts > 0) {
      this.log.info({ after_failures: this.backoff.attempts }, `${this.output.name} accepts documents again`);
      this.backoff.reset();
      this.lastFailure = undefined;
    }
    for (const part of chunk.parts) {
      const left = (this.remaining.get(part.batch) ?? part.count) - part.count;
      if (left > 0) this.remaining.set(part.batch, left);
      else {
        this.remaining.delete(part.batch);
        this.buffer.release(part.batch);
      }
    }
    if (this.backlog && this.buffer.unread === 0 && this.retries.length === 0 && this.inflight.size <= 1) {
      this.backlog = false;
      this.log.info({}, `backlog delivered: documents go to ${this.output.name} as they come`);
    }
  }

  /**
   * Sleeps out the backoff in steps. After an `unavailable` failure it probes the output at each step: a probe
   * that fails and then succeeds means the destination came back, and the wait ends at once.
   */
  private async waitBackoff(): Promise<void> {
    const step = Math.min(this.backoff.remaining(), this.opts.probeEveryMs ?? 1000);
    await nap(step);
    if (this.stopping || this.backoff.remaining() === 0) return;
    if (this.lastFailure?.kind !== 'unavailable' || !this.output.probe) return;
    const up = await this.output.probe(this.abort.signal).catch(() => false);
    if (!up) this.probeSawDown = true;
    else if (this.probeSawDown) {
      this.log.info({ after_failures: this.backoff.attempts }, `${this.output.name} answers again; delivering the backlog at full speed`);
      this.backoff.until = 0;
      this.probeSawDown = false;
    }
  }

  private async deadLetterItems(items: readonly Rejected[]): Promise<void> {
    const first = items[0]!;
    if (!this.deadLetter) {
      this.counts.dead_lettered += items.length;
      this.log.error(
        { count: items.length, first: { id: first.event.id, status: first.status, reason: first.reason } },
        `${items.length} document(s) rejected by ${this.output.name} (${first.reason})`,
      );
      return;
    }
    try {
      await this.deadLetter.write(items);
      this.counts.dead_lettered += items.length;
      this.log.error(
        { count: items.length, file: this.deadLetter.file, first: { id: first.event.id, status: first.status, reason: first.reason } },
        `${items.length} document(s) rejected by ${this.output.name} (${first.reason}); written to ${this.deadLetter.file}`,
      );
      if (this.opts.deadLetterIndex)
        await this.opts
          .deadLetterIndex(items)
          .catch((err) => this.log.warn({ error: errorFields(err) }, 'cannot index the rejected documents into the dead-letter index; the file has them'));
    } catch (err) {
      this.counts.late += items.length;
      this.log.error({ error: errorFields(err), dropped: items.length }, `cannot write the dead-letter file; ${items.length} rejected document(s) lost`);
    }
  }

  /**
   * Publishes allowed in flight: one while shutting down; `backlogConcurrency` while a backlog drains and the
   * output works (not while it fails, when more requests would only fail too); else `concurrency`.
   */
  private get inflightLimit(): number {
    if (this.draining) return 1;
    if (this.backlog && this.backoff.attempts === 0) return this.opts.backlogConcurrency ?? this.opts.concurrency;
    return this.opts.concurrency;
  }

  private get busy(): boolean {
    return this.inflight.size > 0 || this.retries.length > 0 || this.partial !== undefined || this.carry !== undefined || this.buffer.unread > 0;
  }

  /** Resolves true when everything pushed so far is delivered (or false after timeoutMs). For tests and `once`. */
  async waitIdle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.flushing = true;
    this.wake();
    try {
      while (this.busy || this.buffer.stats().pending > 0) {
        if (Date.now() >= deadline) return false;
        await sleep(20);
      }
      return true;
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Shutdown within `timeoutMs`: no new documents; while the output works, what is buffered is sent one request
   * at a time; at the deadline (or at the first failure) nothing new is sent and requests in flight are aborted.
   * Unacknowledged documents stay in the disk buffer; a memory buffer counts them as dropped. Then the buffer,
   * the dead letter and the output are closed: nothing is written afterwards.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    const deadline = Date.now() + timeoutMs;
    this.flushing = true;
    this.draining = true;
    this.wake();
    while (this.busy && Date.now() < deadline && this.backoff.attempts === 0) await sleep(20);
    this.stopping = true;
    this.wake();
    const settle = (ms: number) => within(Promise.all([...this.inflight]), ms);
    await settle(deadline - Date.now());
    this.abort.abort();
    await settle(1000);
    await within(this.pump, 500);
    this.closed = true;
    const lost = this.buffer.discardVolatile();
    if (lost > 0) {
      const why = this.buffer.durable ? 'held in memory while the spool could not be written' : 'of the memory queue (queue.type: disk keeps them)';
      this.log.error({ dropped: lost }, `shutting down: ${lost} undelivered document(s) ${why} are lost`);
    }
    const kept = this.buffer.stats().pending;
    if (kept > 0) this.log.info({ documents: kept }, `shutting down: ${kept} undelivered document(s) stay in the spool for the next start`);
    const quietly = async (what: string, p: Promise<unknown>) => {
      try {
        await within(p, 500);
      } catch (err) {
        this.log.warn({ error: errorFields(err) }, `shutting down: cannot close ${what}: ${(err as Error)?.message}`);
      }
    };
    await quietly('the buffer', this.buffer.close());
    if (this.deadLetter) await quietly('the dead-letter file', this.deadLetter.close());
    await quietly(`the ${this.output.name} output`, this.output.close());
  }
}
