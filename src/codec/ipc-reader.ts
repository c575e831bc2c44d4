/**
 * Arrow IPC decoding: the encapsulated message framing, a stateful stream reader (schema,
 * dictionary batches, record batches, optional end-of-stream marker), and whole streams or files.
 *
 * Message framing (Arrow columnar format, "Encapsulated message format"): `0xFFFFFFFF`, int32
 * metadata length, the `Message` flatbuffer (padded to 8 bytes), then `bodyLength` body bytes. A
 * metadata length of 0 is the end-of-stream marker. The pre-0.15 format without the continuation
 * marker is not accepted (no producer vecudf talks to writes it).
 *
 * Slots read: Message {0 version: short, 1 header_type: ubyte, 2 header, 3 bodyLength: long};
 * DictionaryBatch {0 id: long, 1 data: RecordBatch, 2 isDelta: bool};
 * Footer {1 schema, 2 dictionaries: [Block], 3 recordBatches: [Block]}, Block {offset: long,
 * metaDataLength: int, bodyLength: long} (24 bytes).
 *
 * @example
 * const { schema, batches } = decodeIpc(fs.readFileSync('data.arrow'));
 */
import * as arrow from 'apache-arrow';
import { recordBatchOf } from '../util/record-batch.js';
import { readRecordBatch, type ScratchAllocator } from './ipc-batch-reader.js';
import { ArrowDecodeError } from './ipc-errors.js';
import { FbReader, type FbTable } from './ipc-flatbuffers.js';
import { readSchema } from './ipc-schema-reader.js';

const CONTINUATION = 0xffffffff;
const HEADER_SCHEMA = 1;
const HEADER_DICTIONARY_BATCH = 2;
const HEADER_RECORD_BATCH = 3;
/** MetadataVersion V4 (Arrow 0.8–0.17) and V5 (Arrow ≥ 1.0). */
const MIN_VERSION = 3;
const MAX_VERSION = 4;

/** One framed message: where its metadata and body are. */
interface Message {
  readonly fb: FbReader;
  readonly headerType: number;
  readonly header: FbTable;
  readonly version: number;
  /** Position of the metadata flatbuffer (after the 8-byte prefix). */
  readonly metaStart: number;
  readonly metaEnd: number;
  readonly bodyStart: number;
  readonly bodyLength: number;
  /** Position after the body. */
  readonly next: number;
}

/**
 * Reads the message framed at `bytes[pos]`, bounded by `end`; null for the end-of-stream marker.
 * `base` is the absolute offset of `bytes[0]` in the caller's input, for error positions.
 */
function readMessage(view: DataView, pos: number, end: number, base: number): Message | null {
  if (end - pos < 8) {
    throw new ArrowDecodeError(
      `truncated message: ${end - pos} bytes left, a message prefix needs 8`,
      base + pos,
    );
  }
  const marker = view.getUint32(pos, true);
  if (marker !== CONTINUATION) {
    throw new ArrowDecodeError(
      `expected continuation marker 0xFFFFFFFF, got 0x${marker.toString(16).padStart(8, '0').toUpperCase()}`,
      base + pos,
    );
  }
  const metaLength = view.getInt32(pos + 4, true);
  if (metaLength === 0) return null;
  const metaStart = pos + 8;
  if (metaLength < 0 || metaLength > end - metaStart) {
    throw new ArrowDecodeError(
      `message metadata length ${metaLength} runs past the end of the input (${end - metaStart} bytes left)`,
      base + pos + 4,
    );
  }
  const metaEnd = metaStart + metaLength;
  const fb = new FbReader(view, metaStart, metaEnd, base, 'message metadata');
  const msg = fb.root();
  const version = fb.i16(msg, 0, 0);
  if (version < MIN_VERSION || version > MAX_VERSION) {
    fb.fail(`unsupported metadata version ${version + 1} (V4 and V5 are supported)`, msg.pos);
  }
  const headerType = fb.u8(msg, 1, 0);
  const header = fb.table(msg, 2);
  if (header === null) throw fb.error('message has no header', msg.pos);
  const bodyLength = fb.i64(msg, 3, 0);
  if (bodyLength < 0 || bodyLength > end - metaEnd) {
    throw new ArrowDecodeError(
      `message body length ${bodyLength} runs past the end of the input (${end - metaEnd} bytes left)`,
      base + metaEnd,
    );
  }
  return {
    fb,
    headerType,
    header,
    version,
    metaStart,
    metaEnd,
    bodyStart: metaEnd,
    bodyLength,
    next: metaEnd + bodyLength,
  };
}

/**
 * A reader of consecutive Arrow IPC messages that keeps the schema and dictionaries between
 * calls, so that it can follow one long-lived stream cut into pieces (a schema once, then
 * dictionary and record batches) as well as Flink's self-contained elements (every piece repeats
 * the schema, which then replaces the previous one and its dictionaries).
 */
export class IpcMessageReader {
  /** @param options.allocateScratch memory for realigned buffers, see {@link ScratchAllocator} */
  constructor(private readonly options: { allocateScratch?: ScratchAllocator } = {}) {}

