/**
 * A fast codec for `BeamFnData` messages (`Elements`), used by the runner's Data service in place
 * of the generated one.
 *
 * The generated ts-proto codec copies each payload three times on the way out (into the writer,
 * `finish()`, `Buffer.from`) and allocates a message object per entry on the way in. Here an
 * outgoing message is sized first and written once into a single Buffer (the payload parts are
 * copied exactly once), and incoming `Data.data` stays a zero-copy view of gRPC's buffer.
 * Wire format (beam_fn_api.proto): `Elements { repeated Data data = 1; repeated Timers timers = 2; }`,
 * `Data { string instruction_id = 1; string transform_id = 2; bytes data = 3; bool is_last = 4; }`.
 *
 * Aligned elements: a part that says where its aligned content starts (`alignAt`, e.g. the Arrow
 * IPC stream after an element's varint prefix) is given a `Data` entry of its own, with an unknown
 * field (15, length-delimited, zeros — every protobuf reader skips it) padding it so that the
 * content lands at an 8-byte boundary of the receiver's buffer. grpc-js hands a received message
 * over as a view at offset 5 of an 8-aligned buffer (its 5-byte frame header stays in front), so
 * by default (`alignFor` = GRPC_JS_MESSAGE_OFFSET) the receiver decodes Arrow columns in place
 * instead of copying each element to realign it. The Fn API reads consecutive `Data` entries of one
 * (instruction, transform) as one byte stream, so the split changes nothing for any reader; a
 * receiver where the guess is wrong just falls back to its realigning copy.
 *
 * @example
 * const buf = encodeElements([{ instructionId: '1', transformId: 'fn/read/input:0', parts: [bytes], isLast: true }]);
 * const [d] = decodeElements(buf).data; // d.data is a view into buf
 */

/** A payload part: bytes, or a writer that fills exactly `size` bytes at `out[pos]` and returns the end. */
export type PayloadPart = Uint8Array | PartWriter;

/** A deferred part; `alignAt` (optional) is the offset of its content that should be 8-byte aligned. */
export interface PartWriter {
  readonly size: number;
  readonly alignAt?: number;
  write(out: Uint8Array, pos: number): number;
}

/**
 * Where a received message starts in grpc-js' buffer, modulo 8: the message is a view after the
 * 5-byte gRPC frame header of a buffer that Node allocates 8-byte aligned.
 */
export const GRPC_JS_MESSAGE_OFFSET = 5;

/** One outgoing `Elements.Data`; `parts` are concatenated into its `data` field. */
export interface OutgoingData {
  instructionId: string;
  transformId: string;
  parts: readonly PayloadPart[];
  isLast: boolean;
}

function partSize(p: PayloadPart): number {
  return p instanceof Uint8Array ? p.byteLength : p.size;
}

/** One incoming `Elements.Data`; `data` is a view into the received message. */
export interface IncomingData {
  instructionId: string;
  transformId: string;
  data: Uint8Array;
  isLast: boolean;
}

