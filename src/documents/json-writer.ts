import { copyBytes, writeUtf8 } from '../byte-writer.js';

/**
 * Builds documents' JSON byte by byte, straight into blocks of memory outside V8's heap, so that a finished
 * document is a small view of bytes that nothing copies again until an output sends them.
 *
 * Why: a document has about 300 members. As string appends, every `+=` left a rope node behind: on a
 * 2,000-server poll, 21 of the 29 MB the poll allocated. The finished strings (4 MB a poll) then lived in
 * V8's heap until they were delivered, so the young generation copied them and promoted them. Now the
 * documents of a poll are a few blocks outside the heap, freed as a whole once delivered, and the outputs
 * copy their bytes as they are.
 *
 * The blocks all have one size, which lets the allocator reuse the memory of delivered polls for the next
 * ones. A document is written where the previous one ended; one that does not fit in what is left of a block
 * moves, with what it has so far, to the start of a new block (a document larger than a block gets a block
 * of its own). Marks are relative to the document's start, so they survive the move.
 *
 * Text and bytes are copied as ByteWriter copies them (writeUtf8, copyBytes): short pieces in a loop.
 */
export class JsonWriter {
  static readonly BLOCK_BYTES = 256 * 1024;
  private block = Buffer.alloc(0);
  /** Where the document being written starts in `block`. */
  private start = 0;
  private pos = 0;

  /** Starts a new document (what was written since the last `finish` is dropped). */
  begin(): void {
    this.pos = this.start;
  }

  /** Where the next byte goes: a mark to roll back to with `rewind`. */
  get mark(): number {
    return this.pos - this.start;
  }

  /** Drops what was written after `mark`. */
  rewind(mark: number): void {
    this.pos = this.start + mark;
  }

  /** Appends text (already JSON: a key, a number, a quoted string). */
  text(s: string): void {
    this.span(s, 0, s.length);
  }

  /** Appends `s` from index `from` up to `to` (exclusive), as `text` would append that slice. */
  span(s: string, from: number, to: number): void {
    // A UTF-16 unit takes at most 3 bytes in UTF-8.
    if (this.block.length - this.pos < (to - from) * 3) this.move((to - from) * 3);
    this.pos = writeUtf8(this.block, this.pos, s, from, to);
  }

  /**
   * Appends `s[from, to)` if it is a JSON integer as HAProxy writes one (optional minus, 1 to 20 digits, no
   * leading zero) and says whether it was; writes nothing when it was not.
   */
  integer(s: string, from: number, to: number): boolean {
    const n = to - from;
    if (n === 0 || n > 21) return false;
    if (this.block.length - this.pos < n) this.move(n);
    const buf = this.block;
    let p = this.pos;
    let k = from;
    if (s.charCodeAt(k) === 45) {
      buf[p++] = 45;
      k++;
      if (k === to) return false;
    }
    if (s.charCodeAt(k) === 48 && to - k > 1) return false;
    if (to - k > 20) return false;
    for (; k < to; k++) {
      const c = s.charCodeAt(k);
      if (c < 48 || c > 57) return false;
      buf[p++] = c;
    }
    this.pos = p;
    return true;
  }

  /**
   * Appends `x` rounded to 3 decimals, as `String(Math.round(x * 1000) / 1000)` writes it, without making that
   * string. Below 10^12 in magnitude that text is the integer part, then up to 3 decimals without trailing
   * zeros: a decimal of at most 15 significant digits is the shortest text of its nearest double. Larger or
   * non-finite values take the string route.
   */
  rounded(x: number): void {
    let m = Math.round(x * 1000);
    if (!(m > -1e15 && m < 1e15)) {
      this.text(String(m / 1000));
      return;
    }
    if (this.block.length - this.pos < 20) this.move(20);
    const buf = this.block;
    let p = this.pos;
    if (m < 0) {
      buf[p++] = 45;
      m = -m;
    }
    let frac = m % 1000;
    let int = (m - frac) / 1000;
    let digits = 1;
    for (let q = int; q >= 10; q = (q - (q % 10)) / 10) digits++;
    p += digits;
    for (let k = p - 1; k >= p - digits; k--) {
      const d = int % 10;
      buf[k] = 48 + d;
      int = (int - d) / 10;
    }
    if (frac !== 0) {
      buf[p++] = 46;
      for (let div = 100; frac !== 0; div /= 10) {
        const d = (frac - (frac % div)) / div;
        buf[p++] = 48 + d;
        frac -= d * div;
      }
    }
    this.pos = p;
  }

  /** Appends bytes as they are (already UTF-8 JSON: a member's key, an envelope). */
  bytes(b: Uint8Array): void {
    if (this.block.length - this.pos < b.length) this.move(b.length);
    this.pos = copyBytes(this.block, this.pos, b);
  }

  /** Appends one ASCII character by its code. */
  char(c: number): void {
    if (this.pos === this.block.length) this.move(1);
    this.block[this.pos++] = c;
  }

  /** The document written since `begin`: a view of its bytes, which are never written again. */
  finish(): Buffer {
    const doc = this.block.subarray(this.start, this.pos);
    this.start = this.pos;
    return doc;
  }

  /** Moves the document so far to the start of a new block with room for `need` more bytes. */
  private move(need: number): void {
    const len = this.pos - this.start;
    const next = Buffer.allocUnsafeSlow(Math.max(JsonWriter.BLOCK_BYTES, 2 * (len + need)));
    this.block.copy(next, 0, this.start, this.pos);
    this.block = next;
    this.start = 0;
    this.pos = len;
  }
}
