import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { HapbeatEvent } from '../documents/event.js';
import { HapbeatError } from '../errors.js';
import { decodePayload, encodeRecord, RECORD_HEADER_BYTES, readHeader, scanAt } from './spool-format.js';
import { SpoolLock, SpoolLockedError } from './spool-lock.js';

export { SpoolLockedError };

/** A read or write that stopped short of its length: an I/O fault, typed by SpoolError.from as EIO. */
class ShortTransferError extends HapbeatError {
  constructor(what: string) {
    super('HAPBEAT_ERR_SPOOL_IO', what);
  }
}

/** Why the spool could not do what it was asked; `code` tells the cause, the message says what to do. */
export class SpoolError extends HapbeatError {
  readonly errno?: string;

  constructor(
    code: 'HAPBEAT_ERR_SPOOL_NO_SPACE' | 'HAPBEAT_ERR_SPOOL_NOT_WRITABLE' | 'HAPBEAT_ERR_SPOOL_IO' | 'HAPBEAT_ERR_SPOOL_CLOSED',
    message: string,
    hint: string,
    cause?: unknown,
  ) {
    super(code, message, { hint, cause });
    this.errno = (cause as NodeJS.ErrnoException | undefined)?.code;
  }

  /** A filesystem error, typed by its errno: ENOSPC/EDQUOT, EACCES/EPERM/EROFS, anything else (EIO, ...). */
  static from(err: unknown, dir: string, doing: string): SpoolError {
    if (err instanceof SpoolError) return err;
    const errno = err instanceof ShortTransferError ? 'EIO' : ((err as NodeJS.ErrnoException)?.code ?? 'error');
    if (errno === 'ENOSPC' || errno === 'EDQUOT') {
      return new SpoolError(
        'HAPBEAT_ERR_SPOOL_NO_SPACE',
        `the disk of the spool ${dir} is full (${errno} while ${doing})`,
        'free space there, move queue.disk.path to a larger disk, or lower queue.disk.max_bytes below the free space',
        err,
      );
    }
    if (errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS' || errno === 'ENOTDIR') {
      return new SpoolError(
        'HAPBEAT_ERR_SPOOL_NOT_WRITABLE',
        `the spool directory ${dir} is not writable (${errno} while ${doing})`,
        `make ${dir} a directory that the user running hapbeat can write (queue.disk.path)`,
        err,
      );
    }
    return new SpoolError(
      'HAPBEAT_ERR_SPOOL_IO',
      `the spool ${dir} failed (${errno} while ${doing}: ${(err as Error)?.message ?? String(err)})`,
      'check the disk and the kernel log; hapbeat keeps documents in memory meanwhile',
      err,
    );
  }
}

/** One record handed out by `next()`: a batch as appended, and where it is, for `release()`. */
export interface SpoolRecord {
  segment: number;
  offset: number;
  next: number;
  events: HapbeatEvent[];
  /** When it was appended (epoch ms); 0 when read back from disk after a restart. */
  appendedAt: number;
}

export interface SpoolOptions {
  maxBytes: number;
  segmentBytes: number;
  /** Appended batches kept in memory to be handed out without reading them back (events; at least the newest batch). */
  cacheEvents?: number;
  /** How often the delivered position is written down at most (a crash re-sends at most this much: 409s). */
  ackEveryMs?: number;
  /** Errors of background work (writing the delivered position), which has no caller to throw to. */
  onBackgroundError?: (err: SpoolError) => void;
  /** The write call, replaceable so that tests can inject short writes and errors. */
  write?: (fh: FileHandle, buf: Buffer, offset: number, length: number, position: number) => Promise<{ bytesWritten: number }>;
}

interface Segment {
  /** Bytes in the file (for the segment being written: bytes durably appended). */
  size: number;
  /** Events not yet released. */
  pending: number;
  /** Events not yet handed out by next(). */
  unread: number;
}