/** The parts of a received `Elements` this runner uses (timers are skipped: no timers here). */
export interface IncomingElements {
  data: IncomingData[];
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

/** One `Data` entry as written: a share of an OutgoingData's parts, and its layout. */
interface Entry {
  d: OutgoingData;
  idLen: number;
  tidLen: number;
  parts: readonly PayloadPart[];
  payload: number;
  isLast: boolean;
  /** Bytes of the padding field (0, or 2–9). */
  pad: number;
  /** Size of the Data message (without its tag and length). */
  size: number;
}

const PAD_SIZES = [0, 2, 3, 4, 5, 6, 7, 8, 9];

function entrySize(e: Entry, pad: number): number {
  let size = pad;
  if (e.idLen) size += 1 + varintSize(e.idLen) + e.idLen;
  if (e.tidLen) size += 1 + varintSize(e.tidLen) + e.tidLen;
  if (e.payload) size += 1 + varintSize(e.payload) + e.payload;
  if (e.isLast) size += 2;
  return size;
}

/** Cuts `d` into entries: one per aligned part (with the unaligned parts after it), when aligning. */
function entriesOf(d: OutgoingData, idLen: number, tidLen: number, align: boolean, out: Entry[]): void {
  let parts: PayloadPart[] = [];
  let payload = 0;
  const push = (isLast: boolean) => out.push({ d, idLen, tidLen, parts, payload, isLast, pad: 0, size: 0 });
  for (const p of d.parts) {
    if (align && parts.length > 0 && !(p instanceof Uint8Array) && p.alignAt !== undefined) {
      push(false);
      parts = [];
      payload = 0;
    }
    parts.push(p);
    payload += partSize(p);
  }
  push(d.isLast);
}

/** Picks the padding of the entry written at message position `at` (its Elements.data tag). */
function layout(e: Entry, at: number, alignFor: number | undefined): number {
  const first = e.parts[0];
  const alignAt =
    alignFor === undefined || first === undefined || first instanceof Uint8Array ? undefined : first.alignAt;
  if (alignAt === undefined) {
    e.pad = 0;
    e.size = entrySize(e, 0);
  } else {
    const head =
      (e.idLen ? 1 + varintSize(e.idLen) + e.idLen : 0) +
      (e.tidLen ? 1 + varintSize(e.tidLen) + e.tidLen : 0);
    for (const pad of PAD_SIZES) {
      const size = entrySize(e, pad);
      const content = at + 1 + varintSize(size) + head + pad + 1 + varintSize(e.payload) + alignAt;
      e.pad = pad;
      e.size = size;
      if ((alignFor! + content) % 8 === 0) break;
    }
  }
  return at + 1 + varintSize(e.size) + e.size;
}

/** How an `Elements` message is laid out: its entries (with their padding) and its size. */
interface Layout {
  readonly entries: Entry[];
  readonly size: number;
}

function layoutOf(data: readonly OutgoingData[], alignFor: number | undefined): Layout {
  const align = alignFor !== undefined;
  const entries: Entry[] = [];
  for (const d of data) {
    entriesOf(d, Buffer.byteLength(d.instructionId), Buffer.byteLength(d.transformId), align, entries);
  }
  let size = 0;
  for (const e of entries) size = layout(e, size, alignFor);
  return { entries, size };
}

function alignOf(opts: { alignFor?: number | null }): number | undefined {
  return opts.alignFor === undefined ? GRPC_JS_MESSAGE_OFFSET : (opts.alignFor ?? undefined);
}

/** Writes the message laid out as `l` at the start of `buf` (at least `l.size` bytes). */
function writeLayout(l: Layout, buf: Buffer): void {
  let at = 0;
  for (const e of l.entries) {
    const d = e.d;
    buf[at++] = 0x0a; // Elements.data, field 1, length-delimited
    at = writeVarint(buf, at, e.size);
    if (e.idLen) {
      buf[at++] = 0x0a; // Data.instruction_id
      at = writeVarint(buf, at, e.idLen);
      at += buf.write(d.instructionId, at, 'utf8');
    }
    if (e.tidLen) {
      buf[at++] = 0x12; // Data.transform_id
      at = writeVarint(buf, at, e.tidLen);
      at += buf.write(d.transformId, at, 'utf8');
    }
    if (e.pad) {
      buf[at++] = 0x7a; // field 15, length-delimited: padding, unknown to every reader
      buf[at++] = e.pad - 2;
      buf.fill(0, at, at + e.pad - 2);
      at += e.pad - 2;
    }
    if (e.payload) {
      buf[at++] = 0x1a; // Data.data
      at = writeVarint(buf, at, e.payload);
      for (const p of e.parts) {
        if (p instanceof Uint8Array) {
          buf.set(p, at);
          at += p.byteLength;
        } else {
          const end = p.write(buf, at);
          if (end !== at + p.size)
            throw new Error(`a payload writer wrote ${end - at} bytes, announced ${p.size}`);
          at = end;
        }
      }
    }
    if (e.isLast) {
      buf[at++] = 0x20; // Data.is_last
      buf[at++] = 1;
    }
  }
  if (at !== l.size) throw new Error(`Elements message written to ${at} bytes, laid out as ${l.size}`);
}

/**
 * Encodes an `Elements` message holding `data` entries, copying each payload part once. `alloc`
 * may supply the buffer (at least `size` bytes; the message is a view of its start).
 * `opts.alignFor`: the receiver's message offset modulo 8 (default {@link GRPC_JS_MESSAGE_OFFSET};
 * null: no alignment) — parts with `alignAt` get entries of their own, padded to land aligned there.
 */
export function encodeElements(
  data: readonly OutgoingData[],
  alloc?: (size: number) => Buffer,
  opts: { alignFor?: number | null } = {},
): Buffer {
  const l = layoutOf(data, alignOf(opts));
  const buf = alloc ? alloc(l.size).subarray(0, l.size) : Buffer.allocUnsafe(l.size);
  writeLayout(l, buf);
  return buf;
}

/**
 * An `Elements` message laid out now and written later, when gRPC serializes it
 * ({@link serializeElements}): its deferred parts (Arrow elements) are then copied straight into
 * one scratch buffer that gRPC copies into its frame at once, instead of into a buffer of their
 * own that waits in the stream's queue. The same bytes as {@link encodeElements}.
 *
 * @example
 * stream.write(new ElementsMessage([entry])); // with serializeElements as the stream's serializer
 */
export class ElementsMessage {
  private readonly layout: Layout;
  private readonly onWrite: ((ms: number) => void) | undefined;
  /** Time `writeTo` took (0 until it ran). */
  writeMs = 0;

