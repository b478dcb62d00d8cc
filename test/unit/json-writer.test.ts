import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JsonWriter } from '../../src/documents/json-writer.js';

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
    // A document that does not fit in what is left of a block moves to the next: one block more at most.
    const blocks = new Set(docs.map((d) => d.buffer)).size;
    const least = Math.ceil(texts.reduce((a, t) => a + Buffer.byteLength(t), 0) / JsonWriter.BLOCK_BYTES);
    expect([least, least + 1]).toContain(blocks);
    docs.forEach((d, i) => expect(d.toString('utf8')).toBe(texts[i]));
  });

  it('writes a document larger than a slab into a block of its own', () => {
    const w = new JsonWriter();
    w.begin();
    const big = `"${'y'.repeat(JsonWriter.BLOCK_BYTES + 10)}"`;
    w.text(big);
    const d = w.finish();
    expect(d.length).toBe(big.length);
    expect(d.toString()).toBe(big);
  });

  it('keeps marks across a move to a new block: a rewind after the move drops exactly what followed the mark', () => {
    const w = new JsonWriter();
    w.begin();
    w.text('{}');
    const first = w.finish();
    // 240,002 bytes of the first block used: 22,142 left, less than 10,008 characters may need.
    for (let i = 0; i < 24; i++) {
      w.begin();
      w.text('f'.repeat(10_000));
      w.finish();
    }
    w.begin();
    w.text('{"a":1');
    const mark = w.mark;
    w.text(`,"b":"${'f'.repeat(10_000)}"`); // the document moves, with {"a":1, to a new block
    w.rewind(mark);
    w.char(125);
    const d = w.finish();
    expect(d.buffer).not.toBe(first.buffer);
    expect(d.toString()).toBe('{"a":1}');
    expect(first.toString()).toBe('{}');
  });
});
