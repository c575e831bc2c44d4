/**
 * The data-plane element framing Flink uses between its Arrow operators and the worker
 * (design.md §4, protocol-notes/pyflink.md §1.5): each element is `varint(length)` followed by a
 * complete Arrow IPC stream holding the schema and exactly one record batch, with no end-of-stream
 * marker. Several elements are simply concatenated in one data-plane message.
 *
 * The encoder caches the schema message bytes and writes the record batch message itself; the
 * decoder realigns an element to 8 bytes when it sits at an odd offset (gRPC hands buffers over
 * like that) and then decodes without copying column buffers. The decoder also follows a
 * long-lived stream whose later elements carry only record batches (and dictionary batches).
 *
 * @example
 * const enc = new ArrowFrameEncoder(batch.schema);
 * const bytes = enc.encodeMany([batch1, batch2]); // two elements in one buffer
 * const batches = new ArrowFrameDecoder().decode(bytes); // [batch1', batch2']
 */
import type * as arrow from 'apache-arrow';
import { codecClock } from './codec-clock.js';
import type { ScratchAllocator } from './ipc-batch-reader.js';
import { ArrowDecodeError } from './ipc-errors.js';
import { IpcMessageReader } from './ipc-reader.js';
import {
  allocOutput,
  type BatchPlan,
  batchMessageSize,
  type EncodableColumn,
  planBatch,
  planDictionaries,
  schemaMessage,
  writeBatchMessage,
} from './ipc-writer.js';
import { readVarint, varintSize, writeVarint } from './varint.js';

interface ElementPlan {
  readonly parts: { plan: BatchPlan; dictionary: { id: number; isDelta: boolean } | null }[];
  /** Bytes of the IPC stream (without the varint). */
  readonly streamLength: number;
}

/** Writes data-plane elements (schema + one record batch each) for one fixed schema. */
export class ArrowFrameEncoder {
  private readonly schemaBytes: Uint8Array;

  private scratch: Uint8Array | null = null;
  private readonly reuseOutput: boolean;

  /**
   * @param options.reuseOutput return views of one internal buffer, reused by the next call,
   *   instead of a fresh buffer per call: for a caller that copies the bytes right away (into a
   *   gRPC message). Fresh buffers of 100 KB+ cost more in page faults than the encoding itself.
   * @param options.allocate where output buffers come from (at least `n` bytes, 8-byte aligned;
   *   default: fresh memory), e.g. a pool the caller gives them back to once they are copied.
   */
  constructor(
    readonly schema: arrow.Schema,
    options: { reuseOutput?: boolean; allocate?: (n: number) => Uint8Array } = {},
  ) {
    this.schemaBytes = schemaMessage(schema);
    this.reuseOutput = options.reuseOutput ?? false;
    this.allocate = options.allocate ?? allocOutput;
  }

  private readonly allocate: (n: number) => Uint8Array;

  private output(n: number): Uint8Array {
    if (!this.reuseOutput) return this.allocate(n).subarray(0, n);
    if (this.scratch === null || this.scratch.length < n)
      this.scratch = allocOutput(Math.max(n, 2 * (this.scratch?.length ?? 0)));
    return this.scratch.subarray(0, n);
  }

  private plan(batch: arrow.RecordBatch): ElementPlan {
    return this.planOf(batch.data.children, batch.numRows);
  }

  private planOf(columns: readonly EncodableColumn[], numRows: number): ElementPlan {
    const fields = this.schema.fields;
    if (columns.length !== fields.length) {
      throw new TypeError(`batch has ${columns.length} columns, the encoder's schema ${fields.length}`);
    }
    for (let i = 0; i < fields.length; i++) {
      if (columns[i]!.type.typeId !== fields[i]!.type.typeId) {
        throw new TypeError(
          `column ${i} ('${fields[i]!.name}') is ${String(columns[i]!.type)}, the encoder's schema says ${String(fields[i]!.type)}`,
        );
      }
    }
    const plan = planBatch(columns, numRows);
    const parts: ElementPlan['parts'] = [];
    if (plan.dictionaries.size > 0) {
      for (const d of planDictionaries(plan.dictionaries)) {
        parts.push({ plan: d.plan, dictionary: { id: d.id, isDelta: d.isDelta } });
      }
    }
    parts.push({ plan, dictionary: null });
    let streamLength = this.schemaBytes.length;
    for (const p of parts) streamLength += batchMessageSize(p.plan, p.dictionary !== null);
    return { parts, streamLength };
  }

