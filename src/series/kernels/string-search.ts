/**
 * Fixed-pattern search over a whole string column's bytes: `contains`, `startsWith`, `endsWith`,
 * optionally through an ASCII case mapping (`lower(s).contains(p)` without building the lowered
 * column: see `Series.str.lower`).
 *
 * `contains` walks the byte buffer once, four bytes at a time: a 32-bit word is skipped unless
 * one of its bytes could be the pattern's first byte (the SWAR "has a zero byte" test on
 * `word ^ first×0x01010101`, after folding the case with `| 0x20` or `& 0xDF`), and a candidate is
 * then checked byte by byte and mapped to its row (the row pointer only moves forward; after a hit
 * the scan jumps to the next row, and a hit that would run past its row's end does not count).
 * This costs about one pass over the bytes whatever the hit rate, where calling a native search
 * once per hit (`Buffer#indexOf`) costs ~100 ns per matching row.
 *
 * Case folding is ASCII-only, so callers use it only on columns that are all ASCII (checked with
 * Node's native `isAscii`): for those, lower-/upper-casing a row maps exactly the bytes A–Z / a–z.
 *
 * @example
 * const bits = newBitmap(n);
 * searchContains(offsets, bytes, n, utf8('video'), 'lower', bits); // rows whose lowercase contains 'video'
 */

/** How bytes are compared: as they are, or after mapping ASCII letters to lower / upper case. */
export type Fold = 'none' | 'lower' | 'upper';

/** Byte maps of each fold: identity, A–Z → a–z, a–z → A–Z. */
const TABLES: Record<Fold, Uint8Array> = {
  none: Uint8Array.from({ length: 256 }, (_, c) => c),
  lower: Uint8Array.from({ length: 256 }, (_, c) => (c >= 65 && c <= 90 ? c + 32 : c)),
  upper: Uint8Array.from({ length: 256 }, (_, c) => (c >= 97 && c <= 122 ? c - 32 : c)),
};

/** Whether `bytes[at, at + m)`, case-folded through `t`, equals the pattern (taken as it is). */
function matchAt(bytes: Uint8Array, at: number, pat: Uint8Array, t: Uint8Array): boolean {
  const m = pat.length;
  for (let q = 0; q < m; q++) if (t[bytes[at + q]!] !== pat[q]) return false;
  return true;
}

/** Bits 7, 15, 23, 31 set where the byte of `v` is zero (and possibly above one: a superset). */
function zeroBytes(v: number): number {
  return ((v - 0x01010101) | 0) & ~v & 0x80808080;
}

/**
 * Sets bit i of `bits` for every row i whose bytes, case-folded, contain `pat` (non-empty, taken as
 * it is: with `fold` 'lower' a pattern holding an upper-case letter matches nothing). Rows are
 * `bytes[offsets[i], offsets[i + 1])`.
 */
export function searchContains(
  offsets: Int32Array,
  bytes: Uint8Array,
  n: number,
  pat: Uint8Array,
  fold: Fold,
  bits: Uint8Array,
): void {
  const m = pat.length;
  if (n === 0 || m === 0) return;
  const t = TABLES[fold];
  const last = offsets[n]!;
  const stop = last - m; // the last position a match can start at
  // fold(b) === c implies (b | or) & and === (c | or) & and: the word filter's test.
  const or = fold === 'lower' ? 0x20 : 0;
  const and = fold === 'upper' ? 0xdf : 0xff;
  const orW = Math.imul(or, 0x01010101);
  const andW = Math.imul(and, 0x01010101) | 0;
  const k0 = Math.imul((pat[0]! | or) & and, 0x01010101);
  // The second pattern byte (or the first again for a one-byte pattern, which then filters nothing more).
  const k1 = Math.imul((pat[m > 1 ? 1 : 0]! | or) & and, 0x01010101);
  const shift = m > 1 ? 8 : 0;
  const aligned = (bytes.byteOffset & 3) === 0;
  const words = aligned ? new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2) : null;
  // Words k with k + 1 also readable and wholly before `last` can be filtered; the rest go byte by byte.
  const lastWord = words === null ? -1 : Math.min(words.length - 1, last >>> 2) - 1;
  let row = 0;
  let from = offsets[0]!; // no match starts before this (the current row's start after a hit)
  let k = from >>> 2;
  if (words !== null && k <= lastWord) {
    let x = (words[k]! | orW) & andW;
    while (k <= lastWord) {
      const y = (words[k + 1]! | orW) & andW;
      // Candidates: bytes j where byte j matches pat[0] and byte j + 1 matches pat[1].
      let z = zeroBytes(x ^ k0) & zeroBytes((shift === 0 ? x : (x >>> 8) | (y << 24)) ^ k1);
      let jumped = false;
      while (z !== 0) {
        const p = (k << 2) + ((31 - Math.clz32(z & -z)) >>> 3);
        z &= z - 1;
        if (p < from) continue;
        if (p > stop) return; // every later candidate is past the last possible start too
        while (offsets[row + 1]! <= p) row++;
        if (p + m <= offsets[row + 1]! && matchAt(bytes, p, pat, t)) {
          bits[row >>> 3]! |= 1 << (row & 7);
          row++;
          if (row >= n) return;
          from = offsets[row]!;
          jumped = true;
          break;
        }
      }
      if (jumped) {
        // Go on from the next row's start: on this word (its candidates before `from` are
        // skipped), or on the word holding it.
        if (from > (k << 2) + 3) {
          k = from >>> 2;
          if (k > lastWord) break;
          x = (words[k]! | orW) & andW;
        }
        continue;
      }
      k++;
      x = y;
    }
    from = Math.max(from, k << 2);
  }
  // The bytes the word filter did not cover.
  for (let p = from; p <= stop; p++) {
    if (t[bytes[p]!] !== pat[0]) continue;
    while (offsets[row + 1]! <= p) row++;
    if (p + m <= offsets[row + 1]! && matchAt(bytes, p, pat, t)) {
      bits[row >>> 3]! |= 1 << (row & 7);
      row++;
      if (row >= n) return;
      p = offsets[row]! - 1;
    }
  }
}

/** Sets bit i for every row that starts (`atEnd` false) or ends (`atEnd` true) with `pat`. */
export function searchAffix(
  offsets: Int32Array,
  bytes: Uint8Array,
  n: number,
  pat: Uint8Array,
  fold: Fold,
  atEnd: boolean,
  bits: Uint8Array,
): void {
  const m = pat.length;
  const t = TABLES[fold];
  for (let i = 0; i < n; i++) {
    const s = offsets[i]!;
    const e = offsets[i + 1]!;
    if (e - s >= m && matchAt(bytes, atEnd ? e - m : s, pat, t)) bits[i >>> 3]! |= 1 << (i & 7);
  }
}
