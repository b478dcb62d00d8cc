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

  /** `estimate`: the expected size in bytes (the sum of the strings' lengths is a good one for ASCII text). */
  constructor(estimate: number) {
    this.buf = Buffer.allocUnsafe(Math.max(256, Math.ceil(estimate)));
  }

  write(s: string): this {
    // A UTF-16 unit takes at most 3 bytes in UTF-8 (a surrogate pair: 4 bytes for 2 units).
    const worst = s.length * 3;
    if (this.buf.length - this.len < worst) this.grow(worst);
    this.len += this.buf.write(s, this.len, 'utf8');
    return this;
  }

  get length(): number {
    return this.len;
  }

  /** The bytes written (a view of the writer's buffer: do not write after this). */
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + need));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}
