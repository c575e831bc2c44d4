/**
 * The limits of the function-level suites: the same computations written by hand as loops over
 * the Arrow buffers of each batch (typed arrays, validity bitmaps ANDed 32 rows at a time), with
 * no Series, no executor and no result checks. A vectorized UDF is measured against these: the
 * gap is what the library's layers cost.
 *
 * Each function takes the batches and the indexes of its input columns, returns its outputs (so
 * that nothing is optimized away) and allocates its results as a real implementation must.
 *
 * @example
 * const [values, valid] = mulAddLoop(batches, 0, 1, 2)[0]!; // a*2+b over the first batch
 */
import type * as arrow from 'apache-arrow';
import { simdScanner } from '../../src/series/kernels/simd-scan.js';
import { haversineKm } from '../udfs.js';

function col(b: arrow.RecordBatch, i: number): arrow.Data {
  return b.data.children[i]!;
}

/** The validity bitmap of a column as 32-bit words (null: every row valid). Buffers start at row 0. */
function words(d: arrow.Data): Int32Array | null {
  if (d.nullCount === 0 || !d.nullBitmap) return null;
  const bits = d.nullBitmap;
  if ((bits.byteOffset & 3) === 0 && bits.byteLength >= ((d.length + 31) >> 5) << 2)
    return new Int32Array(bits.buffer, bits.byteOffset, (d.length + 31) >> 5);
  const copy = new Uint8Array(((d.length + 31) >> 5) << 2);
  copy.set(bits.subarray(0, Math.min(bits.length, copy.length)));
  return new Int32Array(copy.buffer);
}

/** AND of the given validities into a fresh bitmap (null when every input is all-valid). */
function andWords(n: number, ...inputs: (Int32Array | null)[]): Int32Array | null {
  const present = inputs.filter((w): w is Int32Array => w !== null);
  if (present.length === 0) return null;
  const out = new Int32Array(((n + 63) >> 6) << 1);
  const nw = (n + 31) >> 5;
  out.set(present[0]!.subarray(0, nw));
  for (let k = 1; k < present.length; k++) {
    const w = present[k]!;
    for (let j = 0; j < nw; j++) out[j] = out[j]! & w[j]!;
  }
  return out;
}

/** `a * k + b` (k = 1: plus) per batch: values and validity words. */
export function mulAddLoop(
  batches: readonly arrow.RecordBatch[],
  ia: number,
  ib: number,
  k: number,
): [Float64Array, Int32Array | null][] {
  return batches.map((batch) => {
    const da = col(batch, ia);
    const db = col(batch, ib);
    const n = batch.numRows;
    const a = da.values as Float64Array;
    const b = db.values as Float64Array;
    const out = new Float64Array(n);
    if (k === 1) for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
    else for (let i = 0; i < n; i++) out[i] = a[i]! * k + b[i]!;
    return [out, andWords(n, words(da), words(db))];
  });
}

/** Haversine distance over four DOUBLE columns per batch. */
export function haversineLoop(batches: readonly arrow.RecordBatch[], idx: readonly number[]): Float64Array[] {
  return batches.map((batch) => {
    const n = batch.numRows;
    const ds = idx.map((i) => col(batch, i));
    const [a, b, c, d] = ds.map((x) => x.values as Float64Array) as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = haversineKm(a[i]!, b[i]!, c[i]!, d[i]!);
    andWords(n, ...ds.map(words));
    return out;
  });
}

/**
 * Whether each row's bytes contain `needle` (lower-case ASCII) ignoring ASCII case, into a
 * bitmap. The fastest way there is in JS is WebAssembly SIMD, so this calls the library's row
 * scan (src/series/kernels/simd-scan.ts) straight on each batch's offsets and bytes: the same
 * copy and scan as the vectorized UDF, without Series, result vector, validity or the exact path
 * for non-ASCII rows (the URL data is ASCII; non-ASCII bytes are compared as they are). Where
 * WebAssembly SIMD is missing: one Horspool scan over the batch's whole byte buffer with a
 * case-folding table, a hit mapped to its row through the offsets, one hit per row.
 */