  /**
   * `batch` planned once, to be written later into a message being built: its element's size,
   * where its IPC stream starts (after the varint prefix), and a writer. What `elementSize` then
   * `encodeInto` do, without planning the batch twice.
   *
   * @example
   * const el = enc.planElement(batch);
   * const end = el.write(message, pos); // end === pos + el.size
   */
  planElement(batch: arrow.RecordBatch): PlannedElement {
    return new PlannedElement(this, this.plan(batch));
  }

  /**
   * {@link planElement} for a batch given as its columns, which may include deferred ones (values
   * written straight into the message, see `DeferredColumn` in ipc-writer.ts).
   *
   * @example
   * const el = enc.planColumns([a.data[0], lazyColumn], n);
   */
  planColumns(columns: readonly EncodableColumn[], numRows: number): PlannedElement {
    return new PlannedElement(this, this.planOf(columns, numRows));
  }

  /** @internal Writes a planned element at `out[pos]` (see {@link PlannedElement.write}). */
  writePlanned(out: Uint8Array, pos: number, e: ElementPlan, size: number): number {
    if (pos + size > out.length)
      throw new RangeError(`element needs ${size} bytes, ${out.length - pos} left`);
    return this.write(out, new DataView(out.buffer, out.byteOffset, out.byteLength), pos, e);
  }

  /** Bytes {@link encodeInto} writes for `batch`. */
  elementSize(batch: arrow.RecordBatch): number {
    const { streamLength } = this.plan(batch);
    return varintSize(streamLength) + streamLength;
  }

  private write(out: Uint8Array, dv: DataView, pos: number, e: ElementPlan): number {
    pos = writeVarint(out, pos, e.streamLength);
    out.set(this.schemaBytes, pos);
    // message positions only need 8-byte alignment relative to the stream start, which holds:
    // the schema message and every batch message are multiples of 8 bytes long
    pos += this.schemaBytes.length;
    for (const p of e.parts) pos = writeBatchMessage(out, dv, pos, p.plan, p.dictionary);
    return pos;
  }

  /** One element for `batch` (its time goes to `codecClock.encodeMs`). */
  encode(batch: arrow.RecordBatch): Uint8Array {
    const t0 = performance.now();
    const e = this.plan(batch);
    const out = this.output(varintSize(e.streamLength) + e.streamLength);
    this.write(out, new DataView(out.buffer, out.byteOffset, out.byteLength), 0, e);
    codecClock.encodeMs += performance.now() - t0;
    return out;
  }

  /** Several elements back to back in one buffer (one data-plane message). */
  encodeMany(batches: readonly arrow.RecordBatch[]): Uint8Array {
    const plans = batches.map((b) => this.plan(b));
    let size = 0;
    for (const e of plans) size += varintSize(e.streamLength) + e.streamLength;
    const out = this.output(size);
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    let pos = 0;
    for (const e of plans) pos = this.write(out, dv, pos, e);
    return out;
  }

  /** Writes the element of `batch` at `out[pos]`; returns the position after it. */
  encodeInto(batch: arrow.RecordBatch, out: Uint8Array, pos: number): number {
    const e = this.plan(batch);
    const need = varintSize(e.streamLength) + e.streamLength;
    if (pos + need > out.length)
      throw new RangeError(`element needs ${need} bytes, ${out.length - pos} left`);
    return this.write(out, new DataView(out.buffer, out.byteOffset, out.byteLength), pos, e);
  }
}

/** An element planned by {@link ArrowFrameEncoder.planElement}, written once its place is known. */
export class PlannedElement {
  /** Bytes of the element, varint prefix included. */
  readonly size: number;
  /** Offset of the IPC stream in the element (the varint prefix's length). */
  readonly alignAt: number;

