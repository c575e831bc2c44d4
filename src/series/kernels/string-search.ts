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

function foldByte(c: number, fold: Fold): number {
  if (fold === 'lower') return c - 65 < 26 && c >= 65 ? c + 32 : c;
  if (fold === 'upper') return c - 97 < 26 && c >= 97 ? c - 32 : c;
  return c;
}

/** Whether `bytes[at, at + m)`, case-folded, equals the pattern (taken as it is). */
function matchAt(bytes: Uint8Array, at: number, pat: Uint8Array, fold: Fold): boolean {
  const m = pat.length;
  if (fold === 'none') {
    for (let q = 0; q < m; q++) if (bytes[at + q] !== pat[q]) return false;
    return true;
  }
  for (let q = 0; q < m; q++) if (foldByte(bytes[at + q]!, fold) !== pat[q]) return false;
  return true;
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
  const last = offsets[n] ?? 0;
  if (n === 0 || m === 0) return;
  // A byte b can start a match only if fold(b) === pat[0], which implies (b | or) & and === key.
  const first = pat[0]!;
  const or = fold === 'lower' ? 0x20 : 0;
  const and = fold === 'upper' ? 0xdf : 0xff;
  const key = (first | or) & and;
  const orW = Math.imul(or, 0x01010101);
  const andW = Math.imul(and, 0x01010101) | 0;
  const keyW = Math.imul(key, 0x01010101);
  const words =
    (bytes.byteOffset & 3) === 0
      ? new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2)
      : null;
  const lastWord = words === null ? -1 : Math.min(words.length, last >>> 2) - 1; // words wholly before `last`
  let row = 0;
  let p = offsets[0] ?? 0;
  const stop = last - m; // the last position a match can start at
  while (p <= stop) {
    // Skip to the next byte that could start a match: bytes to a word boundary, then whole words.
    if (words !== null) {
      while ((p & 3) !== 0 && p <= stop && ((bytes[p]! | or) & and) !== key) p++;
      if ((p & 3) === 0) {
        let k = p >>> 2;
        while (k <= lastWord) {
          const x = ((words[k]! | orW) & andW) ^ keyW;
          if ((((x - 0x01010101) | 0) & ~x & 0x80808080) !== 0) break;
          k++;
        }
        p = k << 2;
      }
    }
    while (p <= stop && ((bytes[p]! | or) & and) !== key) p++;
    if (p > stop) break;
    while (offsets[row + 1]! <= p) row++;
    const end = offsets[row + 1]!;
    if (p + m <= end && matchAt(bytes, p, pat, fold)) {
      bits[row >>> 3]! |= 1 << (row & 7);
      row++;
      if (row >= n) break;
      p = offsets[row]!;
    } else {
      p++;
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
  for (let i = 0; i < n; i++) {
    const s = offsets[i]!;
    const e = offsets[i + 1]!;
    if (e - s >= m && matchAt(bytes, atEnd ? e - m : s, pat, fold)) bits[i >>> 3]! |= 1 << (i & 7);
  }
}
