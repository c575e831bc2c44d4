/**
 * A growable byte buffer for text encoders that write ASCII digits and copy UTF-8 bytes
 * directly, instead of building JS strings per value.
 *
 * @example
 * const w = new ByteWriter();
 * w.int(-42); w.byte(44); w.ascii('ok');
 * new TextDecoder().decode(w.view()); // '-42,ok'
 */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Copies `src[start, end)`. */
  bytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    // Short values (most fields) copy faster in a loop than through set().
    if (n < 32) for (let s = start; s < end; s++) buf[p++] = src[s];
    else {
      buf.set(src.subarray(start, end), p);
      p += n;
    }
    this.pos = p;
  }

  /** Writes a string of ASCII characters (numbers' text, keywords). */
  ascii(s: string): void {
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  /** Writes an integer (any safe integer) in decimal. */
  int(v: number): void {
    this.ensure(17);
    if (v < 0) {
      this.buf[this.pos++] = 45;
      v = -v;
    }
    if (v < 10) {
      this.buf[this.pos++] = 48 + v;
      return;
    }
    let digits = 0;
    for (let x = v; x >= 1; x = Math.floor(x / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    while (v >= 1) {
      const q = Math.floor(v / 10);
      this.buf[--p] = 48 + (v - q * 10);
      v = q;
    }
  }

  /** Writes `v` (0 ≤ v < 10^width) in decimal, zero-padded to `width` digits. */
  padded(v: number, width: number): void {
    this.ensure(width);
    let p = this.pos + width;
    this.pos = p;
    for (let k = 0; k < width; k++) {
      const q = Math.floor(v / 10);
      this.buf[--p] = 48 + (v - q * 10);
      v = q;
    }
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** Forgets what was written, keeping the memory. */
  clear(): void {
    this.pos = 0;
  }
}