/**
 * The write-ahead spool: what the disk queue keeps, durably, until the output has it. Each poll's documents
 * are appended as one record and fsync'ed before `append` resolves; delivery reads records back in order
 * (`next`), and `release` marks them delivered. So a kill -9 at any moment loses nothing that was accepted.
 *
 * Layout: `<dir>/NNNNNNNNNN.seg` segment files (records, see spool-format.ts), `<dir>/ack.json` (the
 * position before which everything is delivered, written at most every `ackEveryMs`), `<dir>/lock` (one
 * agent per directory), `<dir>/quarantine/` (damaged records, kept for inspection).
 *
 * Damage: a torn last record (a crash during a write, never accepted) is cut off on open. A damaged record
 * anywhere is skipped, quarantined and counted in documents; the records after it are replayed. When the
 * spool would exceed `maxBytes`, the oldest segment is dropped, its documents counted. Write errors come out
 * as SpoolError, typed by cause; a failed write leaves no partial record behind.
 */
/** Documents in one record at most (a poll larger than this becomes several records). */
export const RECORD_MAX_EVENTS = 8192;

export class Spool {
  private readonly segments = new Map<number, Segment>();
  private order: number[] = [];
  private writeHandle?: FileHandle;
  private writeSeg = 0;
  private readSeg = 0;
  private readOff = 0;
  private readHandle?: { seg: number; fh: FileHandle };
  private ackSeg = 0;
  private ackOff = 0;
  /** Released records beyond the ack position: `${segment}:${offset}` → next offset. */
  private readonly released = new Map<string, number>();
  private readonly cache = new Map<string, { events: HapbeatEvent[]; next: number; at: number }>();
  private cachedEvents = 0;
  private ackTimer?: NodeJS.Timeout;
  private ackDirty = false;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly lock: SpoolLock;
  /** Problems found on open (torn tail, unreadable ack file). */
  readonly recovered: string[] = [];
  /** Documents lost because the spool was full (oldest segments dropped). */
  droppedEvents = 0;
  /** Documents in damaged records, skipped and quarantined. */
  quarantinedEvents = 0;
  /** Each damaged record found, for the log. */
  readonly damage: string[] = [];

  private constructor(
    readonly dir: string,
    private readonly opts: Required<Omit<SpoolOptions, 'write' | 'onBackgroundError'>> & Pick<SpoolOptions, 'write' | 'onBackgroundError'>,
    lock: SpoolLock,
  ) {
    this.lock = lock;
  }

  /** Opens (creating) the spool directory and takes its lock. Throws SpoolLockedError or SpoolError. */
  static open(dir: string, opts: SpoolOptions): Spool {
    const full = { cacheEvents: 3200, ackEveryMs: 200, ...opts };
    let lock: SpoolLock;
    try {
      mkdirSync(dir, { recursive: true });
      lock = SpoolLock.acquire(dir);
    } catch (err) {
      if (err instanceof SpoolLockedError) throw err;
      throw SpoolError.from(err, dir, 'opening it');
    }
    const s = new Spool(dir, full, lock);
    try {
      s.load();
    } catch (err) {
      lock.release();
      throw SpoolError.from(err, dir, 'reading it');
    }
    return s;
  }

  /** Bytes of the segment files still needed. */
  get bytes(): number {
    let n = 0;
    for (const seg of this.segments.values()) n += seg.size;
    return n;
  }

  /** Events appended and not yet released (delivered), dropped or quarantined. */
  get events(): number {
    let n = 0;
    for (const seg of this.segments.values()) n += seg.pending;
    return n;
  }

  get empty(): boolean {
    return this.events === 0;
  }

  /** Events not yet handed out by next(). */
  get unread(): number {
    let n = 0;
    for (const seg of this.segments.values()) n += seg.unread;
    return n;
  }

  private segPath(n: number): string {
    return path.join(this.dir, `${String(n).padStart(10, '0')}.seg`);
  }

