/**
 * Arrow IPC encoding. The schema message is built once per schema with apache-arrow's own
 * flatbuffer writer (a cold path) and cached as bytes; record batch and dictionary batch messages
 * — the per-batch hot path — are written here directly: a fixed flatbuffer layout (below) with the
 * field nodes and buffer entries filled in, then the body buffers copied once into the output.
 *
 * Columns follow Arrow JS's Data convention: a sliced Data keeps its validity bitmap and Bool bits
 * at a bit offset, and var-width offsets are absolute into the values; such columns are rebased
 * here (bitmaps shifted, offsets re-zeroed, children cut) so the bytes are a clean 0-offset array.
 *
 * @example
 * const bytes = encodeIpcStream(table.schema, table.batches); // a complete stream with EOS
 */
import * as arrow from 'apache-arrow';

const CONTINUATION = 0xffffffff;
const V5 = 4;
const HEADER_SCHEMA_BYTES_ALIGN = 8;
const HEADER_DICTIONARY_BATCH = 2;
const HEADER_RECORD_BATCH = 3;

/**
 * A fixed-width column whose values are not computed yet: they are written straight into the
 * message that carries them (e.g. a lazy fused expression, see series/kernels/fused.ts), instead
 * of into a column of their own and then copied. Its validity is known up front (the IPC field
 * node needs the null count before the body is written).
 */
export interface DeferredColumn {
  readonly type: arrow.DataType;
  readonly length: number;
  readonly nullCount: number;
  /**
   * Writes the validity bitmap, `(length + 7) >> 3` bytes, row 0 at bit 0, at `out[pos]`; called
   * only when `nullCount > 0`.
   */
  writeValidity(out: Uint8Array, pos: number): void;
  /** Bytes of the values buffer (`length` × the type's byte width). */
  readonly valueBytes: number;
  /** Writes exactly `valueBytes` bytes of values at `out[pos]` (pos is 8-aligned in the stream). */
  writeValues(out: Uint8Array, pos: number): void;
}

/** A column to encode: Arrow data, or a {@link DeferredColumn}. */
export type EncodableColumn = arrow.Data | DeferredColumn;

/** A body buffer: bytes, or written when the message is (a deferred column's values). */
export type BodyBuffer =
  | Uint8Array
  | { readonly byteLength: number; write(out: Uint8Array, pos: number): void };

/** Whether `c` is a {@link DeferredColumn}. */
export function isDeferredColumn(c: EncodableColumn): c is DeferredColumn {
  return typeof (c as DeferredColumn).writeValues === 'function';
}

/** Field nodes and body buffers of one record batch, ready to be written. */
export interface BatchPlan {
  readonly length: number;
  /** [length, nullCount] per field node, flattened. */
  readonly nodes: number[];
  readonly buffers: BodyBuffer[];
  /** Body size: every buffer padded to 8 bytes. */
  readonly bodyLength: number;
  /** Dictionaries used by the columns (inner ones first), by id. */
  readonly dictionaries: Map<number, arrow.Vector>;
}

const pad8 = (n: number) => (n + 7) & ~7;

/**
 * An output buffer of `n` bytes with its own ArrayBuffer (so that it can be transferred to another
 * thread), not zero-filled: the writers here write every byte, padding included.
 */
export function allocOutput(n: number): Uint8Array {
  if (typeof Buffer !== 'undefined') {
    const b = Buffer.allocUnsafeSlow(n);
    return new Uint8Array(b.buffer, b.byteOffset, n);
  }
  return new Uint8Array(n);
}
const EMPTY = new Uint8Array(0);

/** Bytes of a typed array range, as a view. */
function bytesOf(a: ArrayBufferView, byteStart: number, byteLength: number): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset + byteStart, byteLength);
}

/** `length` bits starting at bit `offset` of `bits`, as a 0-offset bitmap (a view when byte-aligned). */
function bitsFrom(bits: Uint8Array, offset: number, length: number): Uint8Array {
  const nBytes = (length + 7) >> 3;
  if ((offset & 7) === 0) return bits.subarray(offset >> 3, (offset >> 3) + nBytes);
  const out = new Uint8Array(nBytes);
  const shift = offset & 7;
  const start = offset >> 3;
  for (let k = 0; k < nBytes; k++) {
    const lo = bits[start + k] ?? 0;
    const hi = bits[start + k + 1] ?? 0;
    out[k] = ((lo >> shift) | (hi << (8 - shift))) & 0xff;
  }
  return out;
}