  private schemaValue: arrow.Schema | null = null;
  private schemaBytes: Uint8Array | null = null;
  private structType: arrow.Struct | null = null;
  /** Value field of each dictionary id of the current schema. */
  private dictionaryFields = new Map<number, arrow.Field>();
  private dictionaries = new Map<number, arrow.Vector>();

  /** The schema of the stream so far (null before the first schema message). */
  get schema(): arrow.Schema | null {
    return this.schemaValue;
  }

  /** Starts over with a known schema (a stream whose schema was sent out of band). */
  setSchema(schema: arrow.Schema): void {
    this.useSchema(schema, null);
  }

  private useSchema(schema: arrow.Schema, bytes: Uint8Array | null): void {
    this.schemaValue = schema;
    this.schemaBytes = bytes;
    this.structType = new arrow.Struct(schema.fields);
    this.dictionaries = new Map();
    this.dictionaryFields = new Map();
    const visit = (type: arrow.DataType) => {
      if (arrow.DataType.isDictionary(type)) {
        this.dictionaryFields.set(type.id, new arrow.Field('dictionary', type.dictionary, true));
        visit(type.dictionary);
      }
      for (const c of type.children ?? []) visit(c.type);
    };
    for (const f of schema.fields) visit(f.type);
  }

  /**
   * Reads messages in `bytes[start, end)` and appends the record batches to `out`. Stops at the
   * end of the range or after an end-of-stream marker; returns the position after the last
   * message read and whether it was the marker. `base` is the absolute offset of `bytes[0]`.
   */
  read(
    bytes: Uint8Array,
    start: number,
    end: number,
    base: number,
    out: arrow.RecordBatch[],
  ): { next: number; eos: boolean } {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = start;
    while (pos < end) {
      const msg = readMessage(view, pos, end, base);
      if (msg === null) return { next: pos + 8, eos: true };
      this.apply(bytes, msg, out);
      pos = msg.next;
    }
    return { next: pos, eos: false };
  }

  /**
   * Reads one self-contained stream (Flink's element payload): it must start with a schema
   * message (the same bytes as the previous stream's keep the parsed schema), and every record
   * batch is appended to `out`. Returns the position after the last message read.
   */
  readStream(bytes: Uint8Array, out: arrow.RecordBatch[]): number {
    if (bytes.length === 0)
      throw new ArrowDecodeError('empty input: an Arrow stream starts with a schema', 0);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const first = readMessage(view, 0, bytes.length, 0);
    if (first === null || first.headerType !== HEADER_SCHEMA) {
      throw new ArrowDecodeError('stream has no schema', 0);
    }
    this.apply(bytes, first, out);
    const { next, eos } = this.read(bytes, first.next, bytes.length, 0, out);
    if (eos && next < bytes.length) {
      throw new ArrowDecodeError(`${bytes.length - next} bytes after the end-of-stream marker`, next);
    }
    return next;
  }

  /** Handles one message (also used by the file reader for its blocks). */
  apply(bytes: Uint8Array, msg: Message, out: arrow.RecordBatch[] | null): void {
    try {
      this.applyChecked(bytes, msg, out);
    } catch (e) {
      if (e instanceof ArrowDecodeError) throw e;
      // a safety net: whatever slipped past the checks (an Arrow constructor refusing a type, say)
      // is still a decode error at this message
      throw msg.fb.error(`malformed message (${(e as Error).message})`, msg.metaStart - 8);
    }
  }

  private applyChecked(bytes: Uint8Array, msg: Message, out: arrow.RecordBatch[] | null): void {
    const { fb, header } = msg;
    switch (msg.headerType) {
      case HEADER_SCHEMA: {
        const raw = bytes.subarray(msg.metaStart, msg.metaEnd);
        if (this.schemaBytes !== null && sameBytes(raw, this.schemaBytes)) {
          // the same schema again (Flink repeats it in every element): keep the parsed one
          this.dictionaries = new Map();
          return;
        }
        this.useSchema(readSchema(fb, header), raw.slice());
        return;
      }
      case HEADER_DICTIONARY_BATCH: {
        if (this.schemaValue === null) fb.fail('dictionary batch before any schema', header.pos);
        const id = fb.i64(header, 0, 0);
        const field = this.dictionaryFields.get(id);
        if (field === undefined)
          throw fb.error(`dictionary batch for id ${id}, which no field of the schema uses`, header.pos);
        const rb = fb.table(header, 1);
        if (rb === null) throw fb.error('dictionary batch without data', header.pos);
        const body = {
          bytes,
          start: msg.bodyStart,
          length: msg.bodyLength,
          allocate: this.options.allocateScratch,
        };
        const { children } = readRecordBatch(fb, rb, body, [field], this.dictionaries, msg.version);
        const values = arrow.makeVector(children[0]!);
        const prev = this.dictionaries.get(id);
        this.dictionaries.set(
          id,
          fb.bool(header, 2, false) && prev !== undefined ? prev.concat(values) : values,
        );
        return;
      }
      case HEADER_RECORD_BATCH: {
        const schema = this.schemaValue;
        if (schema === null) throw fb.error('record batch before any schema', header.pos);
        const body = {
          bytes,
          start: msg.bodyStart,
          length: msg.bodyLength,
          allocate: this.options.allocateScratch,
        };
        const { length, children } = readRecordBatch(
          fb,
          header,
          body,
          schema.fields,
          this.dictionaries,
          msg.version,
        );
        // what makeData makes of a struct, without its visitor dispatch (per batch, both sides)
        const data = new arrow.Data(
          this.structType!,
          0,
          length,
          0,
          [undefined, undefined, NO_BITMAP] as never,
          children,
        );
        out?.push(recordBatchOf(schema, data as arrow.Data<arrow.Struct>));
        return;
      }
      default:
        fb.fail(`unsupported message type ${msg.headerType}`, header.pos);
    }
  }
}

