/**
 * Builds UTF-8 string columns from small integer ids into a dictionary of encoded strings:
 * offsets by a prefix sum, then bytes copied from the dictionary's pool. No JS string is made
 * per row. The result is a plain Arrow `Utf8` column (what Flink's STRING maps to), not an Arrow
 * dictionary column.
 *
 * @example
 * const enc = new TextEncoder();
 * const dict = new Utf8Dictionary([enc.encode('a'), enc.encode('bc')]);
 * dict.column(new Uint16Array([1, 0, 1])).toArray(); // ['bc', 'a', 'bc']
 */
import * as arrow from 'apache-arrow';

export class Utf8Dictionary {
  /** All entries' bytes, back to back. */
  readonly pool: Uint8Array;
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
  readonly size: number;
  /** Bytes of the longest entry. */
  private readonly longest: number;
  /** 32-bit words per entry in `words` (the longest entry, rounded up). */
  private readonly stride: number;
  /** Each entry's bytes as little-endian 32-bit words, zero-padded to `stride` words. */
  private readonly words: Uint32Array;

  constructor(entries: readonly Uint8Array[]) {
    this.size = entries.length;
    this.starts = new Int32Array(entries.length);
    this.lengths = new Int32Array(entries.length);
    let total = 0;
    let longest = 0;
    entries.forEach((e, d) => {
      this.starts[d] = total;
      this.lengths[d] = e.length;
      total += e.length;
      if (e.length > longest) longest = e.length;
    });
    this.pool = new Uint8Array(total);
    entries.forEach((e, d) => {
      this.pool.set(e, this.starts[d]);
    });
    this.longest = longest;
    this.stride = Math.max(1, (longest + 3) >>> 2);
    this.words = new Uint32Array(entries.length * this.stride);
    const wordBytes = new Uint8Array(this.words.buffer);
    entries.forEach((e, d) => {
      wordBytes.set(e, d * this.stride * 4);
    });
    if (new Uint8Array(Uint32Array.of(1).buffer)[0] !== 1) throw new Error('Utf8Dictionary: big-endian host');
  }

  /**
   * A column whose row i is entry `ids[i]`. With `validity` (Arrow bitmap, bit i = row i), rows
   * whose bit is 0 are null and their id is ignored.
   */
  column(
    ids: Uint16Array | Uint32Array | Int32Array,
    length = ids.length,
    validity?: { bitmap: Uint8Array; nullCount: number },
  ): arrow.Vector<arrow.Utf8> {
    const { lengths, words, stride, size, longest } = this;
    const bitmap = validity && validity.nullCount > 0 ? validity.bitmap : null;
    // One pass: the value buffer is sized for the longest entry per row (plus one entry of slack,
    // see below) and Arrow gets a view of the used part. Neither buffer is zero-filled: every
    // offset and every byte up to the last offset is written (zeroing cost more than the copy).
    const slack = stride * 4;
    if (length * longest + slack > 0x7fffffff)
      return this.columnTwoPass(ids, length, bitmap, validity?.nullCount ?? 0);
    const offsetsBuf = Buffer.allocUnsafeSlow((length + 1) * 4);
    const offsets = new Int32Array(offsetsBuf.buffer, offsetsBuf.byteOffset, length + 1);
    offsets[0] = 0;
    const bytesBuf = Buffer.allocUnsafeSlow(length * longest + slack);
    const bytes = new Uint8Array(bytesBuf.buffer, bytesBuf.byteOffset, bytesBuf.byteLength);
    // Each row's entry is copied as whole 32-bit words (unaligned little-endian stores, which V8
    // compiles to plain moves): a fixed number of stores per row instead of a byte loop whose
    // length varies. The padding written past an entry's end is overwritten by the next row or
    // lies past the last offset.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 0;
    for (let i = 0; i < length; i++) {
      if (bitmap === null || (bitmap[i >>> 3] & (1 << (i & 7))) !== 0) {
        const id = ids[i];
        if (!(id >= 0 && id < size))
          throw new RangeError(`Utf8Dictionary: id ${id} at row ${i} is not in 0..${size - 1}`);
        let w = id * stride;
        const wEnd = w + stride;
        for (let at = pos; w < wEnd; w++, at += 4) view.setUint32(at, words[w], true);
        pos += lengths[id];
      }
      offsets[i + 1] = pos;
    }
    return this.vector(length, offsets, bytes.subarray(0, pos), bitmap, validity?.nullCount ?? 0);
  }

  /** The same, sizing the value buffer exactly first (for columns too large for the one-pass bound). */
  private columnTwoPass(
    ids: Uint16Array | Uint32Array | Int32Array,
    length: number,
    bitmap: Uint8Array | null,
    nullCount: number,
  ): arrow.Vector<arrow.Utf8> {
    const { starts, lengths, pool, size } = this;
    const offsets = new Int32Array(length + 1);
    let total = 0;
    for (let i = 0; i < length; i++) {
      if (bitmap === null || (bitmap[i >>> 3] & (1 << (i & 7))) !== 0) {
        const id = ids[i];
        if (!(id >= 0 && id < size))
          throw new RangeError(`Utf8Dictionary: id ${id} at row ${i} is not in 0..${size - 1}`);
        total += lengths[id];
      }
      offsets[i + 1] = total;
    }
    if (total > 0x7fffffff) throw new RangeError('Utf8Dictionary: column exceeds 2 GiB of UTF-8');
    const bytes = new Uint8Array(total);
    let pos = 0;
    for (let i = 0; i < length; i++) {
      if (offsets[i + 1] === pos) continue;
      let s = starts[ids[i]];
      const e = s + lengths[ids[i]];
      while (s < e) bytes[pos++] = pool[s++];
    }
    return this.vector(length, offsets, bytes, bitmap, nullCount);
  }

  private vector(
    length: number,
    offsets: Int32Array,
    bytes: Uint8Array,
    bitmap: Uint8Array | null,
    nullCount: number,
  ): arrow.Vector<arrow.Utf8> {
    return arrow.makeVector(
      arrow.makeData({
        type: new arrow.Utf8(),
        length,
        nullCount: bitmap ? nullCount : 0,
        nullBitmap: bitmap ?? undefined,
        valueOffsets: offsets,
        data: bytes,
      }),
    );
  }
}
