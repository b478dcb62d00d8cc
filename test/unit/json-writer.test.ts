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

  /** What a derived number (a rate, a ratio) looks like in a document: rounded to 3 decimals. */
  const roundedText = (x: number) => String(Math.round(x * 1000) / 1000);
  const written = (write: (w: JsonWriter) => void) => {
    const w = new JsonWriter();
    w.begin();
    write(w);
    return w.finish().toString('latin1');
  };

  it('writes a rounded number exactly as String(Math.round(x * 1000) / 1000) does', () => {
    const edges = [
      0,
      -0,
      0.0004,
      0.0005,
      -0.0005,
      -0.0004,
      0.1,
      0.999,
      0.9995,
      1,
      10,
      123.456,
      1e12 - 0.001,
      1e12 - 0.0005,
      1e12,
      999999999999.9995,
      1e15,
      -1e15,
      1e20,
      1e21,
      2 ** 53,
      Number.MAX_VALUE,
    ];
    for (const x of edges)
      expect(
        written((w) => w.rounded(x)),
        String(x),
      ).toBe(roundedText(x));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.double({ min: -1e13, max: 1e13, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.integer({ min: -(2 ** 31), max: 2 ** 31 }).map((i) => i / 1000),
          fc.integer({ min: 0, max: 2 ** 30 }).map((i) => i / 7),
        ),
        (x) => {
          expect(written((w) => w.rounded(x))).toBe(roundedText(x));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('copies an integer as HAProxy writes it, and writes nothing for any other text', () => {
    const isInteger = /^-?(?:0|[1-9][0-9]{0,19})$/;
    const cases = [
      '0',
      '-0',
      '7',
      '-12',
      '00',
      '01',
      '-01',
      '',
      '-',
      '1.5',
      '1e3',
      ' 1',
      '12345678901234567890',
      '123456789012345678901',
      '-12345678901234567890',
      'x',
    ];
    const texts = fc.oneof(fc.constantFrom(...cases), fc.stringMatching(/^-?[0-9]{0,22}$/), fc.string({ unit: 'binary', maxLength: 24 }));
    fc.assert(
      fc.property(fc.string({ maxLength: 5 }), texts, fc.string({ maxLength: 5 }), (before, value, after) => {
        const w = new JsonWriter();
        w.begin();
        w.text('[');
        const line = before + value + after;
        const ok = w.integer(line, before.length, before.length + value.length);
        expect(ok).toBe(isInteger.test(value));
        w.text(']');
        expect(w.finish().toString()).toBe(ok ? `[${value}]` : '[]');
      }),
      { numRuns: 5_000 },
    );
  });

  it('appends bytes as they are, short runs (keys) and long ones (an envelope), after any rewinds', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 200 }), fc.boolean()), { maxLength: 40 }), (parts) => {
        const w = new JsonWriter();
        w.begin();
        const want: Uint8Array[] = [];
        for (const [b, keep] of parts) {
          const mark = w.mark;
          w.bytes(b);
          if (keep) want.push(b);
          else w.rewind(mark);
        }
        expect(w.finish().equals(Buffer.concat(want))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