class Planner {
  readonly nodes: number[] = [];
  readonly buffers: BodyBuffer[] = [];
  bodyLength = 0;
  readonly dictionaries = new Map<number, arrow.Vector>();

  private push(b: BodyBuffer): void {
    this.buffers.push(b);
    this.bodyLength += pad8(b.byteLength);
  }

  /** Adds the field node and buffers of a deferred fixed-width column. */
  addDeferred(c: DeferredColumn): void {
    this.nodes.push(c.length, c.nullCount);
    this.push(
      c.nullCount > 0
        ? { byteLength: (c.length + 7) >> 3, write: (out, pos) => c.writeValidity(out, pos) }
        : EMPTY,
    );
    this.push({ byteLength: c.valueBytes, write: (out, pos) => c.writeValues(out, pos) });
  }

  private validity(d: arrow.Data): void {
    const nulls = d.nullCount;
    this.push(
      nulls > 0 && d.nullBitmap && d.nullBitmap.length > 0
        ? bitsFrom(d.nullBitmap, d.offset, d.length)
        : EMPTY,
    );
  }

  private offsets32(o: Int32Array, length: number): { start: number; end: number } {
    if (length === 0 || o.length === 0) {
      this.push(new Uint8Array(4));
      return { start: 0, end: 0 };
    }
    const start = o[0]!;
    const end = o[length]!;
    if (start === 0) {
      this.push(bytesOf(o, 0, (length + 1) * 4));
    } else {
      const r = new Int32Array(length + 1);
      for (let i = 0; i <= length; i++) r[i] = o[i]! - start;
      this.push(bytesOf(r, 0, r.byteLength));
    }
    return { start, end };
  }

  private offsets64(o: BigInt64Array, length: number): { start: number; end: number } {
    if (length === 0 || o.length === 0) {
      this.push(new Uint8Array(8));
      return { start: 0, end: 0 };
    }
    const start = o[0]!;
    const end = o[length]!;
    if (start === 0n) {
      this.push(bytesOf(o, 0, (length + 1) * 8));
    } else {
      const r = new BigInt64Array(length + 1);
      for (let i = 0; i <= length; i++) r[i] = o[i]! - start;
      this.push(bytesOf(r, 0, r.byteLength));
    }
    return { start: Number(start), end: Number(end) };
  }

