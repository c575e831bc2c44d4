/**
 * Validity / boolean bitmaps, word at a time.
 *
 * Arrow bitmaps are LSB first (bit 0 of byte 0 is row 0) and may start at any bit offset (a sliced
 * vector keeps its parent's bitmap and an `offset`). Kernels want 32-bit words whose bit 0 is
 * row 0, so {@link wordsOf} returns such words: a zero-copy `Int32Array` view when the bitmap
 * happens to start on a 4-byte boundary (the common case: IPC buffers are 8-byte aligned), or a
 * shifted copy otherwise. Bits past the last row are unspecified in words from `wordsOf`; every
 * bitmap made here has them cleared, so it can be written to IPC as is.
 *
 * @example
 * const bits = newBitmap(40);          // 8 bytes, all null
 * setBit(bits, 3);
 * wordsOf(bits, 0, 40)[0] === 8;       // true
 * countSet(wordsOf(bits, 0, 40), 40);  // 1
 */

/** Bytes of a bitmap of `n` bits, rounded up to 8 bytes (Arrow's minimum alignment). */
export function bitmapBytes(n: number): number {
  return ((n + 63) >>> 6) << 3;
}

/** Number of 32-bit words covering `n` bits. */
export function wordCount(n: number): number {
  return (n + 31) >>> 5;
}

/** A zeroed bitmap for `n` bits (every row null / false). */
export function newBitmap(n: number): Uint8Array {
  return new Uint8Array(bitmapBytes(n));
}

/** A `Int32Array` view over a bitmap made by {@link newBitmap} (its byte length is a multiple of 8). */
export function wordView(bits: Uint8Array): Int32Array {
  return new Int32Array(bits.buffer, bits.byteOffset, bits.byteLength >>> 2);
}

/** Whether bit `i` is set. */
export function getBit(bits: Uint8Array, i: number): boolean {
  return (bits[i >>> 3]! & (1 << (i & 7))) !== 0;
}

/** Sets bit `i`. */
export function setBit(bits: Uint8Array, i: number): void {
  bits[i >>> 3]! |= 1 << (i & 7);
}

/** Clears bit `i`. */
export function clearBit(bits: Uint8Array, i: number): void {
  bits[i >>> 3]! &= ~(1 << (i & 7));
}

/** Set bits in a 32-bit word (SWAR popcount). */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Mask of the valid bits of the last word of an `n`-bit bitmap (all ones when `n` fills it). */
export function tailMask(n: number): number {
  const r = n & 31;
  return r === 0 ? -1 : (1 << r) - 1;
}

/** Number of set bits among the first `n` bits of `words` (bits past `n` are ignored). */
export function countSet(words: Int32Array, n: number): number {
  const full = n >>> 5;
  let c = 0;
  for (let w = 0; w < full; w++) c += popcount32(words[w]!);
  if ((n & 31) !== 0) c += popcount32(words[full]! & tailMask(n));
  return c;
}

/**
 * The first `n` bits of `bits`, starting at bit `bitOffset`, as 32-bit words with bit 0 = row 0.
 * Zero-copy when the start is byte-aligned on a 4-byte boundary and the buffer holds every word;
 * otherwise a copy (shifted when the offset is not a multiple of 8). Bits past `n` are unspecified.
 */
export function wordsOf(bits: Uint8Array, bitOffset: number, n: number): Int32Array {
  const words = wordCount(n);
  const startByte = bits.byteOffset + (bitOffset >>> 3);
  const shift = bitOffset & 7;
  if (shift === 0 && (startByte & 3) === 0 && startByte + words * 4 <= bits.buffer.byteLength) {
    return new Int32Array(bits.buffer, startByte, words);
  }
  // Copy the bytes that hold the bits (plus one for the shift), then shift whole words.
  const out = new Int32Array(words + 1);
  const bytes = new Uint8Array(out.buffer);
  const from = bitOffset >>> 3;
  const end = Math.min(bits.length, from + ((n + shift + 7) >>> 3));
  bytes.set(bits.subarray(from, end));
  if (shift !== 0) {
    const back = 32 - shift;
    for (let w = 0; w < words; w++) out[w] = (out[w]! >>> shift) | (out[w + 1]! << back);
  }
  return out.subarray(0, words);
}

/** A bitmap and the bit its row 0 starts at: one input to {@link andValidity}. */
export interface BitsAt {
  readonly bits: Uint8Array;
  readonly offset: number;
}

/** A fresh validity bitmap with its null count; `bitmap` is null when no row is null. */
export interface Validity {
  readonly bitmap: Uint8Array | null;
  readonly nullCount: number;
}

