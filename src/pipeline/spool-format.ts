import { crc32 } from 'node:zlib';
import type { HapbeatEvent } from '../documents/event.js';
import type { Dataset } from '../fields/datasets.js';

/**
 * The spool's record format, pure functions over buffers.
 *
 * A record is a 20-byte header and a payload:
 *   0  magic "HBR1"
 *   4  payload length      (u32 LE)
 *   8  number of events    (u32 LE)
 *  12  CRC32 of the payload (u32 LE)
 *  16  CRC32 of bytes 0-15  (u32 LE)
 * The payload is one line per event: `id TAB dataset TAB timestamp TAB json LF`.
 *
 * The header checks itself, so a damaged payload is skipped by its length with an exact count of the
 * documents lost, and a damaged header is skipped by searching for the next valid record (the documents lost
 * are then counted by their line ends).
 */
export const RECORD_HEADER_BYTES = 20;
const MAGIC = Buffer.from('HBR1', 'latin1').readUInt32LE(0);

export function encodeRecord(events: readonly HapbeatEvent[]): Buffer {
  let payload = '';
  for (const e of events) payload += `${e.id}\t${e.dataset}\t${e.timestamp}\t${e.json}\n`;
  const bodyLength = Buffer.byteLength(payload, 'utf8');
  const rec = Buffer.allocUnsafe(RECORD_HEADER_BYTES + bodyLength);
  rec.write(payload, RECORD_HEADER_BYTES, 'utf8');
  rec.writeUInt32LE(MAGIC, 0);
  rec.writeUInt32LE(bodyLength, 4);
  rec.writeUInt32LE(events.length, 8);
  rec.writeUInt32LE(crc32(rec.subarray(RECORD_HEADER_BYTES)), 12);
  rec.writeUInt32LE(crc32(rec.subarray(0, 16)), 16);
  return rec;
}

export interface RecordHeader {
  length: number;
  count: number;
  payloadCrc: number;
}

/** The header at `off`: 'short' when fewer than 20 bytes remain, 'bad' when it fails its magic or checksum. */
export function readHeader(buf: Buffer, off: number): RecordHeader | 'short' | 'bad' {
  if (off + RECORD_HEADER_BYTES > buf.length) return 'short';
  if (buf.readUInt32LE(off) !== MAGIC) return 'bad';
  if (crc32(buf.subarray(off, off + 16)) !== buf.readUInt32LE(off + 16)) return 'bad';
  return { length: buf.readUInt32LE(off + 4), count: buf.readUInt32LE(off + 8), payloadCrc: buf.readUInt32LE(off + 12) };
}

/** What is at `off` in a segment's bytes. */
export type Scan =
  | { kind: 'record'; next: number; count: number; payload: Buffer }
  /** Damaged bytes up to `next` (the next valid record, or the end); `lost` documents, exact when `exact`. */
  | { kind: 'corrupt'; next: number; lost: number; exact: boolean; why: string }
  /** An incomplete last record: a write that never finished (a crash), never acknowledged to anyone. */
  | { kind: 'torn' };

export function scanAt(buf: Buffer, off: number): Scan {
  const h = readHeader(buf, off);
  if (h === 'short') return { kind: 'torn' };
  if (h === 'bad') {
    const next = findNextRecord(buf, off + 1);
    return { kind: 'corrupt', next, lost: countLines(buf, off, next), exact: false, why: 'a damaged record header' };
  }
  const end = off + RECORD_HEADER_BYTES + h.length;
  if (end > buf.length) return { kind: 'torn' };
  const payload = buf.subarray(off + RECORD_HEADER_BYTES, end);
  if (crc32(payload) !== h.payloadCrc) return { kind: 'corrupt', next: end, lost: h.count, exact: true, why: 'a record failing its checksum' };
  return { kind: 'record', next: end, count: h.count, payload };
}

/** The offset of the next complete, valid record at or after `from`, or the buffer's length. */
export function findNextRecord(buf: Buffer, from: number): number {
  const magic = Buffer.from('HBR1', 'latin1');
  let at = buf.indexOf(magic, from);
  while (at >= 0) {
    const s = scanAt(buf, at);
    if (s.kind === 'record') return at;
    at = buf.indexOf(magic, at + 1);
  }
  return buf.length;
}

function countLines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, from); i >= 0 && i < to; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

export function decodePayload(body: Buffer): HapbeatEvent[] {
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