  /** Adds field nodes and buffers of `d` (depth first, as the IPC format orders them). */
  add(d: arrow.Data): void {
    const type = d.type as arrow.DataType;
    const length = d.length;
    switch (type.typeId) {
      case arrow.Type.Null:
        this.nodes.push(length, length);
        return;
      case arrow.Type.Union: {
        this.nodes.push(length, 0);
        const typeIds = d.typeIds as Int8Array;
        this.push(bytesOf(typeIds, 0, length));
        const dense = (type as arrow.Union).mode === arrow.UnionMode.Dense;
        if (dense) this.push(bytesOf(d.valueOffsets as Int32Array, 0, length * 4));
        for (const c of d.children) this.add(dense || c.length === length ? c : c.slice(0, length));
        return;
      }
      default:
        this.nodes.push(length, d.nullCount);
    }
    this.validity(d);
    switch (type.typeId) {
      case arrow.Type.Bool:
        this.push(bitsFrom(d.values as Uint8Array, d.offset, length));
        return;
      case arrow.Type.Utf8:
      case arrow.Type.Binary: {
        const { start, end } = this.offsets32(d.valueOffsets as Int32Array, length);
        this.push((d.values as Uint8Array).subarray(start, end));
        return;
      }
      case arrow.Type.LargeUtf8:
      case arrow.Type.LargeBinary: {
        const { start, end } = this.offsets64(d.valueOffsets as unknown as BigInt64Array, length);
        this.push((d.values as Uint8Array).subarray(start, end));
        return;
      }
      case arrow.Type.List:
      case arrow.Type.Map: {
        const { start, end } = this.offsets32(d.valueOffsets as Int32Array, length);
        const c = d.children[0]!;
        this.add(start === 0 && c.length === end ? c : c.slice(start, end - start));
        return;
      }
      case arrow.Type.LargeList: {
        const { start, end } = this.offsets64(d.valueOffsets as unknown as BigInt64Array, length);
        const c = d.children[0]!;
        this.add(start === 0 && c.length === end ? c : c.slice(start, end - start));
        return;
      }
      case arrow.Type.FixedSizeList: {
        const need = length * (type as arrow.FixedSizeList).listSize;
        const c = d.children[0]!;
        this.add(c.length === need ? c : c.slice(0, need));
        return;
      }
      case arrow.Type.Struct:
        for (const c of d.children) this.add(c.length === length ? c : c.slice(0, length));
        return;
      case arrow.Type.Dictionary: {
        const dt = type as arrow.Dictionary;
        const indices = d.values as ArrayBufferView & { BYTES_PER_ELEMENT: number };
        this.push(bytesOf(indices, 0, length * indices.BYTES_PER_ELEMENT));
        if (d.dictionary && !this.dictionaries.has(dt.id)) {
          // inner dictionaries (of the dictionary's values) go out first
          for (const chunk of d.dictionary.data) collectDictionaries(chunk, this.dictionaries);
          this.dictionaries.set(dt.id, d.dictionary);
        }
        return;
      }
      case arrow.Type.BinaryView:
      case arrow.Type.Utf8View:
        throw new TypeError(`cannot encode Arrow type ${String(type)}: view types are not supported`);
      default: {
        // fixed width: values of a sliced Data already start at row 0
        const values = d.values as ArrayBufferView & { BYTES_PER_ELEMENT: number };
        this.push(bytesOf(values, 0, length * d.stride * values.BYTES_PER_ELEMENT));
      }
    }
  }
}

/** Dictionaries nested inside `d` (depth first), for dictionaries whose values are dictionary-encoded. */
function collectDictionaries(d: arrow.Data, out: Map<number, arrow.Vector>): void {
  if (arrow.DataType.isDictionary(d.type) && d.dictionary && !out.has(d.type.id)) {
    for (const chunk of d.dictionary.data) collectDictionaries(chunk, out);
    out.set(d.type.id, d.dictionary);
  }
  for (const c of d.children) collectDictionaries(c, out);
}

/**
 * Plans the record batch message of `columns` (one Data or deferred column per schema field, all
 * `length` rows).
 */
export function planBatch(columns: readonly EncodableColumn[], length: number): BatchPlan {
  const p = new Planner();
  for (const c of columns) {
    if (c.length !== length) throw new RangeError(`column has ${c.length} rows, the batch ${length}`);
    if (isDeferredColumn(c)) p.addDeferred(c);
    else p.add(c);
  }
  return {
    length,
    nodes: p.nodes,
    buffers: p.buffers,
    bodyLength: p.bodyLength,
    dictionaries: p.dictionaries,
  };
}

/** Size of the metadata flatbuffer written by {@link writeBatchMessage}. */
function metaLength(plan: BatchPlan, dictionary: boolean): number {
  return (dictionary ? 112 : 80) + 16 * (plan.nodes.length / 2 + plan.buffers.length);
}

/** Bytes of a framed record batch (or dictionary batch) message. */
export function batchMessageSize(plan: BatchPlan, dictionary = false): number {
  return 8 + metaLength(plan, dictionary) + plan.bodyLength;
}

function setInt64(dv: DataView, pos: number, v: number): void {
  dv.setUint32(pos, v >>> 0, true);
  dv.setUint32(pos + 4, Math.floor(v / 4294967296), true);
}

