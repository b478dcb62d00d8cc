/**
 * Builds documents' JSON byte by byte: one document at a time in a reused scratch buffer, then copied into a
 * shared slab, so that a finished document is a small view of bytes outside V8's heap.
 *
 * Why: a document has about 300 members. As string appends, every `+=` left a rope node behind: on a
 * 2,000-server poll, 21 of the 29 MB the poll allocated. The finished strings (4 MB a poll) then lived in
 * V8's heap until they were delivered, so the young generation copied them and promoted them. Now a poll
 * allocates about 8 MB in V8's heap, its documents are a few slabs outside it, freed as a whole once
 * delivered, and the outputs copy their bytes as they are.
 *
 * Text is copied one UTF-16 unit per byte while it is ASCII (HAProxy's names and numbers, the field keys);
 * the rest of a string that is not goes through Buffer's UTF-8 encoder.
 */
export class JsonWriter {
  private buf = Buffer.allocUnsafe(16 * 1024);
  private pos = 0;

  /** Starts a new document (what was written before is dropped). */
  begin(): void {
    this.pos = 0;
  }

  /** Where the next byte goes: a mark to roll back to with `rewind`. */
  get mark(): number {
    return this.pos;
  }

  /** Drops what was written after `mark`. */
  rewind(mark: number): void {
    this.pos = mark;
  }

  /** Appends text (already JSON: a key, a number, a quoted string). */
  text(s: string): void {
    const n = s.length;
    if (this.buf.length - this.pos < n * 3) this.grow(n * 3);
    const buf = this.buf;
    let p = this.pos;
    for (let k = 0; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c >= 128) {
        this.pos = p + buf.write(s.slice(k), p, 'utf8');
        return;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** Appends `s` from index `start` up to `end` (exclusive), as `text` would append that slice. */
  span(s: string, start: number, end: number): void {
    const n = end - start;
    if (this.buf.length - this.pos < n * 3) this.grow(n * 3);
    const buf = this.buf;
    let p = this.pos;
    for (let k = start; k < end; k++) {
      const c = s.charCodeAt(k);
      if (c >= 128) {
        this.pos = p + buf.write(s.slice(k, end), p, 'utf8');
        return;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** Appends bytes as they are (already UTF-8 JSON). */
  bytes(b: Uint8Array): void {
    if (this.buf.length - this.pos < b.length) this.grow(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Appends one ASCII character by its code. */
  char(c: number): void {
    if (this.pos === this.buf.length) this.grow(1);
    this.buf[this.pos++] = c;
  }

  /** The document written since `begin`: its bytes, copied out of the scratch buffer (see Slab). */
  finish(): Buffer {
    return SLAB.copyOf(this.buf, this.pos);
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + need));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

/**
 * Documents' bytes, packed into blocks of one size: each document is a view into a block, and a block is
 * freed once none of its documents is referenced any more (those of a poll are delivered together). One size
 * for every block lets the allocator reuse the memory of delivered polls for the next ones.
 */
export class Slab {
  static readonly BLOCK_BYTES = 256 * 1024;
  private block = Buffer.alloc(0);
  private used = 0;

  copyOf(src: Buffer, length: number): Buffer {
    if (this.block.length - this.used < length) {
      this.block = Buffer.allocUnsafeSlow(Math.max(Slab.BLOCK_BYTES, length));
      this.used = 0;
    }
    const start = this.used;
    src.copy(this.block, start, 0, length);
    this.used += length;
    return this.block.subarray(start, this.used);
  }
}

/** Every document's bytes come from this one allocator (an allocator only: nothing is kept for a caller). */
const SLAB = new Slab();
