/**
 * Turns a RecordBatch message (its flatbuffer header and its body bytes) into apache-arrow Data,
 * zero-copy: every buffer becomes a typed-array view of the input. Only a buffer whose position is
 * not a multiple of its element size is copied, once, into a per-message scratch buffer (see
 * `view`): that is the realignment of elements that gRPC hands over at odd offsets.
 *
 * Everything the header claims is checked against the body before Arrow sees it: buffer ranges
 * inside the body, buffers long enough for their rows, null counts equal to the bitmap's, offsets
 * non-decreasing and inside the data, child lengths, union type ids, dictionary indices. A lie is
 * an ArrowDecodeError; no allocation is sized by a length field beyond the input's own bytes.
 *
 * Slots read: RecordBatch {0 length: long, 1 nodes: [FieldNode {length: long, null_count: long}],
 * 2 buffers: [Buffer {offset: long, length: long}], 3 compression, 4 variadicBufferCounts}.
 */
import * as arrow from 'apache-arrow';
import { countSetBits } from '../series/bitmap.js';
import type { FbReader, FbTable, FbVector } from './ipc-flatbuffers.js';

/** Largest row count accepted per column (Arrow JS offsets are 32-bit). */
const MAX_ROWS = 0x7fffffff;

/**
 * Where realigned buffers go: returns at least `bytes` bytes, 8-byte aligned (`byteOffset % 8 ===
 * 0`), that stay untouched while the decoded batches are in use. The default allocates fresh
 * memory; a caller that knows when batches die (the worker, after answering an element) may hand
 * out recycled memory instead, which avoids page faults on fresh buffers.
 */
export type ScratchAllocator = (bytes: number) => Uint8Array;

const freshScratch: ScratchAllocator = (n) => new Uint8Array(n);

/** The body of a message: `bytes[start, start + length)`. */
export interface MessageBody {
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly length: number;
  readonly allocate?: ScratchAllocator;
}

type TypedArrayCtor = {
  new (
    buffer: ArrayBufferLike,
    byteOffset: number,
    length: number,
  ): ArrayBufferView & ArrayLike<number | bigint>;
  new (length: number): ArrayBufferView & ArrayLike<number | bigint>;
  readonly BYTES_PER_ELEMENT: number;
};

/**
 * Reads the columns of a record batch. `fields` are the schema's fields (or the one value field
 * of a dictionary batch); `dictionaries` the dictionaries read so far, by id.
 */
export function readRecordBatch(
  fb: FbReader,
  rb: FbTable,
  body: MessageBody,
  fields: readonly arrow.Field[],
  dictionaries: ReadonlyMap<number, arrow.Vector>,
  metadataVersion: number,
): { length: number; children: arrow.Data[] } {
  const length = fb.i64(rb, 0, 0);
  if (length < 0 || length > MAX_ROWS) fb.fail(`record batch length ${length} out of range`, rb.pos);
  if (fb.table(rb, 3) !== null) fb.fail('compressed record batch bodies are not supported', rb.pos);
  const nodes = fb.vector(rb, 1, 16) ?? { pos: 0, length: 0 };
  const buffers = fb.vector(rb, 2, 16) ?? { pos: 0, length: 0 };
  const loader = new Loader(fb, nodes, buffers, body, dictionaries, metadataVersion);
  const children = fields.map((f) => {
    const d = loader.visit(f.type, f.name, 0);
    if (d.length !== length)
      loader.fail(`column '${f.name}' has ${d.length} rows, the batch ${length}`, rb.pos);
    return d;
  });
  if (loader.nodeIndex !== nodes.length) {
    loader.fail(`record batch has ${nodes.length} field nodes, the schema needs ${loader.nodeIndex}`, rb.pos);
  }
  if (loader.bufferIndex !== buffers.length) {
    loader.fail(`record batch has ${buffers.length} buffers, the schema needs ${loader.bufferIndex}`, rb.pos);
  }
  return { length, children };
}

class Loader {
  nodeIndex = 0;
  bufferIndex = 0;
  private scratch: Uint8Array | null = null;
  private scratchPos = 0;
  constructor(
    private readonly fb: FbReader,
    private readonly nodes: FbVector,
    private readonly buffers: FbVector,
    private readonly body: MessageBody,
    private readonly dictionaries: ReadonlyMap<number, arrow.Vector>,
    private readonly metadataVersion: number,
  ) {}

  fail(detail: string, pos: number): never {
    return this.fb.fail(detail, pos);
  }

