/**
 * Grouped aggregation kernels: one pass over a column's typed arrays, accumulating into per-group
 * arrays indexed by the group ids of {@link groupRows} — no per-group slicing, no per-row objects.
 *
 * Nulls are skipped, as in SQL: `count` counts non-null values; a group with no non-null value gets
 * null from `sum`, `mean`, `min`, `max`; `var` and `std` are the sample ones (n − 1) and null below
 * two values. NaN takes part in sums and means (a sum with a NaN is NaN); `min` / `max` skip it unless a
 * group has nothing else, as `Series.min` / `max` do.
 *
 * Result types: `count` → BIGINT NOT NULL; `sum` of an integer column → BIGINT (exact, an overflow
 * of the 64-bit range throws), of a float column → DOUBLE; `mean`, `var`, `std` → DOUBLE; `min`,
 * `max` → the column's own type.
 *
 * @example
 * const g = groupRows([keys]);
 * const totals = groupedAggregate(amounts, 'sum', g.groupIds, g.numGroups); // a Vector, one row per group
 */
import { type Data, Float64, Int64, makeData, Type, Vector } from 'apache-arrow';

/** The built-in aggregations. */
export type AggName = 'sum' | 'mean' | 'count' | 'min' | 'max' | 'var' | 'std';

export const AGG_NAMES: readonly AggName[] = ['sum', 'mean', 'count', 'min', 'max', 'var', 'std'];

/** Column layouts the kernels read: 8/16/32-bit integers and floats as numbers, 64-bit ints as words. */
type Layout = 'number' | 'int64' | 'other';

function layoutOf(vector: Vector): Layout {
  const t = vector.type;
  switch (t.typeId) {
    case Type.Int:
      return (t as { bitWidth: number }).bitWidth === 64
        ? (t as { isSigned: boolean }).isSigned
          ? 'int64'
          : 'other'
        : 'number';
    case Type.Float:
      // Float16 holds raw half-float bits in a Uint16Array: not readable as numbers here
      return (t as { precision: number }).precision === 0 ? 'other' : 'number';
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Duration:
      return (vector.data[0]?.values as ArrayBufferView | undefined) instanceof BigInt64Array
        ? 'int64'
        : 'number';
    default:
      return 'other';
  }
}

/** True when {@link groupedAggregate} has a kernel for `op` over this column. */
export function hasGroupedKernel(vector: Vector, op: AggName): boolean {
  if (op === 'count') return true;
  const layout = layoutOf(vector);
  if (layout === 'other') return false;
  // only min/max keep a date/time column's type; a sum of timestamps is not a timestamp
  const plainNumber = vector.type.typeId === Type.Int || vector.type.typeId === Type.Float;
  return plainNumber || op === 'min' || op === 'max';
}

/**
 * Aggregates `vector` per group. Throws when there is no kernel for it (check
 * {@link hasGroupedKernel} first and fall back to per-group Series for other types).
 */
export function groupedAggregate(
  vector: Vector,
  op: AggName,
  groupIds: Int32Array,
  numGroups: number,
): Vector {
  if (groupIds.length !== vector.length) {
    throw new RangeError(
      `groupedAggregate: ${groupIds.length} group ids for a column of ${vector.length} rows`,
    );
  }
  if (!hasGroupedKernel(vector, op)) {
    throw new TypeError(`groupedAggregate: no '${op}' kernel for Arrow type ${vector.type}`);
  }
  const chunks = vector.data as Data[];
  if (op === 'count') return int64Vector(counts(chunks, groupIds, numGroups), null);
  const layout = layoutOf(vector);
  const isInt = vector.type.typeId === Type.Int;
  switch (op) {
    case 'sum':
      if (layout === 'int64') return sumInt64(chunks, groupIds, numGroups);
      return isInt ? sumInt32(chunks, groupIds, numGroups) : sumFloat(chunks, groupIds, numGroups);
    case 'mean':
    case 'var':
    case 'std':
      return moments(chunks, layout, op, groupIds, numGroups);
    case 'min':
    case 'max':
      return layout === 'int64'
        ? extremeInt64(chunks, op === 'max', groupIds, numGroups)
        : extremeNumber(chunks, op === 'max', groupIds, numGroups);
  }
}