  constructor(
    private readonly encoder: ArrowFrameEncoder,
    private readonly plan: ElementPlan,
  ) {
    this.alignAt = varintSize(plan.streamLength);
    this.size = this.alignAt + plan.streamLength;
  }

  /** Writes the element at `out[pos]`; returns the position after it. */
  write(out: Uint8Array, pos: number): number {
    return this.encoder.writePlanned(out, pos, this.plan, this.size);
  }
}

/**
 * Reads data-plane elements into record batches. Stateful across calls: a later element may
 * carry only record batches (and dictionary batches) for the schema an earlier one sent. Column
 * buffers of the returned batches are views of the input (or, for buffers at misaligned
 * positions, of one aligned copy per message), so the input must not be modified while they are
 * in use.
 */
export class ArrowFrameDecoder {
  private readonly reader: IpcMessageReader;

  /**
   * @param options.allocateScratch memory for the buffers that need realigning (elements at odd
   *   offsets); defaults to fresh memory. See `ScratchAllocator` in ipc-batch-reader.ts.
   */
  constructor(options: { allocateScratch?: ScratchAllocator } = {}) {
    this.reader = new IpcMessageReader(options);
  }

  /** The schema of the last element read (null before the first). */
  get schema(): arrow.Schema | null {
    return this.reader.schema;
  }

  /** Decodes every element in `input` (one or more, back to back). */
  decode(input: Uint8Array): arrow.RecordBatch[] {
    const out: arrow.RecordBatch[] = [];
    let pos = 0;
    while (pos < input.length) {
      const { value: len, next } = readVarint(input, pos, input.length);
      if (len > input.length - next) {
        throw new ArrowDecodeError(
          `element length ${len} runs past the end of the input (${input.length - next} bytes left)`,
          pos,
        );
      }
      this.decodeElement(input, next, len, out);
      pos = next + len;
    }
    return out;
  }

  private decodeElement(input: Uint8Array, start: number, len: number, out: arrow.RecordBatch[]): void {
    if (len === 0) return;
    // an element at an odd offset is realigned buffer by buffer (only what needs alignment is
    // copied, once), see ipc-batch-reader's `view`
    const { next, eos } = this.reader.read(input, start, start + len, 0, out);
    if (eos && next < start + len) {
      throw new ArrowDecodeError(
        `${start + len - next} bytes after the end-of-stream marker in an element`,
        next,
      );
    }
  }
}

/**
 * Decodes element payloads — one self-contained IPC stream each (schema + one record batch, the
 * bytes after the varint prefix) — in place: column buffers are views of the payload, and only
 * a buffer at a misaligned position is copied (into one scratch buffer per payload). The parsed
 * schema is kept while the payloads repeat the same schema bytes (Flink's elements all do), so a
 * payload costs the flatbuffer walk of its batch header and little else. Time goes to
 * `codecClock.decodeMs`.
 *
 * @example
 * const dec = new ArrowPayloadDecoder();
 * const batch = dec.decode(payload); // payload: an element without its varint prefix
 */
export class ArrowPayloadDecoder {
  private readonly reader: IpcMessageReader;

  constructor(options: { allocateScratch?: ScratchAllocator } = {}) {
    this.reader = new IpcMessageReader(options);
  }

  /** The one record batch of `payload`. */
  decode(payload: Uint8Array): arrow.RecordBatch {
    const t0 = performance.now();
    const out: arrow.RecordBatch[] = [];
    this.reader.readStream(payload, out);
    if (out.length !== 1) {
      throw new RangeError(
        `an Arrow element must hold exactly one record batch, this one holds ${out.length}`,
      );
    }
    codecClock.decodeMs += performance.now() - t0;
    return out[0]!;
  }
}

const sharedPayloadDecoder = new ArrowPayloadDecoder();

/**
 * The one record batch of an element payload, decoded in place by a decoder shared by the
 * thread (decoding is synchronous, so calls never interleave). See {@link ArrowPayloadDecoder}.
 */
export function decodeArrowPayload(payload: Uint8Array): arrow.RecordBatch {
  return sharedPayloadDecoder.decode(payload);
}