/** Validity of `n` rows where every row is valid. */
export const ALL_VALID: Validity = { bitmap: null, nullCount: 0 };

/**
 * Bitmap AND of the validities of several inputs (null entries are all-valid inputs), with the
 * null count. Reuses an input bitmap without copying when it is the only one and starts at row 0
 * on a byte boundary.
 */
export function andValidity(inputs: readonly (BitsAt | null)[], n: number): Validity {
  const present = inputs.filter((x): x is BitsAt => x !== null);
  if (present.length === 0 || n === 0) return ALL_VALID;
  if (present.length === 1) return copyValidity(present[0]!, n);
  const out = newBitmap(n);
  const ow = wordView(out);
  const words = wordCount(n);
  const first = wordsOf(present[0]!.bits, present[0]!.offset, n);
  const second = wordsOf(present[1]!.bits, present[1]!.offset, n);
  for (let w = 0; w < words; w++) ow[w] = first[w]! & second[w]!;
  for (let k = 2; k < present.length; k++) {
    const more = wordsOf(present[k]!.bits, present[k]!.offset, n);
    for (let w = 0; w < words; w++) ow[w] = ow[w]! & more[w]!;
  }
  return finishBitmap(out, n);
}

/**
 * Rows valid in every input (null entries are all-valid inputs): `n -` this is the null count of
 * their {@link andValidity}, counted without building the AND.
 */
export function countAllValid(inputs: readonly (BitsAt | null)[], n: number): number {
  const present = inputs.filter((x): x is BitsAt => x !== null);
  if (present.length === 0 || n === 0) return n;
  if (present.length === 1) return countSetBits(present[0]!.bits, present[0]!.offset, n);
  const full = n >>> 5;
  const a = wordsOf(present[0]!.bits, present[0]!.offset, n);
  const b = wordsOf(present[1]!.bits, present[1]!.offset, n);
  let c = 0;
  if (present.length === 2) {
    for (let w = 0; w < full; w++) c += popcount32(a[w]! & b[w]!);
    if ((n & 31) !== 0) c += popcount32(a[full]! & b[full]! & tailMask(n));
    return c;
  }
  const more = present.slice(2).map((x) => wordsOf(x.bits, x.offset, n));
  const words = wordCount(n);
  for (let w = 0; w < words; w++) {
    let x = a[w]! & b[w]!;
    for (const m of more) x &= m[w]!;
    c += popcount32(w === full ? x & tailMask(n) : x);
  }
  return c;
}

/** Words the AND is built in before it is copied out (reused: writes are synchronous). */
let andScratch = new Int32Array(0);

/**
 * Writes the validity bytes {@link andValidity} would make for `inputs` — `(n + 7) >> 3` of them —
 * at `out[pos]`, without a bitmap of its own: straight into an outgoing message. (Call it when
 * some row is null; with none, andValidity has no bitmap.)
 */
export function writeAndValidity(
  inputs: readonly (BitsAt | null)[],
  n: number,
  out: Uint8Array,
  pos: number,
): void {
  const present = inputs.filter((x): x is BitsAt => x !== null);
  const nBytes = (n + 7) >>> 3;
  if (present.length === 0 || n === 0) {
    out.fill(0xff, pos, pos + nBytes);
    clearTailByte(out, pos, n);
    return;
  }
  const first = present[0]!;
  if (present.length === 1 && (first.offset & 7) === 0) {
    // andValidity shares such a bitmap as it is (copyValidity): the same bytes
    const start = first.offset >>> 3;
    if (start + nBytes <= first.bits.length) {
      out.set(first.bits.subarray(start, start + nBytes), pos);
      return;
    }
  }
  const words = wordCount(n);
  if (andScratch.length < words) andScratch = new Int32Array(Math.max(words, 2 * andScratch.length));
  const acc = andScratch;
  acc.set(wordsOf(first.bits, first.offset, n));
  for (let k = 1; k < present.length; k++) {
    const more = wordsOf(present[k]!.bits, present[k]!.offset, n);
    for (let w = 0; w < words; w++) acc[w] = acc[w]! & more[w]!;
  }
  if ((n & 31) !== 0) acc[words - 1] = acc[words - 1]! & tailMask(n);
  out.set(new Uint8Array(acc.buffer, 0, nBytes), pos);
}

/** Clears the bits past row `n` in the last byte of an `n`-bit bitmap written at `out[pos]`. */
function clearTailByte(out: Uint8Array, pos: number, n: number): void {
  if ((n & 7) !== 0) out[pos + ((n - 1) >>> 3)]! &= (1 << (n & 7)) - 1;
}

