/**
 * Fixed-pattern search over a whole string column's bytes: `contains`, `startsWith`, `endsWith`,
 * optionally through an ASCII case mapping (`lower(s).contains(p)` without building the lowered
 * column: see kernels/string-cased.ts).
 *
 * `contains` on buffers of 1 KiB and more runs a WebAssembly SIMD scan (simd-scan.ts): row by row,
 * 32 bytes per step, the first match ends the row. Small buffers, or hosts without WebAssembly
 * SIMD, use one Boyer–Moore–Horspool search over the whole buffer (the pattern moves by up to its
 * length per step, looking at one byte), each hit mapped to its row through the offsets (the row
 * pointer only moves forward, a hit running past its row's end does not count).
 *
 * Case folding here is ASCII-only: the search compares `fold(byte)` with the pattern, where fold
 * maps A–Z to a–z ('lower') or a–z to A–Z ('upper'). On an ASCII row that is exactly the search of
 * the case-mapped row. On other rows a folded match is still a match of the case-mapped row (an
 * ASCII byte decodes to itself, and its case mapping is its fold), but a missing one proves
 * nothing: so, when asked (`undecided`), the rows without a folded match that hold a byte ≥ 0x80
 * are returned, for the caller to decide exactly.
 *
 * @example
 * const bits = newBitmap(n);
 * const undecided = searchContains(offsets, bytes, n, utf8('video'), 'lower', bits, true);
 */

import { type BitsAt, newBitmap } from '../bitmap.js';
import { SIMD_MAX_PATTERN, type SimdScanner, simdScanner } from './simd-scan.js';

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

/** Whether `bytes[s, e)` holds a byte ≥ 0x80. */
function hasHigh(bytes: Uint8Array, s: number, e: number): boolean {
  let acc = 0;
  for (let p = s; p < e; p++) acc |= bytes[p]!;
  return acc >= 0x80;
}

/**
 * The bitmap of the rows holding a byte ≥ 0x80 whose bit in `bits` (when given) is not set, or
 * null when there is none.
 */
function highRows(
  offsets: Int32Array,
  bytes: Uint8Array,
  n: number,
  bits: Uint8Array | null,
): Uint8Array | null {
  let out: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    if (
      (bits === null || (bits[i >>> 3]! & (1 << (i & 7))) === 0) &&
      hasHigh(bytes, offsets[i]!, offsets[i + 1]!)
    ) {
      out ??= newBitmap(n);
      out[i >>> 3]! |= 1 << (i & 7);
    }
  }
  return out;
}

/**
 * Sets bit i of `bits` for every row i whose bytes, case-folded, contain `pat` (non-empty, taken as
 * it is: with `fold` 'lower' a pattern holding an upper-case letter matches nothing). Rows are
 * `bytes[offsets[i], offsets[i + 1])`. With `undecided`, returns the bitmap of the rows without
 * a match that hold a byte ≥ 0x80 (null when there is none); without, null. With `valid`, the
 * null rows' bits and outcomes are left as they come (clear, or set: callers mask them).
 */
export function searchContains(
  offsets: Int32Array,
  bytes: Uint8Array,
  n: number,
  pat: Uint8Array,
  fold: Fold,
  bits: Uint8Array,
  undecided = false,
  valid: BitsAt | null = null,
): Uint8Array | null {
  const m = pat.length;
  if (n === 0 || m === 0) return null;
  if (offsets[n]! - offsets[0]! >= SIMD_MIN_BYTES && m <= SIMD_MAX_PATTERN) {
    const scanner = simdScanner();
    if (scanner !== null) {
      const rest = simdContains(scanner, offsets, bytes, n, pat, fold, bits, valid);
      return undecided ? rest : null;
    }
  }
  horspool(offsets, bytes, n, pat, TABLES[fold], bits);
  return undecided ? highRows(offsets, bytes, n, bits) : null;
}

/** `searchContains` as one Boyer–Moore–Horspool search over the whole buffer, through table t. */
function horspool(
  offsets: Int32Array,
  bytes: Uint8Array,
  n: number,
  pat: Uint8Array,
  t: Uint8Array,
  bits: Uint8Array,
): void {
  const m = pat.length;
  // How far the pattern may move when the byte under its last position is b.
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

/** A pattern as the SIMD scan takes it: OR masks and values, or null when no byte can match. */
type ScanKey = { or: Uint8Array; value: Uint8Array } | null;

// Scan keys per pattern (the bytes `patternBytes` keeps across batches) and fold.
const scanKeys = new WeakMap<Uint8Array, Partial<Record<Fold, ScanKey>>>();

function scanKey(pat: Uint8Array, fold: Fold): ScanKey {
  let byFold = scanKeys.get(pat);
  if (byFold === undefined) {
    byFold = {};
    scanKeys.set(pat, byFold);
  }
  let key = byFold[fold];
  if (key === undefined) {
    const m = pat.length;
    key = { or: new Uint8Array(m), value: new Uint8Array(m) };
    for (let q = 0; q < m; q++) {
      const k = foldKey(pat[q]!, fold);
      if (k === null) {
        key = null;
        break;
      }
      key.or[q] = k[0];
      key.value[q] = k[1];
    }
    byFold[fold] = key;
  }
  return key;
}

/** `searchContains` through the SIMD scan; returns the rows left undecided (see there). */
function simdContains(
  scanner: SimdScanner,
  offsets: Int32Array,
  bytes: Uint8Array,
  n: number,
  pat: Uint8Array,
  fold: Fold,
  bits: Uint8Array,
  valid: BitsAt | null,
): Uint8Array | null {
  const key = scanKey(pat, fold);
  if (key === null) return scanner.nonAsciiRows(offsets, bytes, n); // no row matches
  return scanner.contains(offsets, bytes, n, key.or, key.value, bits, valid);
}

/**
 * Sets bit i for every row that starts (`atEnd` false) or ends (`atEnd` true) with `pat`, through
 * the fold; with `undecided`, returns the bitmap of the other rows holding a byte ≥ 0x80 (null
 * when there is none).
 */
export function searchAffix(
  offsets: Int32Array,
  bytes: Uint8Array,
  n: number,
  pat: Uint8Array,
  fold: Fold,
  atEnd: boolean,
  bits: Uint8Array,
  undecided = false,
): Uint8Array | null {
  const m = pat.length;
  const t = TABLES[fold];
  for (let i = 0; i < n; i++) {
    const s = offsets[i]!;
    const e = offsets[i + 1]!;
    if (e - s >= m && matchAt(bytes, atEnd ? e - m : s, pat, t)) bits[i >>> 3]! |= 1 << (i & 7);
  }
  return undecided ? highRows(offsets, bytes, n, bits) : null;
}

/**
 * The bitmap of the rows holding a byte ≥ 0x80, or null when there is none (the SIMD scan on
 * buffers of 1 KiB and more).
 */
export function nonAsciiRows(offsets: Int32Array, bytes: Uint8Array, n: number): Uint8Array | null {
  if (n === 0) return null;
  if (offsets[n]! - offsets[0]! >= SIMD_MIN_BYTES) {
    const scanner = simdScanner();
    if (scanner !== null) return scanner.nonAsciiRows(offsets, bytes, n);
  }
  return highRows(offsets, bytes, n, null);
}
