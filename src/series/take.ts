/**
 * Gather kernel: a new column made of the rows of `vector` at the given indices, in that order
 * (repeats allowed). A negative index gives a null row, which lets joins and outer layouts reuse it.
 *
 * Fixed-width, boolean, string/binary, dictionary, list, fixed-size list, map and struct columns
 * are gathered straight from the Arrow buffers (nested ones by gathering their children); other
 * layouts (unions, views, 64-bit offsets) go through apache-arrow's builders, one value at a time.
 * Input may have several chunks; the output is always one chunk.
 *
 * @example
 * import { vectorFromArray } from 'apache-arrow';
 * take(vectorFromArray(['a', 'b', null]), Int32Array.of(2, 0, 0, -1)).toArray();
 * // [null, 'a', 'a', null]
 */
import { type Data, type DataType, makeBuilder, makeData, Type, Vector } from 'apache-arrow';

/** Anything holding an Arrow vector (a `Series`), or the vector itself. */
export type ColumnLike = Vector | { readonly vector: Vector };

/** Gathers `indices` of `column` into a new single-chunk vector. */
export function take<T extends DataType>(
  column: Vector<T> | { readonly vector: Vector<T> },
  indices: Int32Array,
): Vector<T> {
  const vector = column instanceof Vector ? column : column.vector;
  return new Vector([takeData(vector.data, indices)]) as Vector<T>;
}

/** {@link take} over the chunks of one column; returns one Data of `indices.length` rows. */
export function takeData<T extends DataType>(chunks: readonly Data<T>[], indices: Int32Array): Data<T> {
  if (chunks.length === 0) throw new RangeError('take: a column needs at least one chunk to take from');
  const loc = new Locator(chunks);
  const type = chunks[0]!.type;
  switch (type.typeId) {
    case Type.Null:
      loc.checkAll(indices);
      return dataOf({ type, length: indices.length }) as Data<T>;
    case Type.Bool:
      return takeBool(chunks, loc, indices);
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Interval:
    case Type.Duration:
    case Type.Decimal:
    case Type.FixedSizeBinary:
      return takeFixed(chunks, loc, indices);
    case Type.Dictionary:
      if (chunks.every((d) => d.dictionary === chunks[0]!.dictionary)) return takeFixed(chunks, loc, indices);
      return takeByBuilder(chunks, indices);
    case Type.Utf8:
    case Type.Binary:
      return takeVarBinary(chunks, loc, indices);
    case Type.List:
    case Type.Map:
      return takeList(chunks, loc, indices);
    case Type.FixedSizeList:
      return takeFixedSizeList(chunks, loc, indices);
    case Type.Struct:
      return takeStruct(chunks, loc, indices);
    default:
      return takeByBuilder(chunks, indices);
  }
}

/** makeData with props checked here rather than through apache-arrow's per-type overloads. */
function dataOf(props: { type: DataType; length: number } & Record<string, unknown>): Data {
  return makeData(props as never) as Data;
}

/** Maps a global row index to (chunk, local index); remembers the last chunk for runs. */
class Locator {
  readonly starts: Int32Array;
  readonly total: number;
  constructor(chunks: readonly Data[]) {
    this.starts = new Int32Array(chunks.length + 1);
    for (let c = 0; c < chunks.length; c++) this.starts[c + 1] = this.starts[c]! + chunks[c]!.length;
    this.total = this.starts[chunks.length]!;
  }
  /** The chunk holding global row `idx` (which must be in range). */
  chunkOf(idx: number): number {
    if (idx >= this.total || idx < 0) {
      throw new RangeError(`take: index ${idx} is out of range for a column of ${this.total} rows`);
    }
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 2;
    // last chunk c with starts[c] <= idx (skips empty chunks, whose start equals the next one's)
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= idx) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  checkAll(indices: Int32Array): void {
    for (let i = 0; i < indices.length; i++) if (indices[i]! >= 0) this.chunkOf(indices[i]!);
  }
}

