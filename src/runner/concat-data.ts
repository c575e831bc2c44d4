/**
 * Concatenation of Arrow column data into one contiguous `Data` (a copy).
 *
 * apache-arrow's `concat` only chains chunks, but an Arrow IPC record batch needs each column in
 * one contiguous set of buffers, so a batch that spans two input batches (or a group that does)
 * is copied here once. Slices inside one input batch never come here: they stay zero-copy.
 *
 * Handles every layout Flink's types map to: Null, Bool, fixed width (ints, floats, decimals,
 * dates, times, timestamps, fixed-size binary), Utf8/Binary, List, FixedSizeList, Map, Struct.
 *
 * @example
 * const whole = concatData([batchA.data.children[0], batchB.data.children[0].slice(0, 10)]);
 */
import { type Data, type DataType, makeData, Type } from 'apache-arrow';

type AnyData = Data<DataType>;

/** Concatenates data of one type, in order, into a single contiguous `Data`. */
export function concatData(parts: readonly AnyData[]): AnyData {
  if (parts.length === 0) throw new Error('concatData needs at least one part');
  if (parts.length === 1) return parts[0]!;
  const type = parts[0]!.type;
  let length = 0;
  let nullCount = 0;
  for (const p of parts) {
    length += p.length;
    nullCount += p.nullCount;
  }
  const nullBitmap = nullCount > 0 ? concatValidity(parts, length) : undefined;
  switch (type.typeId) {
    case Type.Null:
      return makeData({ type, length, nullCount: length } as never);
    case Type.Bool: {
      const values = new Uint8Array(bitmapBytes(length));
      let at = 0;
      for (const p of parts) {
        copyBits(p.values as Uint8Array, p.offset, values, at, p.length);
        at += p.length;
      }
      return makeData({ type, length, nullCount, nullBitmap, data: values } as never);
    }
    case Type.Utf8:
    case Type.Binary:
      return concatVarWidth(parts, type, length, nullCount, nullBitmap);
    case Type.List:
    case Type.Map: {
      const { valueOffsets, childParts } = concatOffsets(parts, length);
      const child = concatData(childParts);
      return makeData({ type, length, nullCount, nullBitmap, valueOffsets, child } as never);
    }
    case Type.FixedSizeList: {
      // Children of a sliced FixedSizeList are sliced with it: rows [0, length * listSize).
      const size = (type as unknown as { listSize: number }).listSize;
      const child = concatData(parts.map((p) => p.children[0]!.slice(0, p.length * size)));
      return makeData({ type, length, nullCount, nullBitmap, child } as never);
    }
    case Type.Struct: {
      const children = type.children.map((_, i) => concatData(parts.map((p) => p.children[i]!)));
      return makeData({ type, length, nullCount, nullBitmap, children } as never);
    }
    case Type.Int:
    case Type.Float:
    case Type.Decimal:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Interval:
    case Type.Duration:
    case Type.FixedSizeBinary:
      return concatFixedWidth(parts, type, length, nullCount, nullBitmap);
    default:
      throw new Error(`cannot concatenate Arrow columns of type ${String(type)}`);
  }
}

function bitmapBytes(n: number): number {
  // Arrow recommends 64-byte padding; 8-byte rounding is enough for our copies.
  return ((n + 63) & ~63) >> 3;
}

function concatValidity(parts: readonly AnyData[], length: number): Uint8Array {
  const out = new Uint8Array(bitmapBytes(length));
  let at = 0;
  for (const p of parts) {
    if (p.nullCount === 0 || !p.nullBitmap || p.nullBitmap.length === 0) setBits(out, at, p.length);
    else copyBits(p.nullBitmap, p.offset, out, at, p.length);
    at += p.length;
  }
  return out;
}

/** Sets `n` bits to 1 from bit `at`. */
function setBits(dst: Uint8Array, at: number, n: number): void {
  let i = at;
  const end = at + n;
  while (i < end && (i & 7) !== 0) {
    dst[i >> 3]! |= 1 << (i & 7);
    i++;
  }
  const fullEnd = end & ~7;
  if (i < fullEnd) {
    dst.fill(0xff, i >> 3, fullEnd >> 3);
    i = fullEnd;
  }
  while (i < end) {
    dst[i >> 3]! |= 1 << (i & 7);
    i++;
  }
}

/** Copies `n` bits from `src` at bit `from` to `dst` at bit `to` (dst bits start at 0). */
export function copyBits(src: Uint8Array, from: number, dst: Uint8Array, to: number, n: number): void {
  if (n <= 0) return;
  if ((from & 7) === 0 && (to & 7) === 0) {
    const whole = n >> 3;
    dst.set(src.subarray(from >> 3, (from >> 3) + whole), to >> 3);
    const rest = n & 7;
    if (rest) dst[(to >> 3) + whole] = src[(from >> 3) + whole]! & ((1 << rest) - 1);
    return;
  }
  // Unaligned: bit by bit. Runs on batch boundaries only, so its cost is per batch, not per row
  // of the whole stream.
  for (let k = 0; k < n; k++) {
    const s = from + k;
    if ((src[s >> 3]! >> (s & 7)) & 1) {
      const d = to + k;
      dst[d >> 3]! |= 1 << (d & 7);
    }
  }
}

function concatFixedWidth(
  parts: readonly AnyData[],
  type: DataType,
  length: number,
  nullCount: number,
  nullBitmap: Uint8Array | undefined,
): AnyData {
  const stride = parts[0]!.stride;
  const first = parts[0]!.values as ArrayLike<unknown> & { constructor: new (n: number) => TypedArray };
  const values = new first.constructor(length * stride);
  let at = 0;
  for (const p of parts) {
    // Sliced fixed-width data has its values buffer sliced too: element 0 is at index 0.
    (values as Uint8Array).set((p.values as Uint8Array).subarray(0, p.length * stride), at);
    at += p.length * stride;
  }
  return makeData({ type, length, nullCount, nullBitmap, data: values } as never);
}

type TypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

function concatVarWidth(
  parts: readonly AnyData[],
  type: DataType,
  length: number,
  nullCount: number,
  nullBitmap: Uint8Array | undefined,
): AnyData {
  let bytes = 0;
  for (const p of parts) {
    const o = p.valueOffsets as Int32Array;
    bytes += o[p.length]! - o[0]!;
  }
  const data = new Uint8Array(bytes);
  const valueOffsets = new Int32Array(length + 1);
  let row = 0;
  let at = 0;
  for (const p of parts) {
    const o = p.valueOffsets as Int32Array;
    const begin = o[0]!;
    const end = o[p.length]!;
    data.set((p.values as Uint8Array).subarray(begin, end), at);
    const shift = at - begin;
    for (let i = 1; i <= p.length; i++) valueOffsets[row + i] = o[i]! + shift;
    row += p.length;
    at += end - begin;
  }
  return makeData({ type, length, nullCount, nullBitmap, data, valueOffsets } as never);
}

function concatOffsets(
  parts: readonly AnyData[],
  length: number,
): { valueOffsets: Int32Array; childParts: AnyData[] } {
  const valueOffsets = new Int32Array(length + 1);
  const childParts: AnyData[] = [];
  let row = 0;
  let at = 0;
  for (const p of parts) {
    const o = p.valueOffsets as Int32Array;
    const begin = o[0]!;
    const end = o[p.length]!;
    childParts.push(p.children[0]!.slice(begin, end - begin));
    const shift = at - begin;
    for (let i = 1; i <= p.length; i++) valueOffsets[row + i] = o[i]! + shift;
    row += p.length;
    at += end - begin;
  }
  return { valueOffsets, childParts };
}
