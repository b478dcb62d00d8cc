import type { Logger } from '../log/logger.js';
import { RateLimitedLog } from '../log/rate-limited.js';
import type { HapbeatEvent } from '../documents/event.js';
import { MemoryBuffer, type BufferedBatch, type BufferStats, type QueueBuffer } from './buffer.js';
import { checkSpoolDir, Spool, SpoolError, SpoolLockedError, type SpoolOptions, type SpoolRecord } from './spool.js';

export interface DiskBufferOptions extends SpoolOptions {
  dir: string;
  /** Documents held in memory while the spool cannot be written (queue.max_events). */
  maxEvents: number;
  /** How often a spool that could not be opened is tried again. */
  reopenEveryMs?: number;
}

type DiskBatch = BufferedBatch & { record?: SpoolRecord };

/**
 * The write-ahead disk buffer: every poll is appended to the spool and fsync'ed before it counts as accepted,
 * and delivery reads it back from there, so a kill -9 at any moment loses nothing that was accepted.
 *
 * When the spool cannot be written (disk full, directory not writable, I/O error) the agent goes on: the
 * documents are held in memory (up to `maxEvents`, then counted as lost), the error is logged at most every
 * 30 s with how often it recurred, and the spool is tried again at the next poll (or, if it could not even
 * be opened, every `reopenEveryMs`). Only a spool locked by another agent is fatal, at start.
 */
export class DiskBuffer implements QueueBuffer {
  readonly type = 'disk';
  readonly durable = true;
  private spool?: Spool;
  private readonly fallback: MemoryBuffer;
  private readonly errors: RateLimitedLog;
  private lastOpenAttempt = 0;
  private spooled = 0;
  private spoolErrors = 0;
  private reportedDamage = 0;
  private reportedDropped = 0;
  private closed = false;
  /** The last spool error, for `test output` and the start-up report. */
  lastError?: SpoolError;

  constructor(
    private readonly opts: DiskBufferOptions,
    private readonly log: Logger,
  ) {
    this.errors = new RateLimitedLog(log);
    this.fallback = new MemoryBuffer(opts.maxEvents, log, `the in-memory overflow of the unwritable spool ${opts.dir} (queue.max_events)`);
    this.tryOpen(true);
    const room = checkSpoolDir(opts.dir, opts.maxBytes);
    if (this.spool && room.warning) log.warn({ spool: opts.dir, free_bytes: room.freeBytes }, room.warning);
  }

  private tryOpen(atStart: boolean): void {
    this.lastOpenAttempt = Date.now();
    try {
      this.spool = Spool.open(this.opts.dir, { ...this.opts, onBackgroundError: (e) => this.spoolFailed(e, 'the delivered position') });
      if (!atStart) this.log.info({ spool: this.opts.dir }, `the spool ${this.opts.dir} can be used again`);
      for (const r of this.spool.recovered) this.log.warn({ spool: this.opts.dir }, `spool: ${r}`);
      this.errors.clear('write');
    } catch (err) {
      if (err instanceof SpoolLockedError) throw err;
      this.spoolFailed(err as SpoolError, 'opening it');
    }
  }

  private spoolFailed(err: SpoolError, doing: string): void {
    this.lastError = err;
    this.spoolErrors++;
    this.errors.error(
      'write',
      { error: { code: err.code, errno: err.errno, message: err.message }, pending_in_memory: this.fallback.stats().pending },
      `${err.message} (${doing}): documents are held in memory only (up to queue.max_events) until the spool can be written`,
    );
  }

  async push(events: readonly HapbeatEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (!this.spool && !this.closed && Date.now() - this.lastOpenAttempt >= (this.opts.reopenEveryMs ?? 10_000)) this.tryOpen(false);
    if (this.spool && !this.closed) {
      try {
        await this.spool.append(events);
        this.spooled += events.length;
        if (this.lastError) {
          this.lastError = undefined;
          if (this.errors.clear('write')) this.log.info({ spool: this.opts.dir }, 'the spool accepts documents again');
        }
        this.reportLosses();
        return;
      } catch (err) {
        this.spoolFailed(SpoolError.from(err, this.opts.dir, 'appending documents'), 'appending a poll');
      }
    }
    await this.fallback.push(events);
  }

  async next(): Promise<DiskBatch | undefined> {
    if (this.spool) {
      const record = await this.spool.next();
      this.reportLosses();
      if (record) return { events: record.events, appendedAt: record.appendedAt, record };
    }
    return this.fallback.next();
  }

  release(batch: DiskBatch): void {
    if (batch.record) this.spool?.release(batch.record);
    else this.fallback.release(batch);
  }

  /** Logs each damaged record and each drop of a full spool once, with the documents lost. */
  private reportLosses(): void {
    const s = this.spool;
    if (!s) return;
    for (; this.reportedDamage < s.damage.length; this.reportedDamage++) {
      this.log.error({ spool: this.opts.dir, quarantined_total: s.quarantinedEvents }, `spool: a damaged record was skipped: ${s.damage[this.reportedDamage]}`);
    }
    if (s.droppedEvents > this.reportedDropped) {
      const n = s.droppedEvents - this.reportedDropped;
      this.reportedDropped = s.droppedEvents;
      this.log.error(
        { dropped: n, spool_bytes: s.bytes },
        `the spool is full (queue.disk.max_bytes): dropped the ${n} oldest undelivered document(s); raise queue.disk.max_bytes or fix the output`,
      );
    }
  }

  get unread(): number {
    return (this.spool?.unread ?? 0) + this.fallback.unread;
  }

  stats(): BufferStats {
    const m = this.fallback.stats();
    const s = this.spool;
    const quarantined = s?.quarantinedEvents ?? 0;
    return {
      pending: (s?.events ?? 0) + m.pending,
      lost: m.lost + (s?.droppedEvents ?? 0) + quarantined,
      spooled: this.spooled,
      spool_bytes: s?.bytes ?? 0,
      quarantined,
      spool_errors: this.spoolErrors,
    };
  }

  /** The memory overflow (documents the spool could not take) is lost with the process. */
  discardVolatile(): number {
    return this.fallback.discardVolatile();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.spool?.close();
    await this.fallback.close();
  }
}