function isValidAt(d: Data, j: number): boolean {
  const bit = d.offset + j;
  return (d.nullBitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

/** Null bitmap of the output, or undefined when every row is valid. */
function finishBitmap(bitmap: Uint8Array, nulls: number): Uint8Array | undefined {
  return nulls === 0 ? undefined : bitmap;
}

interface Units {
  /** Per chunk: a view of the values with `width` units per row. */
  views: (Int32Array | Uint8Array)[];
  width: number;
  words: boolean;
  rowBytes: number;
}

/** Fixed-width values as 32-bit words when the row size allows (never BigInt per element). */
function unitsOf(chunks: readonly Data[]): Units {
  const first = chunks[0]!.values as ArrayBufferView & { BYTES_PER_ELEMENT: number };
  const rowBytes = first.BYTES_PER_ELEMENT * chunks[0]!.stride;
  const words = rowBytes % 4 === 0 && chunks.every((d) => (d.values as ArrayBufferView).byteOffset % 4 === 0);
  const width = words ? rowBytes / 4 : rowBytes;
  const views = chunks.map((d) => {
    const v = d.values as ArrayBufferView;
    return words
      ? new Int32Array(v.buffer, v.byteOffset, d.length * width)
      : new Uint8Array(v.buffer, v.byteOffset, d.length * width);
  });
  return { views, width, words, rowBytes };
}

function takeFixed<T extends DataType>(
  chunks: readonly Data<T>[],
  loc: Locator,
  indices: Int32Array,
): Data<T> {
  const n = indices.length;
  const { views, width, words, rowBytes } = unitsOf(chunks);
  const buffer = new ArrayBuffer(Math.ceil((n * rowBytes) / 8) * 8);
  const out = words ? new Int32Array(buffer, 0, n * width) : new Uint8Array(buffer, 0, n * width);
  const bitmap = new Uint8Array(((n + 63) >> 6) << 3);
  let nulls = 0;
  let lo = 0;
  let hi = -1;
  let src = views[0]!;
  let d = chunks[0]!;
  let hasNulls = false;
  for (let i = 0; i < n; i++) {
    const idx = indices[i]!;
    if (idx < 0) {
      nulls++;
      continue;
    }
    if (idx < lo || idx >= hi) {
      const c = loc.chunkOf(idx);
      lo = loc.starts[c]!;
      hi = loc.starts[c + 1]!;
      src = views[c]!;
      d = chunks[c]!;
      hasNulls = d.nullCount > 0;
    }
    const j = idx - lo;
    if (hasNulls && !isValidAt(d, j)) {
      nulls++;
      continue;
    }
    bitmap[i >> 3]! |= 1 << (i & 7);
    if (width === 1) out[i] = src[j]!;
    else if (width === 2) {
      out[2 * i] = src[2 * j]!;
      out[2 * i + 1] = src[2 * j + 1]!;
    } else {
      for (let k = 0; k < width; k++) out[i * width + k] = src[j * width + k]!;
    }
  }
  const type = chunks[0]!.type;
  const ArrayType = (
    chunks[0]!.values as { constructor: new (b: ArrayBuffer, o: number, l: number) => unknown }
  ).constructor;
  const elements =
    (n * rowBytes) / (chunks[0]!.values as ArrayBufferView & { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return dataOf({
    type,
    length: n,
    nullCount: nulls,
    nullBitmap: finishBitmap(bitmap, nulls),
    data: new ArrayType(buffer, 0, elements),
    dictionary: chunks[0]!.dictionary,
  }) as Data<T>;
}

function takeBool<T extends DataType>(
  chunks: readonly Data<T>[],
  loc: Locator,
  indices: Int32Array,
): Data<T> {
  const n = indices.length;
  const values = new Uint8Array(((n + 63) >> 6) << 3);
  const bitmap = new Uint8Array(values.length);
  let nulls = 0;
  let lo = 0;
  let hi = -1;
  let d = chunks[0]!;
  let src = d.values as Uint8Array;
  let hasNulls = false;
  for (let i = 0; i < n; i++) {
    const idx = indices[i]!;
    if (idx < 0) {
      nulls++;
      continue;
    }
    if (idx < lo || idx >= hi) {
      const c = loc.chunkOf(idx);
      lo = loc.starts[c]!;
      hi = loc.starts[c + 1]!;
      d = chunks[c]!;
      src = d.values as Uint8Array;
      hasNulls = d.nullCount > 0;
    }
    const j = idx - lo;
    if (hasNulls && !isValidAt(d, j)) {
      nulls++;
      continue;
    }
    bitmap[i >> 3]! |= 1 << (i & 7);
    const bit = d.offset + j;
    if (src[bit >> 3]! & (1 << (bit & 7))) values[i >> 3]! |= 1 << (i & 7);
  }
  return dataOf({
    type: chunks[0]!.type,
    length: n,
    nullCount: nulls,
    nullBitmap: finishBitmap(bitmap, nulls),
    data: values,
  }) as Data<T>;
}

/** Strings and binary: output offsets first (to size the byte buffer), then the bytes. */
function takeVarBinary<T extends DataType>(
  chunks: readonly Data<T>[],
  loc: Locator,
  indices: Int32Array,
): Data<T> {
  const n = indices.length;
  const offsets = new Int32Array(n + 1);
  const bitmap = new Uint8Array(((n + 63) >> 6) << 3);
  // pass 1: validity, lengths → offsets; remember each row's chunk and start so that pass 2 reads
  // the (randomly placed) source offsets no second time
  const rowChunk = chunks.length > 1 ? new Int32Array(n) : null;
  const rowStart = new Int32Array(n);
  let nulls = 0;
  let total = 0;
  let lo = 0;
  let hi = -1;
  let c = 0;
  let d = chunks[0]!;
  let o = d.valueOffsets as Int32Array;
  let hasNulls = false;
  for (let i = 0; i < n; i++) {
    const idx = indices[i]!;
    if (idx < 0) {
      nulls++;
      offsets[i + 1] = total;
      continue;
    }
    if (idx < lo || idx >= hi) {
      c = loc.chunkOf(idx);
      lo = loc.starts[c]!;
      hi = loc.starts[c + 1]!;
      d = chunks[c]!;
      o = d.valueOffsets as Int32Array;
      hasNulls = d.nullCount > 0;
    }
    if (rowChunk !== null) rowChunk[i] = c;
    const j = idx - lo;
    if (hasNulls && !isValidAt(d, j)) {
      nulls++;
      offsets[i + 1] = total;
      continue;
    }
    bitmap[i >> 3]! |= 1 << (i & 7);
    const start = o[j]!;
    rowStart[i] = start;
    total += o[j + 1]! - start;
    if (total > 0x7fffffff) throw new RangeError('take: the gathered strings exceed 2 GiB (32-bit offsets)');
    offsets[i + 1] = total;
  }
  // pass 2: copy bytes, four at a time through DataViews (as integers: a float copy could alter NaN
  // bit patterns); long values with one set()
  const bytes = new Uint8Array(total);
  const dst = new DataView(bytes.buffer);
  let src = chunks[0]!.values as Uint8Array;
  let sv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  c = 0;
  for (let i = 0; i < n; i++) {
    const at = offsets[i]!;
    const len = offsets[i + 1]! - at;
    if (len === 0) continue;
    if (rowChunk !== null && rowChunk[i] !== c) {
      c = rowChunk[i]!;
      src = chunks[c]!.values as Uint8Array;
      sv = new DataView(src.buffer, src.byteOffset, src.byteLength);
    }
    const from = rowStart[i]!;
    if (len > 64) {
      bytes.set(src.subarray(from, from + len), at);
      continue;
    }
    let k = 0;
    for (; k + 8 <= len; k += 8) {
      dst.setInt32(at + k, sv.getInt32(from + k));
      dst.setInt32(at + k + 4, sv.getInt32(from + k + 4));
    }
    for (; k + 4 <= len; k += 4) dst.setInt32(at + k, sv.getInt32(from + k));
    for (; k < len; k++) bytes[at + k] = src[from + k]!;
  }
  return dataOf({
    type: chunks[0]!.type,
    length: n,
    nullCount: nulls,
    nullBitmap: finishBitmap(bitmap, nulls),
    valueOffsets: offsets,
    data: bytes,
  }) as Data<T>;
}

/** Lists and maps: new offsets, and the child gathered over the concatenated ranges. */
function takeList<T extends DataType>(
  chunks: readonly Data<T>[],
  loc: Locator,
  indices: Int32Array,
): Data<T> {
  const n = indices.length;
  const offsets = new Int32Array(n + 1);
  const bitmap = new Uint8Array(((n + 63) >> 6) << 3);
  const childChunks = chunks.map((d) => d.children[0]!);
  const childStarts = new Int32Array(chunks.length + 1);
  for (let c = 0; c < chunks.length; c++) childStarts[c + 1] = childStarts[c]! + childChunks[c]!.length;
  let nulls = 0;
  let total = 0;
  const rowSource = new Int32Array(n); // global child index of each row's first element
  for (let i = 0; i < n; i++) {
    const idx = indices[i]!;
    offsets[i] = total;
    if (idx < 0) {
      nulls++;
      continue;
    }
    const c = loc.chunkOf(idx);
    const d = chunks[c]!;
    const j = idx - loc.starts[c]!;
    if (d.nullCount > 0 && !isValidAt(d, j)) {
      nulls++;
      continue;
    }
    bitmap[i >> 3]! |= 1 << (i & 7);
    const o = d.valueOffsets as Int32Array;
    rowSource[i] = childStarts[c]! + o[j]!;
    total += o[j + 1]! - o[j]!;
  }
  offsets[n] = total;
  const childIdx = new Int32Array(total);
  for (let i = 0; i < n; i++) {
    const from = rowSource[i]!;
    for (let k = offsets[i]!; k < offsets[i + 1]!; k++) childIdx[k] = from + (k - offsets[i]!);
  }
  const child = takeData(childChunks, childIdx);
  return dataOf({
    type: chunks[0]!.type,
    length: n,
    nullCount: nulls,
    nullBitmap: finishBitmap(bitmap, nulls),
    valueOffsets: offsets,
    child,
  }) as Data<T>;
}

function takeFixedSizeList<T extends DataType>(
  chunks: readonly Data<T>[],
  loc: Locator,
  indices: Int32Array,
): Data<T> {
  const n = indices.length;
  const size = chunks[0]!.stride;
  const bitmap = new Uint8Array(((n + 63) >> 6) << 3);
  const childChunks = chunks.map((d) => d.children[0]!);
  const childStarts = new Int32Array(chunks.length + 1);
  for (let c = 0; c < chunks.length; c++) childStarts[c + 1] = childStarts[c]! + childChunks[c]!.length;
  const childIdx = new Int32Array(n * size).fill(-1);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const idx = indices[i]!;
    if (idx < 0) {
      nulls++;
      continue;
    }
    const c = loc.chunkOf(idx);
    const d = chunks[c]!;
    const j = idx - loc.starts[c]!;
    if (d.nullCount > 0 && !isValidAt(d, j)) nulls++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
    for (let k = 0; k < size; k++) childIdx[i * size + k] = childStarts[c]! + j * size + k;
  }
  return dataOf({
    type: chunks[0]!.type,
    length: n,
    nullCount: nulls,
    nullBitmap: finishBitmap(bitmap, nulls),
    child: takeData(childChunks, childIdx),
  }) as Data<T>;
}

/** Struct children are sliced with their parent, so the same global indices apply to each child. */
function takeStruct<T extends DataType>(
  chunks: readonly Data<T>[],
  loc: Locator,
  indices: Int32Array,
): Data<T> {
  const n = indices.length;
  const bitmap = new Uint8Array(((n + 63) >> 6) << 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const idx = indices[i]!;
    if (idx < 0) {
      nulls++;
      continue;
    }
    const c = loc.chunkOf(idx);
    const d = chunks[c]!;
    if (d.nullCount > 0 && !isValidAt(d, idx - loc.starts[c]!)) nulls++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  const numChildren = chunks[0]!.type.children.length;
  const children: Data[] = [];
  for (let k = 0; k < numChildren; k++) {
    children.push(
      takeData(
        chunks.map((d) => d.children[k]!),
        indices,
      ),
    );
  }
  return dataOf({
    type: chunks[0]!.type,
    length: n,
    nullCount: nulls,
    nullBitmap: finishBitmap(bitmap, nulls),
    children,
  }) as Data<T>;
}

/** The clear, slow path for other layouts: read each value and append it to an Arrow builder. */
function takeByBuilder<T extends DataType>(chunks: readonly Data<T>[], indices: Int32Array): Data<T> {
  const vector = new Vector(chunks as Data<T>[]);
  const builder = makeBuilder({ type: chunks[0]!.type, nullValues: [null, undefined] });
  for (let i = 0; i < indices.length; i++) {
    const idx = indices[i]!;
    if (idx >= vector.length) {
      throw new RangeError(`take: index ${idx} is out of range for a column of ${vector.length} rows`);
    }
    builder.append(idx < 0 ? null : vector.get(idx));
  }
  return builder.finish().flush() as Data<T>;
}
