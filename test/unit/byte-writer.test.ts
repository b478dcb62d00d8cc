import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteWriter } from '../../src/byte-writer.js';

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

  it('grows past a small estimate: 10,000 documents of 2 KB in a writer told 256 bytes', () => {
    const doc = `{"a":"${'x'.repeat(2000)}","é":"€"}\n`;
    const w = new ByteWriter(0);
    for (let i = 0; i < 10_000; i++) w.write(doc);
    expect(w.finish().length).toBe(Buffer.byteLength(doc) * 10_000);
    expect(w.finish().subarray(-Buffer.byteLength(doc)).toString('utf8')).toBe(doc);
  });
});
