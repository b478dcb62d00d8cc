import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JsonWriter, Slab } from '../../src/documents/json-writer.js';

describe('JsonWriter', () => {
  it('gives the UTF-8 bytes of the text written, ASCII or not, after any rewinds', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 120 }), fc.boolean()), { maxLength: 80 }), (parts) => {
        const w = new JsonWriter();
        w.begin();
        let want = '';
        for (const [text, keep] of parts) {
          const mark = w.mark;
          w.text(text);
          if (keep) want += text;
          else w.rewind(mark);
        }
        expect(w.finish().equals(Buffer.from(want, 'utf8'))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps every finished document intact while later ones are written (one slab, then the next)', () => {
    const w = new JsonWriter();
    const docs: Buffer[] = [];
    const texts: string[] = [];
    // 400 documents of about 1.5 KB: more than two slabs.
    for (let i = 0; i < 400; i++) {
      const text = `{"n":${i},"name":"é${'x'.repeat(1500 + (i % 7))}"}`;
      w.begin();
      w.text(text);
      w.char(10);
      docs.push(w.finish());
      texts.push(`${text}\n`);
    }
    // The first block may be one that earlier documents began.
    const blocks = new Set(docs.map((d) => d.buffer)).size;
    const least = Math.ceil(texts.reduce((a, t) => a + Buffer.byteLength(t), 0) / Slab.BLOCK_BYTES);
    expect([least, least + 1]).toContain(blocks);
    docs.forEach((d, i) => expect(d.toString('utf8')).toBe(texts[i]));
  });

  it('writes a document larger than a slab into a block of its own', () => {
    const w = new JsonWriter();
    w.begin();
    const big = `"${'y'.repeat(Slab.BLOCK_BYTES + 10)}"`;
    w.text(big);
    const d = w.finish();
    expect(d.length).toBe(big.length);
    expect(d.toString()).toBe(big);
  });
});
