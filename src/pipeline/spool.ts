import { crc32 } from 'node:zlib';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Dataset, HapbeatEvent } from '../normalize/documents.js';
import { HapbeatError } from '../errors.js';

/**
 * A durable, bounded, append-only spool of event batches on disk: what hapbeat keeps while Elasticsearch is
 * down or slow, and replays in order when it is back, also after a crash.
 *
 * Layout: `<dir>/NNNNNNNNNN.seg` segment files, appended to in order, and `<dir>/ack.json`, the position of
 * the first record not yet delivered. A record is a 12-byte header (payload length, CRC32 of the payload,
 * number of events; little endian) and the payload: one line per event, `id TAB dataset TAB timestamp TAB
 * json`. Each append is fsync'ed before it returns, so an appended batch survives kill -9. The ack position
 * is written after delivery: a crash in between re-sends one batch, which the deterministic ids turn into
 * 409 duplicates, never into copies.
 *
 * On open, the newest segment's tail is checked: a record cut short or failing its checksum (a crash during
 * a write, a disk error) and everything after it is cut off and reported. When the spool would exceed its
 * size, the oldest segment is dropped: a counted, logged loss, never a silent one.
 */
export class Spool {
  private segments: number[] = [];
  private writeHandle?: FileHandle;
  private writeSeg = 0;
  private writeSize = 0;
  private ackSeg = 0;
  private ackOff = 0;
  private totalBytes = 0;
  private pendingEvents = 0;
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  /** Problems found on open (corrupt tail, unreadable ack file). */
  readonly recovered: string[] = [];
  /** Events dropped because the spool was full. */
  droppedEvents = 0;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, maxBytes: number, segmentBytes: number) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
  }

  static open(dir: string, opts: { maxBytes: number; segmentBytes: number }): Spool {
    const s = new Spool(dir, opts.maxBytes, opts.segmentBytes);
    try {
      mkdirSync(dir, { recursive: true });
      s.load();
    } catch (err) {
      if (err instanceof HapbeatError) throw err;
      throw new HapbeatError('spool_unusable', `cannot use the spool directory ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, {
        hint: 'check output.elasticsearch.spool.path: it must be a directory this user can write',
        cause: err,
      });
    }
    return s;
  }

  /** Bytes on disk not yet delivered (approximately: whole segments count until they are fully delivered). */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Events waiting in the spool. */
  get events(): number {
    return this.pendingEvents;
  }

  get empty(): boolean {
    return this.pendingEvents === 0;
  }

  private segPath(n: number): string {
    return path.join(this.dir, `${String(n).padStart(10, '0')}.seg`);
  }

  private load(): void {
    this.segments = readdirSync(this.dir)
      .filter((f) => /^\d{10}\.seg$/.test(f))
      .map((f) => Number(f.slice(0, 10)))
      .sort((a, b) => a - b);
    try {
      const a = JSON.parse(readFileSync(path.join(this.dir, 'ack.json'), 'utf8')) as { segment?: unknown; offset?: unknown };
      if (typeof a.segment === 'number' && typeof a.offset === 'number') {
        this.ackSeg = a.segment;
        this.ackOff = a.offset;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.recovered.push(`ack.json unreadable (${(err as Error).message}); replaying from the oldest segment`);
    }
    // Segments wholly before the ack position are delivered.
    for (const n of [...this.segments]) {
      if (n < this.ackSeg) {
        rmSync(this.segPath(n), { force: true });
        this.segments.shift();
      }
    }
    if (this.segments.length > 0 && this.segments[0]! > this.ackSeg) {
      this.ackSeg = this.segments[0]!;
      this.ackOff = 0;
    }
    // Validate every record from the ack position on; count events; cut off a damaged tail.
    this.totalBytes = 0;
    this.pendingEvents = 0;
    for (let i = 0; i < this.segments.length; i++) {
      const n = this.segments[i]!;
      const buf = readFileSync(this.segPath(n));
      let off = n === this.ackSeg ? this.ackOff : 0;
      while (off < buf.length) {
        const rec = readRecordAt(buf, off);
        if (!rec.ok) {
          this.recovered.push(`segment ${n}: ${rec.why} at byte ${off}; ${buf.length - off} bytes cut off`);
          truncateSync(this.segPath(n), off);
          // Anything in later segments was written after the damage: keep it (each segment stands alone).
          break;
        }
        this.pendingEvents += rec.count;
        off = rec.next;
      }
      this.totalBytes += statSync(this.segPath(n)).size;
    }
  }

  /** Appends one batch as one record and fsyncs it. Resolves when the batch is durable. */
  append(events: readonly HapbeatEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const p = this.chain.then(() => this.doAppend(events));
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async doAppend(events: readonly HapbeatEvent[]): Promise<void> {
    let payload = '';
    for (const e of events) payload += `${e.id}\t${e.dataset}\t${e.timestamp}\t${e.json}\n`;
    const body = Buffer.from(payload, 'utf8');
    const rec = Buffer.allocUnsafe(12 + body.length);
    rec.writeUInt32LE(body.length, 0);
    rec.writeUInt32LE(crc32(body), 4);
    rec.writeUInt32LE(events.length, 8);
    body.copy(rec, 12);
    if (!this.writeHandle || this.writeSize + rec.length > this.segmentBytes) await this.nextSegment();
    await this.writeHandle!.write(rec, 0, rec.length, this.writeSize);
    await this.writeHandle!.datasync();
    this.writeSize += rec.length;
    this.totalBytes += rec.length;
    this.pendingEvents += events.length;
    this.enforceLimit();
  }

  private async nextSegment(): Promise<void> {
    if (this.writeHandle) await this.writeHandle.close();
    // Never append to a segment found on open (its tail may have been cut): always start a new one.
    this.writeSeg = Math.max(this.segments.at(-1) ?? 0, this.ackSeg, this.writeSeg) + 1;
    this.segments.push(this.writeSeg);
    this.writeHandle = await open(this.segPath(this.writeSeg), 'w', 0o600);
    this.writeSize = 0;
    fsyncDir(this.dir);
    if (this.segments.length === 1) {
      this.ackSeg = this.writeSeg;
      this.ackOff = 0;
    }
  }

  /** Drops the oldest segments while the spool is over its limit (never the one being written). */
  private enforceLimit(): void {
    while (this.totalBytes > this.maxBytes && this.segments.length > 1) {
      const n = this.segments.shift()!;
      const buf = readFileSync(this.segPath(n));
      let off = n === this.ackSeg ? this.ackOff : 0;
      let dropped = 0;
      while (off < buf.length) {
        const r = readRecordAt(buf, off);
        if (!r.ok) break;
        dropped += r.count;
        off = r.next;
      }
      rmSync(this.segPath(n), { force: true });
      this.totalBytes -= buf.length;
      this.pendingEvents -= dropped;
      this.droppedEvents += dropped;
      this.ackSeg = this.segments[0]!;
      this.ackOff = 0;
      this.writeAck();
    }
  }

  /** The oldest undelivered batch, or undefined. Call ack() with its position once it is delivered. */
  async peek(): Promise<{ events: HapbeatEvent[]; segment: number; next: number } | undefined> {
    await this.chain;
    while (this.segments.length > 0) {
      const n = this.segments[0]!;
      const file = this.segPath(n);
      const size = n === this.writeSeg ? this.writeSize : statSync(file).size;
      if (n === this.ackSeg && this.ackOff >= size) {
        if (n === this.writeSeg) return undefined; // caught up with the writer
        rmSync(file, { force: true });
        this.segments.shift();
        this.totalBytes -= size;
        this.ackSeg = this.segments[0] ?? this.writeSeg;
        this.ackOff = 0;
        this.writeAck();
        continue;
      }
      const off = n === this.ackSeg ? this.ackOff : 0;
      const header = Buffer.alloc(12);
      const fd = openSync(file, 'r');
      try {
        readAtSync(fd, header, off);
        const len = header.readUInt32LE(0);
        const body = Buffer.alloc(len);
        readAtSync(fd, body, off + 12);
        if (crc32(body) !== header.readUInt32LE(4)) throw new Error(`spool record at ${file}:${off} fails its checksum`);
        return { events: decode(body), segment: n, next: off + 12 + len };
      } finally {
        closeSync(fd);
      }
    }
    return undefined;
  }

  /** Marks everything before (segment, next) delivered, durably. */
  async ack(pos: { segment: number; next: number; events: HapbeatEvent[] }): Promise<void> {
    await this.chain;
    if (pos.segment !== this.ackSeg) return; // dropped meanwhile (spool full)
    this.ackOff = pos.next;
    this.pendingEvents -= pos.events.length;
    this.writeAck();
  }

  private writeAck(): void {
    const tmp = path.join(this.dir, 'ack.json.tmp');
    writeFileSync(tmp, JSON.stringify({ segment: this.ackSeg, offset: this.ackOff }));
    const fd = openSync(tmp, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path.join(this.dir, 'ack.json'));
  }

  async close(): Promise<void> {
    await this.chain;
    await this.writeHandle?.close();
    this.writeHandle = undefined;
  }
}

function readRecordAt(buf: Buffer, off: number): { ok: true; next: number; count: number } | { ok: false; why: string } {
  if (off + 12 > buf.length) return { ok: false, why: 'a record header cut short' };
  const len = buf.readUInt32LE(off);
  if (off + 12 + len > buf.length) return { ok: false, why: 'a record cut short' };
  if (crc32(buf.subarray(off + 12, off + 12 + len)) !== buf.readUInt32LE(off + 4)) return { ok: false, why: 'a record failing its checksum' };
  return { ok: true, next: off + 12 + len, count: buf.readUInt32LE(off + 8) };
}

function readAtSync(fd: number, into: Buffer, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error('spool record cut short');
    done += n;
  }
}


function decode(body: Buffer): HapbeatEvent[] {
  const out: HapbeatEvent[] = [];
  const text = body.toString('utf8');
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end < 0 ? text.length : end);
    start = end < 0 ? text.length : end + 1;
    const a = line.indexOf('\t');
    const b = line.indexOf('\t', a + 1);
    const c = line.indexOf('\t', b + 1);
    out.push({ id: line.slice(0, a), dataset: line.slice(a + 1, b) as Dataset, timestamp: Number(line.slice(b + 1, c)), json: line.slice(c + 1) });
  }
  return out;
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
