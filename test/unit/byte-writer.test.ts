import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BufferPool, ByteWriter, SHORT_COPY } from '../../src/byte-writer.js';

describe('ByteWriter', () => {
  it('gives the same bytes as joining the strings and encoding them as UTF-8, whatever the text and the estimate', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 60 }), fc.nat(2000), (parts, estimate) => {
        const w = new ByteWriter(estimate);
        for (const p of parts) w.write(p);
        const got = w.finish();
        const want = Buffer.from(parts.join(''), 'utf8');
        expect(got.equals(want)).toBe(true);
        expect(w.length).toBe(want.length);
      }),
      { numRuns: 500 },
    );
  });

  it('copies short ASCII text in a loop and hands the rest of a non-ASCII string to the encoder: the same bytes', () => {
    const piece = fc.oneof(
      fc.string({ maxLength: SHORT_COPY + 2 }),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.tuple(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }), fc.string({ maxLength: 30 })).map((t) => t.join('')),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const w = new ByteWriter(0);
        for (const p of parts) w.write(p);
        expect(w.finish().equals(Buffer.from(parts.join(''), 'utf8'))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('grows past a small estimate: 10,000 documents of 2 KB in a writer told 256 bytes', () => {
    const doc = `{"a":"${'x'.repeat(2000)}","é":"€"}\n`;
    const w = new ByteWriter(0);
    for (let i = 0; i < 10_000; i++) w.write(doc);
    expect(w.finish().length).toBe(Buffer.byteLength(doc) * 10_000);
    expect(w.finish().subarray(-Buffer.byteLength(doc)).toString('utf8')).toBe(doc);
  });
});

describe('ByteWriter.bytes and BufferPool', () => {
  it('mixes strings and bytes in order, and a writer given a pooled buffer writes the same bytes as a new one', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.uint8Array({ maxLength: 300 })), { maxLength: 40 }), (parts) => {
        const pool = new BufferPool(1, 1 << 20);
        const want = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
        for (let round = 0; round < 2; round++) {
          const w = pool.borrow(10);
          for (const p of parts)
            if (typeof p === 'string') w.write(p);
            else w.bytes(p);
          expect(w.finish().equals(want)).toBe(true);
          pool.giveBack(w);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('lends a given-back buffer again, keeps at most `keep` buffers and none above `maxBytes`', () => {
    const pool = new BufferPool(2, 4096);
    const a = pool.borrow(1000);
    const b = pool.borrow(1000);
    const c = pool.borrow(1000);
    const big = pool.borrow(10_000);
    for (const w of [a, b, c, big]) pool.giveBack(w);
    pool.giveBack(a); // twice: still once in the pool
    const again = [pool.borrow(1000).storage, pool.borrow(1000).storage, pool.borrow(1000).storage];
    expect(again[0]).toBe(b.storage);
    expect(again[1]).toBe(a.storage);
    expect([a.storage, b.storage, c.storage, big.storage]).not.toContain(again[2]);
  });
});
