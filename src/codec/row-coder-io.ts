/**
 * Byte-level writer and reader for the row coder: big-endian fixed-width numbers (Java's
 * DataOutput), Beam varints, int32-length-prefixed bytes and UTF-8 strings. One growable buffer,
 * written in place; nothing is allocated per value beyond what the value itself needs.
 */

const TWO_32 = 4294967296;

/** Malformed or truncated row bytes. */
export class RowCodecError extends Error {
  override readonly name = 'RowCodecError';
}

/** A growable output buffer. `finish()` hands out a copy of what was written and starts over. */
export class ByteWriter {
  buf: Buffer;
  view: DataView;
  pos = 0;

  constructor(capacity = 1 << 16) {
    this.buf = Buffer.allocUnsafe(capacity);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }
  i8(v: number): void {
    this.ensure(1);
    this.view.setInt8(this.pos, v);
    this.pos += 1;
  }
  i16(v: number): void {
    this.ensure(2);
    this.view.setInt16(this.pos, v);
    this.pos += 2;
  }
  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v);
    this.pos += 4;
  }
  /** A 64-bit integer given as a JS number (exact up to 2^53), written as two 32-bit words, no BigInt. */
  i64n(v: number): void {
    this.ensure(8);
    const hi = Math.floor(v / TWO_32);
    this.view.setInt32(this.pos, hi);
    this.view.setUint32(this.pos + 4, v - hi * TWO_32);
    this.pos += 8;
  }
  i64(v: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.pos, v);
    this.pos += 8;
  }
  f32(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, v);
    this.pos += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }
  /** Beam's unsigned varint (7 bits a byte, low group first) of a non-negative safe integer. */
  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }
  /** int32 length, then the bytes. */
  bytes(b: Uint8Array): void {
    this.ensure(4 + b.length);
    this.view.setInt32(this.pos, b.length);
    this.buf.set(b, this.pos + 4);
    this.pos += 4 + b.length;
  }
  /** int32 length, then the UTF-8 bytes, encoded straight into the buffer (ASCII by hand when short). */
  utf8(s: string): void {
    const n = s.length;
    this.ensure(4 + n * 3);
    const buf = this.buf;
    const start = this.pos + 4;
    let p = start;
    let i = 0;
    if (n <= 16) {
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
    }
    if (i < n) p = start + buf.write(s, start, 'utf8');
    this.view.setInt32(this.pos, p - start);
    this.pos = p;
  }
  /** ASCII text known to be short (decimal strings), int32-length-prefixed. */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(4 + n);
    this.view.setInt32(this.pos, n);
    let p = this.pos + 4;
    for (let i = 0; i < n; i++) this.buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** A copy of the bytes written so far; the writer is then empty again (its buffer is kept). */
  finish(): Uint8Array {
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }
}

// Writers are reused across calls (a bundle's output buffer is the largest allocation of the row
// path); a call borrows one and gives it back. Concurrent calls (async UDFs) each get their own.
const spareWriters: ByteWriter[] = [];
const MAX_SPARE_BYTES = 64 << 20;

/** A writer with at least `capacity` bytes, reused from an earlier call when one is free. */
export function borrowWriter(capacity: number): ByteWriter {
  const w = spareWriters.pop() ?? new ByteWriter(capacity);
  w.pos = 0;
  w.ensure(capacity);
  return w;
}

/** Gives a writer back after `finish()` (very large ones are dropped rather than kept). */
export function returnWriter(w: ByteWriter): void {
  if (spareWriters.length < 4 && w.buf.length <= MAX_SPARE_BYTES) spareWriters.push(w);
}

/** Reads row-coder bytes; every read checks the bounds of the current element. */
export class ByteReader {
  readonly buf: Buffer;
  readonly view: DataView;
  pos: number;
  /** End of the current element (reads past it are errors). */
  end: number;

  constructor(bytes: Uint8Array) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.end = bytes.byteLength;
  }

  need(n: number): void {
    if (this.pos + n > this.end) {
      throw new RowCodecError(
        `truncated: needs ${n} byte(s) at offset ${this.pos}, the element ends at ${this.end}`,
      );
    }
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  i8(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }
  i16(): number {
    this.need(2);
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }
  /** A 64-bit integer as a JS number (exact within ±2^53), without BigInt. */
  i64n(): number {
    this.need(8);
    const v = this.view.getInt32(this.pos) * TWO_32 + this.view.getUint32(this.pos + 4);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }
  f32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }
  /** Beam varint, up to 2^53 (element lengths never come close). */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let k = 0; k < 8; k++) {
      if (this.pos >= this.end) throw new RowCodecError(`truncated varint at offset ${this.pos}`);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
    throw new RowCodecError(`varint too long at offset ${this.pos}`);
  }
  /** An int32 length that must fit in what is left of the element. */
  length(): number {
    const n = this.i32();
    if (n < 0 || this.pos + n > this.end) {
      throw new RowCodecError(`bad length ${n} at offset ${this.pos - 4} (the element ends at ${this.end})`);
    }
    return n;
  }
  bytes(): Uint8Array {
    const n = this.length();
    // A copy: the UDF may keep the value, and the input buffer belongs to the transport.
    const out = new Uint8Array(n);
    out.set(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }
  utf8(): string {
    const n = this.length();
    const start = this.pos;
    this.pos += n;
    return this.buf.toString('utf8', start, start + n);
  }
}