function validAt(d: Data, i: number): boolean {
  const bit = d.offset + i;
  return (d.nullBitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

/** Validity bitmap with bit g set where `ok[g]` is non-zero; undefined when all are set. */
function bitmapOf(
  ok: ArrayLike<number>,
  numGroups: number,
): { bitmap: Uint8Array | undefined; nulls: number } {
  let nulls = 0;
  const bitmap = new Uint8Array(((numGroups + 63) >> 6) << 3);
  for (let g = 0; g < numGroups; g++) {
    if (ok[g]) bitmap[g >> 3]! |= 1 << (g & 7);
    else nulls++;
  }
  return { bitmap: nulls === 0 ? undefined : bitmap, nulls };
}

function float64Vector(values: Float64Array, ok: ArrayLike<number>): Vector {
  const { bitmap, nulls } = bitmapOf(ok, values.length);
  return new Vector([
    makeData({
      type: new Float64(),
      length: values.length,
      nullCount: nulls,
      nullBitmap: bitmap,
      data: values,
    }),
  ]);
}

/** An Int64 vector from per-group values given as exact numbers (safe integers). */
function int64Vector(values: Float64Array, ok: ArrayLike<number> | null): Vector {
  const n = values.length;
  const out = new BigInt64Array(n);
  const words = new Int32Array(out.buffer);
  for (let g = 0; g < n; g++) {
    const v = values[g]!;
    const hi = Math.floor(v / 4294967296);
    words[2 * g] = v - hi * 4294967296;
    words[2 * g + 1] = hi;
  }
  const { bitmap, nulls } = ok === null ? { bitmap: undefined, nulls: 0 } : bitmapOf(ok, n);
  return new Vector([
    makeData({ type: new Int64(), length: n, nullCount: nulls, nullBitmap: bitmap, data: out }),
  ]);
}

/** Non-null values per group. */
function counts(chunks: Data[], groupIds: Int32Array, numGroups: number): Float64Array {
  const cnt = new Float64Array(numGroups);
  let base = 0;
  for (const d of chunks) {
    const len = d.length;
    if (d.typeId === Type.Null) {
      base += len;
      continue;
    }
    const hasNulls = d.nullCount > 0;
    for (let i = 0; i < len; i++) if (!hasNulls || validAt(d, i)) cnt[groupIds[base + i]!]!++;
    base += len;
  }
  return cnt;
}

function sumFloat(chunks: Data[], groupIds: Int32Array, numGroups: number): Vector {
  const acc = new Float64Array(numGroups);
  const cnt = new Int32Array(numGroups);
  let base = 0;
  for (const d of chunks) {
    const v = d.values as ArrayLike<number>;
    const len = d.length;
    const hasNulls = d.nullCount > 0;
    for (let i = 0; i < len; i++) {
      if (hasNulls && !validAt(d, i)) continue;
      const g = groupIds[base + i]!;
      acc[g]! += v[i]!;
      cnt[g]!++;
    }
    base += len;
  }
  return float64Vector(acc, cnt);
}

/**
 * Exact sums of ≤ 32-bit integers: the high and low 16 bits are summed apart, each total staying
 * far below 2^53 for any column length, then combined as a bigint per group.
 */
function sumInt32(chunks: Data[], groupIds: Int32Array, numGroups: number): Vector {
  const hi = new Float64Array(numGroups);
  const lo = new Float64Array(numGroups);
  const cnt = new Int32Array(numGroups);
  let base = 0;
  for (const d of chunks) {
    const v = d.values as ArrayLike<number>;
    const len = d.length;
    const hasNulls = d.nullCount > 0;
    for (let i = 0; i < len; i++) {
      if (hasNulls && !validAt(d, i)) continue;
      const g = groupIds[base + i]!;
      const x = v[i]!;
      const h = Math.floor(x / 65536);
      hi[g]! += h;
      lo[g]! += x - h * 65536;
      cnt[g]!++;
    }
    base += len;
  }
  const out = new BigInt64Array(numGroups);
  for (let g = 0; g < numGroups; g++) out[g] = BigInt(hi[g]!) * 65536n + BigInt(lo[g]!);
  const { bitmap, nulls } = bitmapOf(cnt, numGroups);
  return new Vector([
    makeData({ type: new Int64(), length: numGroups, nullCount: nulls, nullBitmap: bitmap, data: out }),
  ]);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Exact sums of 64-bit integers: four 16-bit limbs summed apart (read as 32-bit words, no BigInt per row). */
function sumInt64(chunks: Data[], groupIds: Int32Array, numGroups: number): Vector {
  const l0 = new Float64Array(numGroups);
  const l1 = new Float64Array(numGroups);
  const l2 = new Float64Array(numGroups);
  const l3 = new Float64Array(numGroups); // signed top limb
  const cnt = new Int32Array(numGroups);
  let base = 0;
  for (const d of chunks) {
    const v = d.values as BigInt64Array;
    const w = new Int32Array(v.buffer, v.byteOffset, d.length * 2);
    const len = d.length;
    const hasNulls = d.nullCount > 0;
    for (let i = 0; i < len; i++) {
      if (hasNulls && !validAt(d, i)) continue;
      const g = groupIds[base + i]!;
      const lo = w[2 * i]!;
      const hi = w[2 * i + 1]!;
      l0[g]! += lo & 0xffff;
      l1[g]! += lo >>> 16;
      l2[g]! += hi & 0xffff;
      l3[g]! += hi >> 16;
      cnt[g]!++;
    }
    base += len;
  }
  const out = new BigInt64Array(numGroups);
  for (let g = 0; g < numGroups; g++) {
    const s =
      ((BigInt(l3[g]!) * 65536n + BigInt(l2[g]!)) * 65536n + BigInt(l1[g]!)) * 65536n + BigInt(l0[g]!);
    if (s < INT64_MIN || s > INT64_MAX) throw new RangeError(`sum overflows BIGINT in group ${g}: ${s}`);
    out[g] = s;
  }
  const { bitmap, nulls } = bitmapOf(cnt, numGroups);
  return new Vector([
    makeData({ type: new Int64(), length: numGroups, nullCount: nulls, nullBitmap: bitmap, data: out }),
  ]);
}

/** Mean, and (two-pass, for accuracy) the sample variance or standard deviation. */
function moments(
  chunks: Data[],
  layout: Layout,
  op: 'mean' | 'var' | 'std',
  groupIds: Int32Array,
  numGroups: number,
) {
  const sum = new Float64Array(numGroups);
  const cnt = new Int32Array(numGroups);
  const wide = layout === 'int64';
  let base = 0;
  for (const d of chunks) {
    const len = d.length;
    const hasNulls = d.nullCount > 0;
    if (wide) {
      const v = d.values as BigInt64Array;
      const w = new Int32Array(v.buffer, v.byteOffset, len * 2);
      for (let i = 0; i < len; i++) {
        if (hasNulls && !validAt(d, i)) continue;
        const g = groupIds[base + i]!;
        sum[g]! += w[2 * i + 1]! * 4294967296 + (w[2 * i]! >>> 0);
        cnt[g]!++;
      }
    } else {
      const v = d.values as ArrayLike<number>;
      for (let i = 0; i < len; i++) {
        if (hasNulls && !validAt(d, i)) continue;
        const g = groupIds[base + i]!;
        sum[g]! += v[i]!;
        cnt[g]!++;
      }
    }
    base += len;
  }
  const mean = new Float64Array(numGroups);
  for (let g = 0; g < numGroups; g++) mean[g] = sum[g]! / cnt[g]!;
  if (op === 'mean') return float64Vector(mean, cnt);
  const ss = new Float64Array(numGroups);
  base = 0;
  for (const d of chunks) {
    const len = d.length;
    const hasNulls = d.nullCount > 0;
    if (wide) {
      const v = d.values as BigInt64Array;
      const w = new Int32Array(v.buffer, v.byteOffset, len * 2);
      for (let i = 0; i < len; i++) {
        if (hasNulls && !validAt(d, i)) continue;
        const g = groupIds[base + i]!;
        const e = w[2 * i + 1]! * 4294967296 + (w[2 * i]! >>> 0) - mean[g]!;
        ss[g]! += e * e;
      }
    } else {
      const v = d.values as ArrayLike<number>;
      for (let i = 0; i < len; i++) {
        if (hasNulls && !validAt(d, i)) continue;
        const g = groupIds[base + i]!;
        const e = v[i]! - mean[g]!;
        ss[g]! += e * e;
      }
    }
    base += len;
  }
  const out = new Float64Array(numGroups);
  const ok = new Uint8Array(numGroups);
  for (let g = 0; g < numGroups; g++) {
    const c = cnt[g]!;
    if (c < 2) continue;
    ok[g] = 1;
    const variance = ss[g]! / (c - 1);
    out[g] = op === 'std' ? Math.sqrt(variance) : variance;
  }
  return float64Vector(out, ok);
}

/**
 * Min / max of number-readable columns; the result keeps the column's Arrow type. NaN is skipped
 * unless a group holds nothing else (then the result is NaN), as `Series.min` / `max` do.
 */
function extremeNumber(chunks: Data[], isMax: boolean, groupIds: Int32Array, numGroups: number): Vector {
  const best = new Float64Array(numGroups);
  // 0 = no value yet, 1 = only NaN so far, 2 = a number
  const state = new Uint8Array(numGroups);
  let base = 0;
  for (const d of chunks) {
    const v = d.values as ArrayLike<number>;
    const len = d.length;
    const hasNulls = d.nullCount > 0;
    for (let i = 0; i < len; i++) {
      if (hasNulls && !validAt(d, i)) continue;
      const g = groupIds[base + i]!;
      const x = v[i]!;
      if (Number.isNaN(x)) {
        if (state[g] === 0) {
          state[g] = 1;
          best[g] = x;
        }
      } else if (state[g] !== 2) {
        state[g] = 2;
        best[g] = x;
      } else if (isMax ? x > best[g]! : x < best[g]!) {
        best[g] = x;
      }
    }
    base += len;
  }
  const seen = state;
  const first = chunks[0]!;
  const ArrayType = (first.values as unknown as { constructor: new (n: number) => { [i: number]: number } })
    .constructor;
  const out = new ArrayType(numGroups);
  for (let g = 0; g < numGroups; g++) out[g] = best[g]!;
  const { bitmap, nulls } = bitmapOf(seen, numGroups);
  return new Vector([
    makeData({
      type: first.type,
      length: numGroups,
      nullCount: nulls,
      nullBitmap: bitmap,
      data: out,
    } as never) as Data,
  ]);
}

/** Min / max of 64-bit integers, compared as (signed high word, unsigned low word). */
function extremeInt64(chunks: Data[], isMax: boolean, groupIds: Int32Array, numGroups: number): Vector {
  const out = new BigInt64Array(numGroups);
  const ow = new Int32Array(out.buffer);
  const seen = new Uint8Array(numGroups);
  let base = 0;
  for (const d of chunks) {
    const v = d.values as BigInt64Array;
    const w = new Int32Array(v.buffer, v.byteOffset, d.length * 2);
    const len = d.length;
    const hasNulls = d.nullCount > 0;
    for (let i = 0; i < len; i++) {
      if (hasNulls && !validAt(d, i)) continue;
      const g = groupIds[base + i]!;
      const hi = w[2 * i + 1]!;
      const lo = w[2 * i]! >>> 0;
      let take = !seen[g];
      if (!take) {
        const bh = ow[2 * g + 1]!;
        const bl = ow[2 * g]! >>> 0;
        take = isMax ? hi > bh || (hi === bh && lo > bl) : hi < bh || (hi === bh && lo < bl);
      }
      if (take) {
        seen[g] = 1;
        ow[2 * g] = lo;
        ow[2 * g + 1] = hi;
      }
    }
    base += len;
  }
  const { bitmap, nulls } = bitmapOf(seen, numGroups);
  return new Vector([
    makeData({
      type: chunks[0]!.type,
      length: numGroups,
      nullCount: nulls,
      nullBitmap: bitmap,
      data: out,
    } as never) as Data,
  ]);
}
