/**
 * Fixed-pattern search over a whole string column's bytes: `contains`, `startsWith`, `endsWith`,
 * optionally through an ASCII case mapping (`lower(s).contains(p)` without building the lowered
 * column: see `Series.str.lower`).
 *
 * `contains` searches the whole byte buffer at once, mapping each hit to its row: the row pointer
 * only moves forward, after a hit the search skips to the next row, and a hit that would run past
 * its row's end does not count. On buffers of a few KiB and more, the matches (first and last
 * pattern byte in place, then the rest) come from a WebAssembly SIMD scan of 16 bytes per step (simd-scan.ts;
 * ~2× faster than the Horspool search on 50-byte URL rows, copy into the module included); small
 * buffers, or hosts without WebAssembly SIMD, use one Boyer–Moore–Horspool search (the pattern
 * moves by up to its length per step, looking at one byte). Horspool was ~1.6× faster than a
 * four-bytes-at-a-time first-byte filter in JS, and neither costs a native call per hit
 * (`Buffer#indexOf` costs ~100 ns per matching row).
 *
 * Case folding is ASCII-only, so callers use it only on columns that are all ASCII (checked with
 * Node's native `isAscii`): for those, lower-/upper-casing a row maps exactly the bytes A–Z / a–z.
 *
 * @example
 * const bits = newBitmap(n);
 * searchContains(offsets, bytes, n, utf8('video'), 'lower', bits); // rows whose lowercase contains 'video'
 */

import { simdScanner } from './simd-scan.js';

/** Below this many bytes, copying into the WebAssembly module costs more than it saves. */
const SIMD_MIN_BYTES = 1024;

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
  if (offsets[n]! - offsets[0]! >= SIMD_MIN_BYTES && simdContains(offsets, bytes, n, pat, fold, bits)) return;
  // Horspool: how far the pattern may move when the byte under its last position is b.
  const shift = new Int32Array(256).fill(m);
  for (let b = 0; b < 256; b++) {
    const f = t[b]!;
    for (let q = 0; q < m - 1; q++) if (pat[q] === f) shift[b] = m - 1 - q;
  }
  const tail = pat[m - 1]!;
  const end = offsets[n]!;
  let row = 0;
  let p = offsets[0]!;
  while (p + m <= end) {
    const b = bytes[p + m - 1]!;
    if (t[b] === tail && matchAt(bytes, p, pat, t)) {
      while (offsets[row + 1]! <= p) row++;
      if (p + m <= offsets[row + 1]!) {
        bits[row >>> 3]! |= 1 << (row & 7);
        row++;
        if (row >= n) return;
        p = offsets[row]!; // one hit per row is enough
        continue;
      }
      // A hit running past its row's end does not count; the shift below stays valid.
    }
    p += shift[b]!;
  }
}

/**
 * The (or-mask, value) with `t[b] === c` ⇔ `(b | or) === value` for the fold's table t; null when
 * no byte folds to c (an upper-case letter under 'lower', a lower-case one under 'upper').
 */
function foldKey(c: number, fold: Fold): [number, number] | null {
  const lowerLetter = c >= 97 && c <= 122;
  const upperLetter = c >= 65 && c <= 90;
  if (fold === 'none' || (!lowerLetter && !upperLetter)) return [0, c];
  if (fold === 'lower') return lowerLetter ? [0x20, c] : null;
  return upperLetter ? [0x20, c | 0x20] : null;
}

/** `searchContains` over SIMD matches; false when WebAssembly SIMD is not there (nothing done). */
function simdContains(
  offsets: Int32Array,
  bytes: Uint8Array,
  n: number,
  pat: Uint8Array,
  fold: Fold,
  bits: Uint8Array,
): boolean {
  const scanner = simdScanner();
  const m = pat.length;
  if (scanner === null || m > 255) return false;
  const or = new Uint8Array(m);
  const value = new Uint8Array(m);
  for (let q = 0; q < m; q++) {
    const key = foldKey(pat[q]!, fold);
    if (key === null) return true; // no row can match
    or[q] = key[0];
    value[q] = key[1];
  }
  const start = offsets[0]!;
  const end = offsets[n]!;
  const pairs = scanner.matchBlocks(bytes, start, end, or, value);
  const blocks = pairs.length >>> 1;
  let row = 0;
  let skip = start; // matches before this are in a row already found
  for (let k = 0; k < blocks; k++) {
    const base = start + pairs[2 * k]!;
    let mask = pairs[2 * k + 1]!;
    while (mask !== 0) {
      const at = base + 31 - Math.clz32(mask & -mask);
      mask &= mask - 1;
      if (at + m > end) return true;
      if (at < skip) continue;
      while (offsets[row + 1]! <= at) row++;
      if (at + m <= offsets[row + 1]!) {
        bits[row >>> 3]! |= 1 << (row & 7);
        skip = offsets[row + 1]!; // one hit per row is enough
      }
    }
  }
  return true;
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