/**
 * Writes the constant bytes of a batch message (continuation, metadata length, the flatbuffer
 * with zeros where lengths and offsets go) for `nNodes` field nodes and `nBuffers` buffers, at
 * `pos`. Layout, offsets from the flatbuffer's start F (a multiple of 8 from the stream start):
 *   F+0 root offset → Message table at F+16
 *   F+4 Message vtable [12, 20, version@16, header_type@18, header@4, bodyLength@8]
 *   F+16 Message table: soffset, header ref, bodyLength i64, version i16, header_type u8
 *   (dictionary) F+36 DictionaryBatch vtable [10, 20, id@8, data@4, isDelta@16],
 *                F+48 its table: soffset, data ref, id i64, isDelta
 *   R = F+36 (or F+68): RecordBatch vtable [10, 20, length@8, nodes@4, buffers@16],
 *   R+12 RecordBatch table: soffset, nodes ref, length i64, buffers ref
 *   R+32 nodes: count, 16-byte FieldNodes from R+36; then a 4-byte pad, buffers: count, 16-byte
 *   Buffers — every int64 on an 8-byte boundary, as flatbuffers verifiers require.
 */
function writeMetaLayout(
  out: Uint8Array,
  dv: DataView,
  pos: number,
  nNodes: number,
  nBuffers: number,
  dictionary: boolean,
): void {
  const meta = (dictionary ? 112 : 80) + 16 * (nNodes + nBuffers);
  dv.setUint32(pos, CONTINUATION, true);
  dv.setInt32(pos + 4, meta, true);
  const F = pos + 8;
  out.fill(0, F, F + meta);
  dv.setUint32(F, 16, true);
  // Message vtable and table
  dv.setUint16(F + 4, 12, true);
  dv.setUint16(F + 6, 20, true);
  dv.setUint16(F + 8, 16, true);
  dv.setUint16(F + 10, 18, true);
  dv.setUint16(F + 12, 4, true);
  dv.setUint16(F + 14, 8, true);
  dv.setInt32(F + 16, 12, true);
  dv.setUint32(F + 20, 28, true); // header table at F+48
  dv.setInt16(F + 32, V5, true);
  dv.setUint8(F + 34, dictionary ? HEADER_DICTIONARY_BATCH : HEADER_RECORD_BATCH);
  let R = F + 36;
  if (dictionary) {
    dv.setUint16(F + 36, 10, true);
    dv.setUint16(F + 38, 20, true);
    dv.setUint16(F + 40, 8, true);
    dv.setUint16(F + 42, 4, true);
    dv.setUint16(F + 44, 16, true);
    dv.setInt32(F + 48, 12, true);
    dv.setUint32(F + 52, 28, true); // RecordBatch table at F+80
    R = F + 68;
  }
  dv.setUint16(R, 10, true);
  dv.setUint16(R + 2, 20, true);
  dv.setUint16(R + 4, 8, true);
  dv.setUint16(R + 6, 4, true);
  dv.setUint16(R + 8, 16, true);
  const T = R + 12;
  dv.setInt32(T, 12, true);
  dv.setUint32(T + 4, 16, true); // nodes count at T+20
  const buffersCount = T + 24 + 16 * nNodes + 4;
  dv.setUint32(T + 16, buffersCount - (T + 16), true);
  dv.setUint32(T + 20, nNodes, true);
  dv.setUint32(buffersCount, nBuffers, true);
}

/**
 * The constant bytes of batch messages of one shape, written once and copied into each message
 * (then only lengths and offsets are set): a message costs one copy of ~100-200 bytes instead of
 * a few dozen DataView writes. Shapes are few (one per schema, plus its dictionaries); the cache is
 * bounded anyway.
 */
const metaTemplates = new Map<number, Uint8Array>();

function metaTemplate(nNodes: number, nBuffers: number, dictionary: boolean): Uint8Array {
  const key = (nNodes * 0x100000 + nBuffers) * 2 + (dictionary ? 1 : 0);
  let t = metaTemplates.get(key);
  if (t === undefined) {
    t = new Uint8Array(8 + (dictionary ? 112 : 80) + 16 * (nNodes + nBuffers));
    writeMetaLayout(t, new DataView(t.buffer), 0, nNodes, nBuffers, dictionary);
    if (metaTemplates.size >= 256) metaTemplates.clear();
    metaTemplates.set(key, t);
  }
  return t;
}

/**
 * Writes the record batch of `plan` at `out[pos]` (pos must be 8-aligned relative to the start of
 * the stream) as a framed message; with `dictionary`, wrapped as a DictionaryBatch. Returns the
 * position after the body. The layout is `writeMetaLayout`'s.
 */