/** Validity equal to one input's: shared when it starts on a byte boundary, else copied. */
export function copyValidity(input: BitsAt, n: number): Validity {
  if ((input.offset & 7) === 0) {
    const start = input.offset >>> 3;
    const end = start + ((n + 7) >>> 3);
    if (end <= input.bits.length) {
      const nulls = n - countSetBits(input.bits, input.offset, n);
      return nulls === 0 ? ALL_VALID : { bitmap: input.bits.subarray(start, end), nullCount: nulls };
    }
  }
  const out = newBitmap(n);
  const ow = wordView(out);
  ow.set(wordsOf(input.bits, input.offset, n));
  return finishBitmap(out, n);
}

/**
 * Clears the bits past row `n` of a bitmap made by {@link newBitmap}, counts its nulls, and drops it
 * when no row is null.
 */
export function finishBitmap(out: Uint8Array, n: number): Validity {
  clearTail(out, n);
  const nulls = n - countSet(wordView(out), n);
  return nulls === 0 ? ALL_VALID : { bitmap: out, nullCount: nulls };
}

/** Clears the bits past row `n` of a bitmap made by {@link newBitmap} (so it can go to IPC as is). */
export function clearTail(bits: Uint8Array, n: number): void {
  const w = wordView(bits);
  const words = wordCount(n);
  if ((n & 31) !== 0) w[words - 1] = w[words - 1]! & tailMask(n);
  for (let k = words; k < w.length; k++) w[k] = 0;
}

/** Number of set bits in `bits[offset, offset + n)`. */
export function countSetBits(bits: Uint8Array, offset: number, n: number): number {
  if (n === 0) return 0;
  return countSet(wordsOf(bits, offset, n), n);
}

/**
 * Copies `n` bits from `src` (starting at bit `srcOffset`) into `dst` at bit `dstOffset`; `dst` bits
 * outside the range are kept. Used to join chunks; not a hot path, so it goes byte by byte.
 */
export function copyBits(
  src: Uint8Array,
  srcOffset: number,
  dst: Uint8Array,
  dstOffset: number,
  n: number,
): void {
  const words = wordsOf(src, srcOffset, n);
  let i = 0;
  // Leading bits until dst is byte-aligned.
  while (i < n && ((dstOffset + i) & 7) !== 0) {
    writeBit(dst, dstOffset + i, (words[i >>> 5]! >>> (i & 31)) & 1);
    i++;
  }
  // Whole bytes.
  while (i + 8 <= n) {
    const w = i >>> 5;
    const s = i & 31;
    let byte = words[w]! >>> s;
    if (s > 24) byte |= words[w + 1]! << (32 - s);
    dst[(dstOffset + i) >>> 3] = byte & 0xff;
    i += 8;
  }
  while (i < n) {
    writeBit(dst, dstOffset + i, (words[i >>> 5]! >>> (i & 31)) & 1);
    i++;
  }
}

/** Sets `n` bits of `dst` starting at `dstOffset` to one. */
export function setBits(dst: Uint8Array, dstOffset: number, n: number): void {
  let i = 0;
  while (i < n && ((dstOffset + i) & 7) !== 0) setBit(dst, dstOffset + i++);
  const wholeEnd = i + ((n - i) & ~7);
  if (wholeEnd > i) dst.fill(0xff, (dstOffset + i) >>> 3, (dstOffset + wholeEnd) >>> 3);
  i = wholeEnd;
  while (i < n) setBit(dst, dstOffset + i++);
}

function writeBit(dst: Uint8Array, i: number, bit: number): void {
  if (bit) dst[i >>> 3]! |= 1 << (i & 7);
  else dst[i >>> 3]! &= ~(1 << (i & 7));
}

/**
 * Adds nulls to a validity without touching its bitmap (which may be an input's): the first
 * `clear` copies it (or makes an all-valid one), later ones write the copy.
 *
 * @example
 * const e = new ValidityEditor(ALL_VALID, 10);
 * e.clear(3);
 * e.finish().nullCount; // 1
 */
export class ValidityEditor {
  private own: Uint8Array | null = null;
  constructor(
    private readonly base: Validity,
    private readonly n: number,
  ) {}
  /** Marks row i null. */
  clear(i: number): void {
    if (this.own === null) {
      this.own = newBitmap(this.n);
      if (this.base.bitmap) wordView(this.own).set(wordsOf(this.base.bitmap, 0, this.n));
      else setBits(this.own, 0, this.n);
    }
    this.own[i >>> 3]! &= ~(1 << (i & 7));
  }
  /** The validity with the added nulls. */
  finish(): Validity {
    return this.own === null ? this.base : finishBitmap(this.own, this.n);
  }
}
