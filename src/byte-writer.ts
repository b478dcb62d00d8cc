/**
 * Text and bytes up to this length are copied in a loop: for the short pieces writers append most (keys, ids,
 * index names, separators), cheaper than a call into Buffer's native code. Longer ones go to it.
 */
export const SHORT_COPY = 64;

/**
 * Writes the UTF-8 of `s` from index `from` up to `to` (exclusive) into `buf` at `at`, and returns where it
 * ended. `buf` must have room for 3 bytes per UTF-16 unit. Short text is copied one unit per byte while it is
 * ASCII; from its first other character on, and for long text, Buffer's encoder writes it.
 */
export function writeUtf8(buf: Buffer, at: number, s: string, from: number, to: number): number {
  if (to - from > SHORT_COPY) return at + buf.write(from === 0 && to === s.length ? s : s.slice(from, to), at, 'utf8');
  let p = at;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c >= 128) return p + buf.write(s.slice(k, to), p, 'utf8');
    buf[p++] = c;
  }
  return p;
}

/** Copies `b` into `buf` at `at` (which must have room), and returns where it ended. */
export function copyBytes(buf: Buffer, at: number, b: Uint8Array): number {
  const n = b.length;
  if (n > SHORT_COPY) buf.set(b, at);
  else for (let k = 0; k < n; k++) buf[at + k] = b[k]!;
  return at + n;
}

/**
 * Builds one large UTF-8 buffer from many strings (a bulk request body, a spool record) without first
 * joining them into one large string. A joined string of a few MB lives in V8's large-object space until the
 * next full garbage collection, once per request; a buffer's bytes are outside the heap and are freed as soon
 * as the small Buffer object dies, usually at the next minor collection. Measured on a 2,000-server poll: less
 * heap growth between full collections, and no string-to-buffer copy.
 */
export class ByteWriter {
  private buf: Buffer;
  private len = 0;

  /**
   * `estimate`: the expected size in bytes (the sum of the strings' lengths is a good one for ASCII text).
   * `reuse`: a buffer to write into when it is large enough (see BufferPool).
   */
  constructor(estimate: number, reuse?: Buffer) {
    const size = Math.max(256, Math.ceil(estimate));
    this.buf = reuse && reuse.length >= size ? reuse : Buffer.allocUnsafe(size);
  }

  write(s: string): this {
    // A UTF-16 unit takes at most 3 bytes in UTF-8 (a surrogate pair: 4 bytes for 2 units).
    if (this.buf.length - this.len < s.length * 3) this.grow(s.length * 3);
    this.len = writeUtf8(this.buf, this.len, s, 0, s.length);
    return this;
  }

  /** Appends bytes as they are. */
  bytes(b: Uint8Array): this {
    if (this.buf.length - this.len < b.length) this.grow(b.length);
    this.len = copyBytes(this.buf, this.len, b);
    return this;
  }

  get length(): number {
    return this.len;
  }

  /** The bytes written (a view of the writer's buffer: do not write after this). */
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** The writer's whole buffer, for BufferPool.giveBack. */
  get storage(): Buffer {
    return this.buf;
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + need));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

/**
 * A few large buffers kept for the next request body or spool record instead of being freed: a 2,000-server
 * poll writes about 4 MB into each, and without the pool every poll allocated and freed them again through
 * the C allocator (and waited for V8's garbage collector to free them). A buffer is given back only once
 * nothing reads it any more.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  /** `keep`: buffers kept at most; `maxBytes`: larger ones are left to the allocator (a rare giant poll). */
  constructor(
    private readonly keep: number,
    private readonly maxBytes: number,
  ) {}

  borrow(estimate: number): ByteWriter {
    return new ByteWriter(estimate, this.free.pop());
  }

  /** Takes back the writer's buffer: whatever finish() returned must not be read after this. */
  giveBack(w: ByteWriter): void {
    const b = w.storage;
    if (b.length <= this.maxBytes && this.free.length < this.keep && !this.free.includes(b)) this.free.push(b);
  }
}