export function lowerContainsLoop(
  batches: readonly arrow.RecordBatch[],
  i: number,
  needle: string,
): Uint8Array[] {
  const pat = new TextEncoder().encode(needle);
  const m = pat.length;
  const scanner = simdScanner();
  const or = Uint8Array.from(pat, (c) => (c >= 0x61 && c <= 0x7a ? 0x20 : 0));
  const fold = new Uint8Array(256);
  for (let b = 0; b < 256; b++) fold[b] = b >= 65 && b <= 90 ? b | 32 : b;
  const shift = new Int32Array(256).fill(m);
  for (let b = 0; b < 256; b++) for (let q = 0; q < m - 1; q++) if (pat[q] === fold[b]) shift[b] = m - 1 - q;
  const last = pat[m - 1]!;
  return batches.map((batch) => {
    const d = col(batch, i);
    const n = batch.numRows;
    const offsets = d.valueOffsets as Int32Array;
    const bytes = d.values as Uint8Array;
    const out = new Uint8Array(((n + 63) >> 6) << 3);
    if (scanner !== null) {
      scanner.contains(offsets, bytes, n, or, pat, out);
      return out;
    }
    const end = offsets[n]!;
    let row = 0;
    let p = offsets[0]!;
    while (p + m <= end) {
      const b = bytes[p + m - 1]!;
      if (fold[b] === last) {
        let j = 0;
        while (j < m - 1 && fold[bytes[p + j]!] === pat[j]) j++;
        if (j === m - 1) {
          while (offsets[row + 1]! <= p) row++;
          if (p + m <= offsets[row + 1]!) {
            out[row >> 3]! |= 1 << (row & 7);
            if (++row >= n) break;
            p = offsets[row]!;
            continue;
          }
        }
      }
      p += shift[b]!;
    }
    return out;
  });
}

const DAY_MS = 86_400_000;

/** Hour of day (UTC) of a TIMESTAMP(3) column, read through its 32-bit words. */
export function hourLoop(batches: readonly arrow.RecordBatch[], i: number): Int32Array[] {
  return batches.map((batch) => {
    const d = col(batch, i);
    const n = batch.numRows;
    const v = d.values as BigInt64Array;
    const w = new Int32Array(v.buffer, v.byteOffset, 2 * n);
    const out = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const ms = w[2 * r + 1]! * 4294967296 + (w[2 * r]! >>> 0);
      out[r] = Math.floor((((ms % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000);
    }
    words(d);
    return out;
  });
}

/** FNV-1a of bytes [s, e). */
function hashBytes(bytes: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let k = s; k < e; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
  return h >>> 0;
}

/**
 * Mean of `x` per distinct `key` (STRING) per batch: keys hashed from their bytes into an
 * open-addressing table of group ids, sums and counts in typed arrays, nulls skipped.
 */
export function groupMeanLoop(
  batches: readonly arrow.RecordBatch[],
  keyIdx: number,
  xIdx: number,
): Float64Array[] {
  return batches.map((batch) => {
    const dk = col(batch, keyIdx);
    const dx = col(batch, xIdx);
    const n = batch.numRows;
    const offsets = dk.valueOffsets as Int32Array;
    const bytes = dk.values as Uint8Array;
    const x = dx.values as Float64Array;
    const xv = words(dx);
    let cap = 1024;
    while (cap < n * 2) cap <<= 1;
    const slots = new Int32Array(cap).fill(-1);
    const firstRow = new Int32Array(n);
    const sums = new Float64Array(n);
    const counts = new Float64Array(n);
    let groups = 0;
    for (let r = 0; r < n; r++) {
      const s = offsets[r]!;
      const e = offsets[r + 1]!;
      let h = hashBytes(bytes, s, e) & (cap - 1);
      let g = -1;
      for (;;) {
        const cand = slots[h]!;
        if (cand < 0) {
          g = groups++;
          slots[h] = g;
          firstRow[g] = r;
          break;
        }
        const fs = offsets[firstRow[cand]!]!;
        const fe = offsets[firstRow[cand]! + 1]!;
        if (fe - fs === e - s) {
          let k = 0;
          while (k < e - s && bytes[fs + k] === bytes[s + k]) k++;
          if (k === e - s) {
            g = cand;
            break;
          }
        }
        h = (h + 1) & (cap - 1);
      }
      if (xv === null || ((xv[r >> 5]! >>> (r & 31)) & 1) !== 0) {
        sums[g] = sums[g]! + x[r]!;
        counts[g] = counts[g]! + 1;
      }
    }
    const means = new Float64Array(groups);
    for (let g = 0; g < groups; g++) means[g] = counts[g]! > 0 ? sums[g]! / counts[g]! : Number.NaN;
    return means;
  });
}

/** (x − mean) / std (sample std, nulls skipped) per batch. */
export function normalizeLoop(batches: readonly arrow.RecordBatch[], i: number): Float64Array[] {
  return batches.map((batch) => {
    const d = col(batch, i);
    const n = batch.numRows;
    const x = d.values as Float64Array;
    const v = words(d);
    let sum = 0;
    let count = 0;
    for (let r = 0; r < n; r++) {
      if (v === null || ((v[r >> 5]! >>> (r & 31)) & 1) !== 0) {
        sum += x[r]!;
        count++;
      }
    }
    const mean = sum / count;
    let sq = 0;
    for (let r = 0; r < n; r++) {
      if (v === null || ((v[r >> 5]! >>> (r & 31)) & 1) !== 0) {
        const dx = x[r]! - mean;
        sq += dx * dx;
      }
    }
    const inv = 1 / Math.sqrt(sq / (count - 1));
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) out[r] = (x[r]! - mean) * inv;
    return out;
  });
}