  private nextNode(path: string): { length: number; nullCount: number } {
    if (this.nodeIndex >= this.nodes.length) {
      this.fail(`column '${path}': record batch has only ${this.nodes.length} field nodes`, this.nodes.pos);
    }
    const p = this.nodes.pos + 16 * this.nodeIndex++;
    const length = this.fb.int64At(p);
    const nullCount = this.fb.int64At(p + 8);
    if (length < 0 || length > MAX_ROWS)
      this.fail(`column '${path}': field node length ${length} out of range`, p);
    if (nullCount < 0 || nullCount > length) {
      this.fail(`column '${path}': null count ${nullCount} out of range for ${length} rows`, p + 8);
    }
    return { length, nullCount };
  }

  /** The next buffer as [absolute start in body.bytes, byte length], checked to lie in the body. */
  private nextBuffer(path: string, minBytes: number, what: string): [number, number] {
    if (this.bufferIndex >= this.buffers.length) {
      this.fail(`column '${path}': record batch has only ${this.buffers.length} buffers`, this.buffers.pos);
    }
    const p = this.buffers.pos + 16 * this.bufferIndex++;
    const offset = this.fb.int64At(p);
    const len = this.fb.int64At(p + 8);
    if (offset < 0 || len < 0 || offset + len > this.body.length) {
      this.fail(
        `column '${path}': ${what} buffer [${offset}, ${offset + len}) lies outside the ${this.body.length}-byte body`,
        p,
      );
    }
    if (len < minBytes) this.fail(`column '${path}': ${what} buffer has ${len} bytes, needs ${minBytes}`, p);
    return [this.body.start + offset, len];
  }

  /**
   * A typed-array view of `count` elements at `at`. A buffer at a position that is not a multiple
   * of its element size (the element sat at an odd offset of a gRPC buffer) is copied into one
   * scratch buffer shared by the whole message: bytes that need no alignment (UTF-8 data,
   * bitmaps) are never copied, and a message costs at most one allocation, sized by its body.
   */
  private view<A extends ArrayBufferView>(Ctor: TypedArrayCtor, at: number, count: number): A {
    const bytes = this.body.bytes;
    const abs = bytes.byteOffset + at;
    if (abs % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer, abs, count) as unknown as A;
    const n = count * Ctor.BYTES_PER_ELEMENT;
    if (this.scratch === null || this.scratchPos + n > this.scratch.length) {
      // the body bounds what every remaining buffer can need (buffers lie inside it)
      const size = Math.max(n, this.body.length + 8);
      const scratch = (this.body.allocate ?? freshScratch)(size);
      if (scratch.length < size || scratch.byteOffset % 8 !== 0) {
        throw new TypeError(
          `scratch allocator returned ${scratch.length} bytes at offset ${scratch.byteOffset}`,
        );
      }
      this.scratch = scratch;
      this.scratchPos = 0;
    }
    const pos = this.scratchPos;
    this.scratch.set(bytes.subarray(at, at + n), pos);
    this.scratchPos = (pos + n + 7) & ~7;
    return new Ctor(this.scratch.buffer, this.scratch.byteOffset + pos, count) as unknown as A;
  }

  private bytesAt(at: number, n: number): Uint8Array {
    // a plain Uint8Array view, never a Buffer (whose slice() would share memory where Arrow's copies)
    const b = this.body.bytes;
    return new Uint8Array(b.buffer, b.byteOffset + at, n);
  }

  private validity(path: string, length: number, nullCount: number): Uint8Array | undefined {
    const need = nullCount > 0 ? (length + 7) >> 3 : 0;
    const [at] = this.nextBuffer(path, need, 'validity');
    if (nullCount === 0) return undefined;
    const bits = this.bytesAt(at, need);
    const valid = countSetBits(bits, 0, length);
    if (length - valid !== nullCount) {
      this.fail(
        `column '${path}': null count ${nullCount} but the validity bitmap has ${length - valid} nulls`,
        this.bufferPos(),
      );
    }
    return bits;
  }

  /** Fixed-width values: `count` elements of the type's array type. */
  private values<A extends ArrayBufferView>(path: string, Ctor: TypedArrayCtor, count: number): A {
    const [at] = this.nextBuffer(path, count * Ctor.BYTES_PER_ELEMENT, 'data');
    return this.view<A>(Ctor, at, count);
  }

  /** 32-bit offsets for `length` rows, checked non-decreasing; returns the offsets. */
  private offsets32(path: string, length: number): Int32Array {
    if (length === 0) {
      this.nextBuffer(path, 0, 'offsets');
      return new Int32Array(1);
    }
    const o = this.values<Int32Array>(path, Int32Array, length + 1);
    let prev = o[0]!;
    if (prev < 0) this.fail(`column '${path}': negative offset ${prev}`, this.bufferPos());
    for (let i = 1; i <= length; i++) {
      const x = o[i]!;
      if (x < prev) this.fail(`column '${path}': offsets decrease at row ${i - 1}`, this.bufferPos());
      prev = x;
    }
    return o;
  }