  private load(): void {
    this.order = readdirSync(this.dir)
      .filter((f) => /^\d{10}\.seg$/.test(f))
      .map((f) => Number(f.slice(0, 10)))
      .sort((a, b) => a - b);
    try {
      const a = JSON.parse(readFileSync(path.join(this.dir, 'ack.json'), 'utf8')) as { segment?: unknown; offset?: unknown };
      if (Number.isSafeInteger(a.segment) && Number.isSafeInteger(a.offset)) {
        this.ackSeg = a.segment as number;
        this.ackOff = a.offset as number;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        this.recovered.push(`ack.json unreadable (${(err as Error).message}); replaying from the oldest segment`);
    }
    for (const n of [...this.order]) {
      if (n < this.ackSeg) {
        rmSync(this.segPath(n), { force: true });
        this.order.shift();
      }
    }
    if (this.order.length > 0 && this.order[0]! > this.ackSeg) {
      this.ackSeg = this.order[0]!;
      this.ackOff = 0;
    }
    // Count the events of every record from the ack position on, and cut off torn tails. Damaged records are
    // left where they are: the reader skips, quarantines and counts them when it gets there.
    for (const n of this.order) {
      const buf = readFileSync(this.segPath(n));
      const seg: Segment = { size: buf.length, pending: 0, unread: 0 };
      let off = n === this.ackSeg ? Math.min(this.ackOff, buf.length) : 0;
      while (off < buf.length) {
        const s = scanAt(buf, off);
        if (s.kind === 'torn') {
          this.recovered.push(
            `segment ${n}: an incomplete last record (a write cut short by a crash, never acknowledged) at byte ${off}; ${buf.length - off} bytes cut off`,
          );
          truncateSync(this.segPath(n), off);
          seg.size = off;
          break;
        }
        const count = s.kind === 'record' ? s.count : s.lost; // damaged records count until the reader skips them
        seg.pending += count;
        seg.unread += count;
        off = s.next;
      }
      this.segments.set(n, seg);
    }
    this.readSeg = this.ackSeg;
    this.readOff = this.ackOff;
    this.writeSeg = Math.max(this.order.at(-1) ?? 0, this.ackSeg);
  }

  /** Appends one batch as one record and fsyncs it. Resolves when the batch is durable; throws SpoolError. */
  append(events: readonly HapbeatEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const p = this.chain.then(() => this.doAppend(events));
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async doAppend(events: readonly HapbeatEvent[]): Promise<void> {
    if (this.closed)
      throw new SpoolError('HAPBEAT_ERR_SPOOL_CLOSED', `the spool ${this.dir} is closed`, 'nothing is written after shutdown; this is a bug if it shows');
    // A huge poll (200,000 rows) is split into records of at most RECORD_MAX_EVENTS documents, so that no
    // single string outgrows V8's limit; they are written together and fsync'ed once.
    const records: { events: HapbeatEvent[]; bytes: Buffer }[] = [];
    for (let i = 0; i < events.length; i += RECORD_MAX_EVENTS) {
      const part = events.slice(i, i + RECORD_MAX_EVENTS);
      records.push({ events: part, bytes: encodeRecord(part) });
    }
    const total = records.reduce((n, r) => n + r.bytes.length, 0);
    const current = this.writeHandle ? this.segments.get(this.writeSeg)! : undefined;
    if (!current || (current.size > 0 && current.size + total > this.opts.segmentBytes)) await this.nextSegment();
    const seg = this.segments.get(this.writeSeg)!;
    const start = seg.size;
    const fh = this.writeHandle!;
    const write = this.opts.write ?? ((h, b, o, l, p) => h.write(b, o, l, p));
    try {
      let at = start;
      for (const r of records) {
        let done = 0;
        while (done < r.bytes.length) {
          const { bytesWritten } = await write(fh, r.bytes, done, r.bytes.length - done, at + done);
          if (bytesWritten <= 0) throw new ShortTransferError('the write made no progress');
          done += bytesWritten;
        }
        at += r.bytes.length;
      }
      await fh.datasync();
    } catch (err) {
      // Leave no partial record behind: cut the segment back; if even that fails, never write to it again.
      try {
        await fh.truncate(start);
      } catch {
        await this.sealWriteSegment();
      }
      throw SpoolError.from(err, this.dir, 'appending documents');
    }
    let at = start;
    for (const r of records) {
      seg.size += r.bytes.length;
      seg.pending += r.events.length;
      seg.unread += r.events.length;
      this.cacheRecord(this.writeSeg, at, at + r.bytes.length, r.events);
      at += r.bytes.length;
    }
    this.enforceLimit();
  }

  private cacheRecord(segment: number, offset: number, next: number, events: HapbeatEvent[]): void {
    this.cache.set(`${segment}:${offset}`, { events, next, at: Date.now() });
    this.cachedEvents += events.length;
    for (const [k, v] of this.cache) {
      if (this.cachedEvents <= this.opts.cacheEvents || this.cache.size <= 1) break;
      this.cache.delete(k);
      this.cachedEvents -= v.events.length;
    }
  }

  private uncache(key: string): HapbeatEvent[] | undefined {
    const c = this.cache.get(key);
    if (!c) return undefined;
    this.cache.delete(key);
    this.cachedEvents -= c.events.length;
    return c.events;
  }

  private async sealWriteSegment(): Promise<void> {
    const fh = this.writeHandle;
    this.writeHandle = undefined;
    await fh?.close().catch(() => undefined);
  }

  private async nextSegment(): Promise<void> {
    await this.sealWriteSegment();
    // Never append to a segment found on open (its tail may have been cut): always start a new one.
    const n = Math.max(this.writeSeg, this.ackSeg, this.order.at(-1) ?? 0) + 1;
    const fh = await open(this.segPath(n), 'w', 0o600);
    this.writeHandle = fh;
    this.writeSeg = n;
    this.order.push(n);
    this.segments.set(n, { size: 0, pending: 0, unread: 0 });
    fsyncDir(this.dir);
    if (this.order.length === 1) {
      this.ackSeg = n;
      this.ackOff = 0;
      this.readSeg = n;
      this.readOff = 0;
    }
    this.advance(); // the previous write segment may be fully delivered already
  }

  /** Drops the oldest segments while the spool is over its limit (never the one being written). */
  private enforceLimit(): void {
    while (this.bytes > this.opts.maxBytes && this.order.length > 1) {
      const n = this.order[0]!;
      const seg = this.segments.get(n)!;
      this.droppedEvents += seg.unread;
      this.forgetSegment(n);
      rmSync(this.segPath(n), { force: true });
      this.ackSeg = this.order[0]!;
      this.ackOff = 0;
      if (this.readSeg <= n) {
        this.readSeg = this.ackSeg;
        this.readOff = 0;
      }
      this.ackDirty = true;
      this.scheduleAck();
    }
  }

  private forgetSegment(n: number): void {
    this.segments.delete(n);
    this.order = this.order.filter((x) => x !== n);
    for (const k of [...this.cache.keys()]) if (k.startsWith(`${n}:`)) this.uncache(k);
    for (const k of [...this.released.keys()]) if (k.startsWith(`${n}:`)) this.released.delete(k);
  }

  /**
   * The oldest record not yet handed out, or undefined when every record has been. Damaged records on the way
   * are skipped, quarantined and counted (`quarantinedEvents`, `damage`). Throws SpoolError on a read error.
   */
  async next(): Promise<SpoolRecord | undefined> {
    for (;;) {
      const seg = this.segments.get(this.readSeg);
      if (!seg) {
        const later = this.order.find((n) => n > this.readSeg);
        if (later === undefined) return undefined;
        this.readSeg = later;
        this.readOff = 0;
        continue;
      }
      if (this.readOff >= seg.size) {
        const later = this.order.find((n) => n > this.readSeg);
        if (later === undefined || this.readSeg === this.writeSeg) return undefined;
        this.readSeg = later;
        this.readOff = 0;
        continue;
      }
      const key = `${this.readSeg}:${this.readOff}`;
      const cached = this.cache.get(key);
      if (cached) {
        this.uncache(key);
        return this.handOut(seg, cached.events, cached.next, cached.at);
      }
      const r = await this.readRecord(this.readSeg, this.readOff, seg.size);
      if (r.kind === 'record') return this.handOut(seg, r.events, r.next, 0);
      // Damaged: skip it, as if delivered, so that the ack position moves past it.
      const { segment, offset } = { segment: this.readSeg, offset: this.readOff };
      this.quarantinedEvents += r.lost;
      seg.unread = Math.max(0, seg.unread - r.lost);
      seg.pending = Math.max(0, seg.pending - r.lost);
      this.damage.push(
        `segment ${segment} byte ${offset}: ${r.why}; ${r.next - offset} bytes and ${r.exact ? '' : 'about '}${r.lost} document(s) skipped, kept in ${r.file ?? '(could not write the quarantine copy)'}`,
      );
      this.readOff = r.next;
      this.markReleased(segment, offset, r.next);
    }
  }

  private handOut(seg: Segment, events: HapbeatEvent[], next: number, at: number): SpoolRecord {
    const rec: SpoolRecord = { segment: this.readSeg, offset: this.readOff, next, events, appendedAt: at };
    seg.unread -= events.length;
    this.readOff = next;
    return rec;
  }

  private async readRecord(
    n: number,
    off: number,
    size: number,
  ): Promise<
    { kind: 'record'; events: HapbeatEvent[]; next: number } | { kind: 'damaged'; next: number; lost: number; exact: boolean; why: string; file?: string }
  > {
    try {
      if (this.readHandle?.seg !== n) {
        await this.readHandle?.fh.close().catch(() => undefined);
        this.readHandle = { seg: n, fh: await open(this.segPath(n), 'r') };
      }
      const fh = this.readHandle.fh;
      let h: ReturnType<typeof readHeader> = 'short';
      if (off + RECORD_HEADER_BYTES <= size) {
        const head = Buffer.alloc(RECORD_HEADER_BYTES);
        await readFully(fh, head, off);
        h = readHeader(head, 0);
      }
      // A good header: read just its record. A damaged one: the rest of the segment, to find the next record.
      const fits = typeof h === 'object' && off + RECORD_HEADER_BYTES + h.length <= size;
      const buf = Buffer.alloc(fits ? RECORD_HEADER_BYTES + (h as { length: number }).length : size - off);
      await readFully(fh, buf, off);
      const s = scanAt(buf, 0);
      if (s.kind === 'record') {
        const events = decodeOrUndefined(s.payload, s.compressed);
        if (events) return { kind: 'record', events, next: off + s.next };
        // Checksums that pass over bytes that do not inflate: written by something else; skipped and counted.
        const file = this.quarantine(n, off, buf.subarray(0, s.next));
        return { kind: 'damaged', next: off + s.next, lost: s.count, exact: true, why: 'a record whose payload does not decompress', file };
      }
      const end = s.kind === 'corrupt' ? s.next : buf.length;
      const file = this.quarantine(n, off, buf.subarray(0, end));
      if (s.kind === 'torn') return { kind: 'damaged', next: off + end, lost: 0, exact: false, why: 'an incomplete record', file };
      return { kind: 'damaged', next: off + end, lost: s.lost, exact: s.exact, why: s.why, file };
    } catch (err) {
      await this.readHandle?.fh.close().catch(() => undefined);
      this.readHandle = undefined;
      throw SpoolError.from(err, this.dir, `reading segment ${n}`);
    }
  }

  private quarantine(n: number, off: number, bytes: Buffer): string | undefined {
    try {
      const dir = path.join(this.dir, 'quarantine');
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${String(n).padStart(10, '0')}-${off}.bin`);
      writeFileSync(file, bytes);
      return file;
    } catch {
      return undefined;
    }
  }

  /** Marks a record delivered. The ack position moves over every record delivered in a row. */
  release(rec: Pick<SpoolRecord, 'segment' | 'offset' | 'next' | 'events'>): void {
    const seg = this.segments.get(rec.segment);
    if (!seg || (rec.segment === this.ackSeg && rec.offset < this.ackOff)) return; // dropped meanwhile
    seg.pending -= rec.events.length;
    this.markReleased(rec.segment, rec.offset, rec.next);
  }

  private markReleased(segment: number, offset: number, next: number): void {
    this.released.set(`${segment}:${offset}`, next);
    this.advance();
  }

  private advance(): void {
    let moved = false;
    for (;;) {
      const next = this.released.get(`${this.ackSeg}:${this.ackOff}`);
      if (next !== undefined) {
        this.released.delete(`${this.ackSeg}:${this.ackOff}`);
        this.ackOff = next;
        moved = true;
        continue;
      }
      const seg = this.segments.get(this.ackSeg);
      const later = this.order.find((n) => n > this.ackSeg);
      // A sealed segment delivered to its end is deleted, and the position moves to the next one.
      if (seg && later !== undefined && this.ackSeg !== this.writeSeg && this.ackOff >= seg.size) {
        if (this.readHandle?.seg === this.ackSeg) {
          void this.readHandle.fh.close().catch(() => undefined);
          this.readHandle = undefined;
        }
        try {
          rmSync(this.segPath(this.ackSeg), { force: true });
        } catch {
          /* unwritable directory: the file stays; ack.json says it is delivered */
        }
        this.forgetSegment(this.ackSeg);
        this.ackSeg = later;
        this.ackOff = 0;
        moved = true;
        continue;
      }
      break;
    }
    if (moved) {
      this.ackDirty = true;
      this.scheduleAck();
    }
  }

  private scheduleAck(): void {
    if (this.ackTimer || this.closed) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      const err = this.writeAck();
      if (err) {
        this.opts.onBackgroundError?.(err);
        this.scheduleAck();
      }
    }, this.opts.ackEveryMs);
    this.ackTimer.unref();
  }

  /** Writes the ack position durably; returns the error if it could not (the next write tries again). */
  writeAck(): SpoolError | undefined {
    if (!this.ackDirty) return undefined;
    const tmp = path.join(this.dir, 'ack.json.tmp');
    try {
      writeFileSync(tmp, JSON.stringify({ segment: this.ackSeg, offset: this.ackOff }));
      const fd = openSync(tmp, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path.join(this.dir, 'ack.json'));
      this.ackDirty = false;
      return undefined;
    } catch (err) {
      return SpoolError.from(err, this.dir, 'writing the delivered position');
    }
  }

  /** Stops accepting appends, writes the ack position, closes files and releases the lock. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.writeAck();
    await this.sealWriteSegment();
    await this.readHandle?.fh.close().catch(() => undefined);
    this.readHandle = undefined;
    this.lock.release();
  }
}

function decodeOrUndefined(payload: Buffer, compressed: boolean): HapbeatEvent[] | undefined {
  try {
    return decodePayload(payload, compressed);
  } catch {
    return undefined;
  }
}

async function readFully(fh: FileHandle, into: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await fh.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new ShortTransferError('a spool record ends early');
    done += bytesRead;
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    /* not every filesystem allows it */
  }
}

/** The size of a spool directory's segment files on disk, for reports. */
export function spoolDiskBytes(dir: string): number {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.seg'))
      .reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

/**
 * Checks that a spool directory can be used, without taking it: created if missing, writable (a file is
 * written, fsync'ed and removed), and the free space compared with `maxBytes`. For `test output` and the start.
 */
export function checkSpoolDir(dir: string, maxBytes: number): { error?: SpoolError; freeBytes?: number; warning?: string } {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.write-test-${process.pid}`);
    const fd = openSync(probe, 'w', 0o600);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
      rmSync(probe, { force: true });
    }
  } catch (err) {
    return { error: SpoolError.from(err, dir, 'writing a test file') };
  }
  try {
    const st = statfsSync(dir);
    const freeBytes = st.bavail * st.bsize;
    if (freeBytes < 16 * 1024 * 1024) {
      return {
        freeBytes,
        error: new SpoolError(
          'HAPBEAT_ERR_SPOOL_NO_SPACE',
          `the disk of the spool ${dir} has only ${freeBytes} bytes free`,
          'free space there or move queue.disk.path to a larger disk',
        ),
      };
    }
    if (freeBytes < maxBytes) {
      return {
        freeBytes,
        warning: `the disk of the spool ${dir} has ${Math.floor(freeBytes / 1048576)} MiB free, less than queue.disk.max_bytes (${Math.floor(maxBytes / 1048576)} MiB): a long outage will fill it, and what does not fit is then counted as dropped`,
      };
    }
    return { freeBytes };
  } catch {
    return {};
  }
}