export function writeBatchMessage(
  out: Uint8Array,
  dv: DataView,
  pos: number,
  plan: BatchPlan,
  dictionary: { id: number; isDelta: boolean } | null = null,
): number {
  const nNodes = plan.nodes.length / 2;
  const nBuffers = plan.buffers.length;
  const tpl = metaTemplate(nNodes, nBuffers, dictionary !== null);
  out.set(tpl, pos);
  const F = pos + 8;
  setInt64(dv, F + 24, plan.bodyLength);
  let R = F + 36;
  if (dictionary) {
    setInt64(dv, F + 56, dictionary.id);
    if (dictionary.isDelta) out[F + 64] = 1;
    R = F + 68;
  }
  const T = R + 12;
  setInt64(dv, T + 8, plan.length);
  const nodes = plan.nodes;
  for (let i = 0; i < nNodes; i++) {
    setInt64(dv, T + 24 + 16 * i, nodes[2 * i]!);
    setInt64(dv, T + 32 + 16 * i, nodes[2 * i + 1]!);
  }
  const buffersCount = T + 24 + 16 * nNodes + 4;
  const body = pos + tpl.length;
  let offset = 0;
  for (let i = 0; i < nBuffers; i++) {
    const b = plan.buffers[i]!;
    const e = buffersCount + 4 + 16 * i;
    setInt64(dv, e, offset);
    setInt64(dv, e + 8, b.byteLength);
    if (b instanceof Uint8Array) out.set(b, body + offset);
    else b.write(out, body + offset);
    const padded = pad8(b.byteLength);
    if (padded !== b.byteLength) out.fill(0, body + offset + b.byteLength, body + offset + padded);
    offset += padded;
  }
  return body + offset;
}

/** The framed schema message of `schema` (continuation, length, flatbuffer padded to 8). */
export function schemaMessage(schema: arrow.Schema): Uint8Array {
  const fb = arrow.Message.encode(arrow.Message.from(schema));
  const meta = (fb.length + HEADER_SCHEMA_BYTES_ALIGN - 1) & ~(HEADER_SCHEMA_BYTES_ALIGN - 1);
  const out = new Uint8Array(8 + meta);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, CONTINUATION, true);
  dv.setInt32(4, meta, true);
  out.set(fb, 8);
  return out;
}

/** Plans of the dictionary batches a batch needs: one per dictionary chunk (later chunks as deltas). */
export function planDictionaries(
  dictionaries: Map<number, arrow.Vector>,
): { id: number; isDelta: boolean; plan: BatchPlan }[] {
  const out: { id: number; isDelta: boolean; plan: BatchPlan }[] = [];
  for (const [id, vector] of dictionaries) {
    vector.data.forEach((chunk, k) => {
      out.push({ id, isDelta: k > 0, plan: planBatch([chunk], chunk.length) });
    });
  }
  return out;
}

/**
 * A complete Arrow IPC stream: schema, then for each batch its dictionaries (when they changed
 * since the previous batch) and the batch, then the end-of-stream marker.
 */
export function encodeIpcStream(schema: arrow.Schema, batches: readonly arrow.RecordBatch[]): Uint8Array {
  const head = schemaMessage(schema);
  const parts: { plan: BatchPlan; dictionary: { id: number; isDelta: boolean } | null }[] = [];
  const sent = new Map<number, arrow.Vector>();
  for (const batch of batches) {
    const plan = planBatch(batch.data.children, batch.numRows);
    const changed = new Map([...plan.dictionaries].filter(([id, v]) => sent.get(id) !== v));
    for (const d of planDictionaries(changed))
      parts.push({ plan: d.plan, dictionary: { id: d.id, isDelta: d.isDelta } });
    for (const [id, v] of changed) sent.set(id, v);
    parts.push({ plan, dictionary: null });
  }
  let size = head.length + 8;
  for (const p of parts) size += batchMessageSize(p.plan, p.dictionary !== null);
  const out = allocOutput(size);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.set(head, 0);
  let pos = head.length;
  for (const p of parts) pos = writeBatchMessage(out, dv, pos, p.plan, p.dictionary);
  dv.setUint32(pos, CONTINUATION, true);
  dv.setInt32(pos + 4, 0, true);
  return out;
}