  private offsets64(path: string, length: number): BigInt64Array {
    if (length === 0) {
      this.nextBuffer(path, 0, 'offsets');
      return new BigInt64Array(1);
    }
    const o = this.values<BigInt64Array>(path, BigInt64Array, length + 1);
    let prev = o[0]!;
    if (prev < 0n) this.fail(`column '${path}': negative offset ${prev}`, this.bufferPos());
    for (let i = 1; i <= length; i++) {
      const x = o[i]!;
      if (x < prev) this.fail(`column '${path}': offsets decrease at row ${i - 1}`, this.bufferPos());
      prev = x;
    }
    return o;
  }

  /** Position (relative to the flatbuffer) of the last buffer entry read, for errors. */
  private bufferPos(): number {
    return this.buffers.pos + 16 * (this.bufferIndex - 1);
  }

  visit(type: arrow.DataType, path: string, depth: number): arrow.Data {
    if (depth > 64) this.fail(`column '${path}': nested too deeply`, this.nodes.pos);
    const { length, nullCount } = this.nextNode(path);
    switch (type.typeId) {
      case arrow.Type.Null:
        return arrow.makeData({ type: type as arrow.Null, length });
      case arrow.Type.Bool: {
        const nullBitmap = this.validity(path, length, nullCount);
        const [at] = this.nextBuffer(path, (length + 7) >> 3, 'data');
        const data = this.bytesAt(at, (length + 7) >> 3);
        return flatData(type, length, nullCount, nullBitmap, data);
      }
      case arrow.Type.Int:
      case arrow.Type.Float:
      case arrow.Type.Date:
      case arrow.Type.Time:
      case arrow.Type.Timestamp:
      case arrow.Type.Duration:
      case arrow.Type.Interval:
      case arrow.Type.Decimal:
      case arrow.Type.FixedSizeBinary: {
        const nullBitmap = this.validity(path, length, nullCount);
        const Ctor = (type as unknown as { ArrayType: TypedArrayCtor }).ArrayType;
        const data = this.values<Int32Array>(path, Ctor, length * stride(type));
        return flatData(type, length, nullCount, nullBitmap, data);
      }
      case arrow.Type.Utf8:
      case arrow.Type.Binary: {
        const nullBitmap = this.validity(path, length, nullCount);
        const valueOffsets = this.offsets32(path, length);
        const end = valueOffsets[length]!;
        const [at] = this.nextBuffer(path, end, 'data');
        const data = this.bytesAt(at, end);
        return flatData(type, length, nullCount, nullBitmap, data, valueOffsets);
      }
      case arrow.Type.LargeUtf8:
      case arrow.Type.LargeBinary: {
        const nullBitmap = this.validity(path, length, nullCount);
        const valueOffsets = this.offsets64(path, length);
        const end = Number(valueOffsets[length]!);
        const [at] = this.nextBuffer(path, end, 'data');
        const data = this.bytesAt(at, end);
        return arrow.makeData({
          type: type as arrow.LargeUtf8,
          length,
          nullCount,
          nullBitmap,
          valueOffsets,
          data,
        });
      }
      case arrow.Type.List:
      case arrow.Type.Map: {
        const nullBitmap = this.validity(path, length, nullCount);
        const valueOffsets = this.offsets32(path, length);
        const f = type.children[0]!;
        const child = this.visit(f.type, `${path}.${f.name}`, depth + 1);
        if (child.length < valueOffsets[length]!) {
          this.fail(
            `column '${path}': offsets reach ${valueOffsets[length]} but the child has ${child.length} rows`,
            this.nodes.pos,
          );
        }
        return arrow.makeData({
          type: type as arrow.List,
          length,
          nullCount,
          nullBitmap,
          valueOffsets,
          child,
        });
      }
      case arrow.Type.LargeList: {
        const nullBitmap = this.validity(path, length, nullCount);
        const valueOffsets = this.offsets64(path, length);
        const f = type.children[0]!;
        const child = this.visit(f.type, `${path}.${f.name}`, depth + 1);
        if (BigInt(child.length) < valueOffsets[length]!) {
          this.fail(
            `column '${path}': offsets reach ${valueOffsets[length]} but the child has ${child.length} rows`,
            this.nodes.pos,
          );
        }
        return arrow.makeData({
          type: type as arrow.LargeList,
          length,
          nullCount,
          nullBitmap,
          valueOffsets,
          child,
        });
      }
      case arrow.Type.FixedSizeList: {
        const nullBitmap = this.validity(path, length, nullCount);
        const f = type.children[0]!;
        const child = this.visit(f.type, `${path}.${f.name}`, depth + 1);
        const need = length * (type as arrow.FixedSizeList).listSize;
        if (child.length < need)
          this.fail(`column '${path}': child has ${child.length} rows, needs ${need}`, this.nodes.pos);
        return arrow.makeData({ type: type as arrow.FixedSizeList, length, nullCount, nullBitmap, child });
      }
      case arrow.Type.Struct: {
        const nullBitmap = this.validity(path, length, nullCount);
        const children = type.children.map((f) => {
          const c = this.visit(f.type, `${path}.${f.name}`, depth + 1);
          if (c.length < length)
            this.fail(`column '${path}.${f.name}' has ${c.length} rows, needs ${length}`, this.nodes.pos);
          return c;
        });
        return arrow.makeData({ type: type as arrow.Struct, length, nullCount, nullBitmap, children });
      }
      case arrow.Type.Union:
        return this.union(type as arrow.Union, path, depth, length, nullCount);
      case arrow.Type.Dictionary:
        return this.dictionary(type as arrow.Dictionary, path, length, nullCount);
      default:
        return this.fail(
          `column '${path}': Arrow type ${String(type)} is not supported by this decoder`,
          this.nodes.pos,
        );
    }
  }