const NO_BITMAP = new Uint8Array(0);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  // one native compare (the schema is compared for every element: Flink repeats it in each)
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** A decoded stream or file. */
export interface DecodedIpc {
  readonly format: 'stream' | 'file';
  readonly schema: arrow.Schema;
  readonly batches: arrow.RecordBatch[];
}

/**
 * Decodes a complete Arrow IPC stream: schema, dictionaries, record batches, and an optional
 * end-of-stream marker (bytes after it are an error).
 */
export function decodeIpcStream(
  bytes: Uint8Array,
  options: { allocateScratch?: ScratchAllocator } = {},
): DecodedIpc {
  const reader = new IpcMessageReader(options);
  const batches: arrow.RecordBatch[] = [];
  if (bytes.length === 0) throw new ArrowDecodeError('empty input: an Arrow stream starts with a schema', 0);
  const { next, eos } = reader.read(bytes, 0, bytes.length, 0, batches);
  if (eos && next < bytes.length) {
    throw new ArrowDecodeError(`${bytes.length - next} bytes after the end-of-stream marker`, next);
  }
  if (reader.schema === null) throw new ArrowDecodeError('stream has no schema', 0);
  return { format: 'stream', schema: reader.schema, batches };
}

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

/** True when the bytes start with the Arrow file magic `ARROW1`. */
export function isArrowFile(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b);
}

/** Decodes an Arrow IPC file (`ARROW1` … footer … `ARROW1`) through its footer. */
export function decodeIpcFile(bytes: Uint8Array): DecodedIpc {
  const n = bytes.length;
  if (!isArrowFile(bytes)) throw new ArrowDecodeError('missing ARROW1 magic at the start of the file', 0);
  if (n < 6 + 2 + 4 + 6 + 8)
    throw new ArrowDecodeError(`file of ${n} bytes is too short for an Arrow file`, n);
  if (!MAGIC.every((b, i) => bytes[n - 6 + i] === b)) {
    throw new ArrowDecodeError('missing ARROW1 magic at the end of the file (truncated?)', n - 6);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const footerLength = view.getInt32(n - 10, true);
  const footerEnd = n - 10;
  if (footerLength <= 0 || footerLength > footerEnd - 8) {
    throw new ArrowDecodeError(`footer length ${footerLength} does not fit in the file`, n - 10);
  }
  const footerStart = footerEnd - footerLength;
  const fb = new FbReader(view, footerStart, footerEnd, 0, 'file footer');
  const footer = fb.root();
  const schemaTable = fb.table(footer, 1);
  if (schemaTable === null) throw fb.error('footer has no schema', footer.pos);
  const reader = new IpcMessageReader();
  reader.setSchema(readSchema(fb, schemaTable));
  const batches: arrow.RecordBatch[] = [];
  const readBlocks = (id: number, want: number, out: arrow.RecordBatch[] | null) => {
    const v = fb.vector(footer, id, 24);
    if (v === null) return;
    for (let i = 0; i < v.length; i++) {
      const p = v.pos + 24 * i;
      const offset = fb.int64At(p);
      if (offset < 8 || offset >= footerStart)
        fb.fail(`block offset ${offset} outside the file's messages`, p);
      const msg = readMessage(view, offset, footerStart, 0);
      if (msg === null) throw fb.error(`block at ${offset} is an end-of-stream marker`, p);
      if (msg.headerType !== want)
        fb.fail(`block at ${offset} holds message type ${msg.headerType}, expected ${want}`, p);
      reader.apply(bytes, msg, out);
    }
  };
  readBlocks(2, HEADER_DICTIONARY_BATCH, null);
  readBlocks(3, HEADER_RECORD_BATCH, batches);
  return { format: 'file', schema: reader.schema!, batches };
}

/** Decodes an Arrow IPC file or stream, told apart by the `ARROW1` magic. */
export function decodeIpc(input: Uint8Array): DecodedIpc {
  return isArrowFile(input) ? decodeIpcFile(input) : decodeIpcStream(input);
}
