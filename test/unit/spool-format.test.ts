import { crc32, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HapbeatEvent } from '../../src/documents/event.js';
import { statEvents } from '../../src/documents/stat-documents.js';
import { parseShowStat } from '../../src/parse/show-stat.js';
import { decodePayload, encodeRecord, RECORD_HEADER_BYTES, scanAt } from '../../src/pipeline/spool-format.js';
import { fixture, V26 } from '../fixtures.js';

/** Real documents: every row of HAProxy 2.6's recorded show stat, as hapbeat builds them. */
function realEvents(): HapbeatEvent[] {
  return statEvents(
    parseShowStat(fixture(V26, 'show-stat.txt')),
    {
      target: { name: 'edge', address: '/run/haproxy-master.sock' },
      agent: { name: 'a', version: '0', id: '00000000-0000-0000-0000-000000000000', hostname: 'h' },
      process: { pid: 4242, num: 1, old: false, startTime: 1_800_000_000, version: '2.6.12-1+deb12u4' },
      sampledAt: 1_800_000_100_000,
      periodMs: 10_000,
      namespace: 'default',
    },
    1,
  ).events;
}

/** The same record as HBR1 wrote it: a header and the plain lines (the format before compression). */
function plainRecord(events: readonly HapbeatEvent[]): Buffer {
  return Buffer.from(events.map((e) => `${e.id}\t${e.dataset}\t${e.timestamp}\t${e.json}\n`).join(''), 'utf8');
}

describe('spool records', () => {
  it('are stored compressed: at least 5x smaller than the plain lines, for real documents', () => {
    const events = realEvents();
    const rec = encodeRecord(events);
    expect(rec.subarray(0, 4).toString('latin1')).toBe('HBR2');
    expect(plainRecord(events).length / rec.length).toBeGreaterThan(5);
  });

  it('read back exactly what was written, including tabs, new lines and non-ASCII in values', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.oneof(fc.string({ minLength: 1 }), fc.string({ minLength: 1, unit: 'grapheme' })).filter((s) => !/[\t\n]/.test(s)),
            n: fc.integer(),
            text: fc.string(),
            // Runs of documents with one timestamp (a sample), then another.
            t: fc.integer({ min: 0, max: 2 }),
          }),
          {
            minLength: 1,
            maxLength: 50,
          },
        ),
        (items) => {
          const events: HapbeatEvent[] = items.map((x) => ({
            id: x.id,
            dataset: 'haproxy.stat',
            timestamp: 1_800_000_000_000 + x.t,
            json: Buffer.from(JSON.stringify({ n: x.n, text: x.text })),
          }));
          const s = scanAt(encodeRecord(events), 0);
          expect(s.kind).toBe('record');
          if (s.kind !== 'record') return;
          expect(s.count).toBe(events.length);
          expect(decodePayload(s.payload, s.compressed)).toEqual(events);
        },
      ),
    );
  });

  it('still reads a spool written before compression (HBR1 records)', () => {
    const events = realEvents().slice(0, 5);
    const body = plainRecord(events);
    const rec = Buffer.alloc(RECORD_HEADER_BYTES + body.length);
    body.copy(rec, RECORD_HEADER_BYTES);
    rec.write('HBR1', 0, 'latin1');
    rec.writeUInt32LE(body.length, 4);
    rec.writeUInt32LE(events.length, 8);
    rec.writeUInt32LE(crc32(body), 12);
    rec.writeUInt32LE(crc32(rec.subarray(0, 16)), 16);
    const s = scanAt(rec, 0);
    expect(s.kind).toBe('record');
    if (s.kind === 'record') expect(decodePayload(s.payload, s.compressed)).toEqual(events);
  });

  it('a damaged header over an intact compressed payload: the loss is still counted exactly', () => {
    const a = encodeRecord(realEvents().slice(0, 3));
    const b = encodeRecord(realEvents().slice(3, 7));
    const c = encodeRecord(realEvents().slice(7, 9));
    const buf = Buffer.concat([a, b, c]);
    buf[a.length + 5]! ^= 0xff; // b's length field
    const s = scanAt(buf, a.length);
    expect(s).toMatchObject({ kind: 'corrupt', next: a.length + b.length, lost: 4, exact: true });
  });

  it('never throws on garbage: every scan is a record, corrupt or torn', () => {
    const good = encodeRecord(realEvents().slice(0, 2));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(good.length - 1), (junk, at) => {
        const buf = Buffer.concat([good.subarray(0, at), Buffer.from(junk), good.subarray(at)]);
        const s = scanAt(buf, 0);
        expect(['record', 'corrupt', 'torn']).toContain(s.kind);
        if (s.kind === 'record') expect(() => decodePayload(s.payload, s.compressed)).not.toThrow();
      }),
    );
  });

  it('decodes any payload bytes without throwing: one event per line, each document the bytes after the third tab', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const payload = Buffer.from(bytes);
        const events = decodePayload(gzipSync(payload), true);
        const lines = payload.length === 0 ? [] : payload.toString('latin1').replace(/\n$/, '').split('\n');
        expect(events.length).toBe(lines.length);
        events.forEach((e, i) => {
          const fields = lines[i]!.split('\t');
          expect(e.json.toString('latin1')).toBe(fields.length >= 4 ? fields.slice(3).join('\t') : '');
        });
      }),
      { numRuns: 500 },
    );
  });

  it('a plain payload is copied: the documents do not change when the segment buffer is reused', () => {
    const events = realEvents().slice(0, 3);
    const body = plainRecord(events);
    const decoded = decodePayload(body, false);
    body.fill(0x41);
    expect(decoded).toEqual(events);
  });
});