  private union(
    type: arrow.Union,
    path: string,
    depth: number,
    length: number,
    nullCount: number,
  ): arrow.Data {
    // metadata V4 (before Arrow 1.0) still had a validity buffer for unions
    if (this.metadataVersion < 4) this.nextBuffer(path, 0, 'validity');
    const typeIds = this.values<Int8Array>(path, Int8Array, length);
    const dense = type.mode === arrow.UnionMode.Dense;
    const valueOffsets = dense ? this.values<Int32Array>(path, Int32Array, length) : undefined;
    const children = type.children.map((f) => this.visit(f.type, `${path}.${f.name}`, depth + 1));
    const childOf = type.typeIdToChildIndex;
    for (let i = 0; i < length; i++) {
      const c = childOf[typeIds[i]!];
      if (c === undefined)
        this.fail(`column '${path}': unknown union type id ${typeIds[i]} at row ${i}`, this.nodes.pos);
      const at = dense ? valueOffsets![i]! : i;
      if (at < 0 || at >= children[c]!.length) {
        this.fail(
          `column '${path}': union row ${i} points at row ${at} of a ${children[c]!.length}-row child`,
          this.nodes.pos,
        );
      }
    }
    const props = { type, length, nullCount, typeIds, children };
    return dense
      ? arrow.makeData({ ...props, type: type as arrow.DenseUnion, valueOffsets: valueOffsets! })
      : arrow.makeData({ ...props, type: type as arrow.SparseUnion });
  }

  private dictionary(type: arrow.Dictionary, path: string, length: number, nullCount: number): arrow.Data {
    const nullBitmap = this.validity(path, length, nullCount);
    const Ctor = (type.indices as unknown as { ArrayType: TypedArrayCtor }).ArrayType;
    const data = this.values<Int32Array>(path, Ctor, length);
    const dictionary = this.dictionaries.get(type.id);
    if (dictionary === undefined)
      this.fail(`column '${path}': no dictionary with id ${type.id} was sent`, this.nodes.pos);
    const size = dictionary.length;
    for (let i = 0; i < length; i++) {
      if (nullBitmap !== undefined && (nullBitmap[i >> 3]! & (1 << (i & 7))) === 0) continue;
      const k = Number(data[i]!);
      if (k < 0 || k >= size)
        this.fail(
          `column '${path}': dictionary index ${k} at row ${i} outside a ${size}-entry dictionary`,
          this.nodes.pos,
        );
    }
    return arrow.makeData({ type, length, nullCount, nullBitmap, data, dictionary });
  }
}

/** Elements of the type's ArrayType per row. */
function stride(type: arrow.DataType): number {
  switch (type.typeId) {
    case arrow.Type.Decimal:
      return (type as arrow.Decimal).bitWidth / 32;
    case arrow.Type.FixedSizeBinary:
      return (type as arrow.FixedSizeBinary).byteWidth;
    case arrow.Type.Interval: {
      const unit = (type as arrow.Interval).unit;
      return unit === arrow.IntervalUnit.MONTH_DAY_NANO ? 4 : unit === arrow.IntervalUnit.DAY_TIME ? 2 : 1;
    }
    default:
      return 1;
  }
}

const NO_BITMAP = new Uint8Array(0);

/**
 * The Data of a flat column (fixed width, or offsets + bytes), made directly: what
 * `arrow.makeData` builds for these types, without its visitor dispatch and buffer conversions
 * (the buffers here are already typed arrays of the right kind) — a few µs per column per batch
 * on both ends of the data plane.
 */
function flatData(
  type: arrow.DataType,
  length: number,
  nullCount: number,
  nullBitmap: Uint8Array | undefined,
  values: ArrayBufferView,
  valueOffsets?: Int32Array,
): arrow.Data {
  return new arrow.Data(type, 0, length, nullCount, [valueOffsets, values, nullBitmap ?? NO_BITMAP] as never);
}