  /** @param opts.onWrite told how long writing the message took, once it is written */
  constructor(
    data: readonly OutgoingData[],
    opts: { alignFor?: number | null; onWrite?: (ms: number) => void } = {},
  ) {
    this.layout = layoutOf(data, alignOf(opts));
    this.onWrite = opts.onWrite;
  }

  /** Bytes of the message. */
  get size(): number {
    return this.layout.size;
  }

  /** Writes the message at the start of `buf` (at least `size` bytes). */
  writeTo(buf: Buffer): void {
    const t0 = performance.now();
    writeLayout(this.layout, buf);
    this.writeMs = performance.now() - t0;
    this.onWrite?.(this.writeMs);
  }
}

let scratch: Buffer | undefined;

/**
 * The bytes of a message for gRPC's serializer: a Buffer as it is, an {@link ElementsMessage}
 * written into a scratch buffer that the next call overwrites. That is safe because grpc-js
 * copies what the serializer returns into its own frame buffer before it returns
 * (`serializeMessage` in its server-interceptors: allocate, write the 5-byte header, copy), and
 * calls the serializer of one message at a time on this thread. test/runner/elements-message.test.ts
 * checks that over a real stream.
 */
export function serializeElements(message: Buffer | ElementsMessage): Buffer {
  if (message instanceof Uint8Array) return message;
  const n = message.size;
  if (scratch === undefined || scratch.length < n) {
    // whole powers of two from 1 MiB: a few sizes in all, as the flush size bounds messages
    scratch = Buffer.allocUnsafeSlow(Math.max(1 << 20, 2 ** Math.ceil(Math.log2(n))));
  }
  const out = scratch.subarray(0, n);
  message.writeTo(out);
  return out;
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  varint(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint in Elements message');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
    throw new Error('malformed varint in Elements message');
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2: {
        const len = this.varint();
        this.pos += len;
        break;
      }
      case 5:
        this.pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wireType} in Elements message`);
    }
    if (this.pos > this.end) throw new Error('truncated field in Elements message');
  }

  lengthDelimited(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    this.pos += len;
    if (this.pos > this.end) throw new Error('truncated field in Elements message');
    return [start, this.pos];
  }
}

/** Decodes the `data` entries of an `Elements` message; payloads are views into `buf`. */
export function decodeElements(buf: Buffer): IncomingElements {
  const r = new Reader(buf, 0, buf.length);
  const data: IncomingData[] = [];
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag === 0x0a) {
      const [s, e] = r.lengthDelimited();
      data.push(decodeData(buf, s, e));
    } else {
      r.skip(tag & 7);
    }
  }
  return { data };
}

function decodeData(buf: Buffer, start: number, end: number): IncomingData {
  const r = new Reader(buf, start, end);
  const d: IncomingData = { instructionId: '', transformId: '', data: EMPTY, isLast: false };
  while (r.pos < r.end) {
    const tag = r.varint();
    switch (tag) {
      case 0x0a: {
        const [s, e] = r.lengthDelimited();
        d.instructionId = buf.toString('utf8', s, e);
        break;
      }
      case 0x12: {
        const [s, e] = r.lengthDelimited();
        d.transformId = buf.toString('utf8', s, e);
        break;
      }
      case 0x1a: {
        const [s, e] = r.lengthDelimited();
        d.data = buf.subarray(s, e);
        break;
      }
      case 0x20:
        d.isLast = r.varint() !== 0;
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return d;
}

const EMPTY = new Uint8Array(0);
