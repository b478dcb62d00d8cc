import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { BufferPool } from '../byte-writer.js';
import type { HapbeatEvent } from '../documents/event.js';
import type { Dataset } from '../fields/datasets.js';

/**
 * The spool's record format, pure functions over buffers.
 *
 * A record is a 20-byte header and a payload:
 *   0  magic "HBR2" (gzip payload) or "HBR1" (plain payload, written before compression; still read)
 *   4  payload length      (u32 LE)
 *   8  number of events    (u32 LE)
 *  12  CRC32 of the payload (u32 LE)
 *  16  CRC32 of bytes 0-15  (u32 LE)
 * The payload is one line per event, `id TAB dataset TAB timestamp TAB json LF`, gzipped at level 1: the
 * documents of one poll repeat their keys and envelope, so they shrink by an order of magnitude for a few ms.
 *
 * The header checks itself, so a damaged payload is skipped by its length with an exact count of the
 * documents lost, and a damaged header is skipped by searching for the next valid record (the documents lost
 * are then counted by their line ends, after gunzip when the bytes still inflate).
 */
export const RECORD_HEADER_BYTES = 20;
const PLAIN = Buffer.from('HBR1', 'latin1');
const GZIP = Buffer.from('HBR2', 'latin1');
const MAGIC_PLAIN = PLAIN.readUInt32LE(0);
const MAGIC_GZIP = GZIP.readUInt32LE(0);
/** The three bytes both magics start with, to find the next record after damage. */
const MAGIC_STEM = Buffer.from('HBR', 'latin1');

/** The uncompressed lines of the record being encoded: read only by gzipSync, so one buffer serves every record. */
const RECORD_LINES = new BufferPool(1, 64 * 1024 * 1024);

export function encodeRecord(events: readonly HapbeatEvent[]): Buffer {
  let estimate = 0;
  for (const e of events) estimate += e.json.length + 64;
  const lines = RECORD_LINES.borrow(estimate);
  // Written piece by piece: a joined line would be a string per event, and the documents of one sample share
  // their timestamp, whose text is made once.
  let timestamp = NaN;
  let timestampText = '';
  for (const e of events) {
    if (e.timestamp !== timestamp) {
      timestamp = e.timestamp;
      timestampText = String(timestamp);
    }
    lines.write(e.id).write('\t').write(e.dataset).write('\t').write(timestampText).write('\t').bytes(e.json).write('\n');
  }
  const body = gzipSync(lines.finish(), { level: 1 });
  RECORD_LINES.giveBack(lines);
  const rec = Buffer.allocUnsafe(RECORD_HEADER_BYTES + body.length);
  body.copy(rec, RECORD_HEADER_BYTES);
  rec.writeUInt32LE(MAGIC_GZIP, 0);
  rec.writeUInt32LE(body.length, 4);
  rec.writeUInt32LE(events.length, 8);
  rec.writeUInt32LE(crc32(body), 12);
  rec.writeUInt32LE(crc32(rec.subarray(0, 16)), 16);
  return rec;
}

export interface RecordHeader {
  length: number;
  count: number;
  payloadCrc: number;
  /** The payload is gzipped (HBR2). */
  compressed: boolean;
}

/** The header at `off`: 'short' when fewer than 20 bytes remain, 'bad' when it fails its magic or checksum. */
export function readHeader(buf: Buffer, off: number): RecordHeader | 'short' | 'bad' {
  if (off + RECORD_HEADER_BYTES > buf.length) return 'short';
  const magic = buf.readUInt32LE(off);
  if (magic !== MAGIC_GZIP && magic !== MAGIC_PLAIN) return 'bad';
  if (crc32(buf.subarray(off, off + 16)) !== buf.readUInt32LE(off + 16)) return 'bad';
  return { length: buf.readUInt32LE(off + 4), count: buf.readUInt32LE(off + 8), payloadCrc: buf.readUInt32LE(off + 12), compressed: magic === MAGIC_GZIP };
}

/** What is at `off` in a segment's bytes. */
export type Scan =
  | { kind: 'record'; next: number; count: number; payload: Buffer; compressed: boolean }
  /** Damaged bytes up to `next` (the next valid record, or the end); `lost` documents, exact when `exact`. */
  | { kind: 'corrupt'; next: number; lost: number; exact: boolean; why: string }
  /** An incomplete last record: a write that never finished (a crash), never acknowledged to anyone. */
  | { kind: 'torn' };

export function scanAt(buf: Buffer, off: number): Scan {
  const h = readHeader(buf, off);
  if (h === 'short') return { kind: 'torn' };
  if (h === 'bad') {
    const next = findNextRecord(buf, off + 1);
    const lost = countLost(buf, off, next);
    return { kind: 'corrupt', next, lost: lost.count, exact: lost.exact, why: 'a damaged record header' };
  }
  const end = off + RECORD_HEADER_BYTES + h.length;
  if (end > buf.length) return { kind: 'torn' };
  const payload = buf.subarray(off + RECORD_HEADER_BYTES, end);
  if (crc32(payload) !== h.payloadCrc) return { kind: 'corrupt', next: end, lost: h.count, exact: true, why: 'a record failing its checksum' };
  return { kind: 'record', next: end, count: h.count, payload, compressed: h.compressed };
}

/** The offset of the next complete, valid record at or after `from`, or the buffer's length. */
export function findNextRecord(buf: Buffer, from: number): number {
  let at = buf.indexOf(MAGIC_STEM, from);
  while (at >= 0) {
    const s = scanAt(buf, at);
    if (s.kind === 'record') return at;
    at = buf.indexOf(MAGIC_STEM, at + 1);
  }
  return buf.length;
}

/**
 * The documents lost in damaged bytes [from, to) whose header cannot be trusted: the line ends of the payload
 * after gunzip when it still inflates (exact), else the line ends of the raw bytes (a plain record's count,
 * or a guess).
 */
function countLost(buf: Buffer, from: number, to: number): { count: number; exact: boolean } {
  const body = buf.subarray(Math.min(from + RECORD_HEADER_BYTES, to), to);
  try {
    return { count: countLines(gunzipSync(body)), exact: true };
  } catch {
    return { count: countLines(buf.subarray(from, to)), exact: false };
  }
}

function countLines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * The events of a record's payload (gunzipped first when compressed). A payload that does not inflate throws.
 * Each document stays as bytes: a view into the inflated payload, never decoded to text and encoded again.
 */
export function decodePayload(payload: Buffer, compressed: boolean): HapbeatEvent[] {
  const out: HapbeatEvent[] = [];
  // A plain payload is a view into a whole segment file: copied, so that the documents keep only their bytes.
  const bytes = compressed ? gunzipSync(payload) : Buffer.from(payload);
  let start = 0;
  while (start < bytes.length) {
    const nl = bytes.indexOf(10, start);
    const end = nl < 0 ? bytes.length : nl;
    const a = tabBefore(bytes, start, end);
    const b = tabBefore(bytes, a + 1, end);
    const c = tabBefore(bytes, b + 1, end);
    out.push({
      id: bytes.toString('utf8', start, a),
      dataset: bytes.toString('latin1', a + 1, b) as Dataset,
      timestamp: Number(bytes.toString('latin1', b + 1, c)),
      json: bytes.subarray(c + 1, end),
    });
    start = end + 1;
  }
  return out;
}

/** The first tab in [from, end), or `end` when there is none (a damaged line still gives an event, not a crash). */
function tabBefore(bytes: Buffer, from: number, end: number): number {
  const i = bytes.indexOf(9, from);
  return i < 0 || i > end ? end : i;
}
