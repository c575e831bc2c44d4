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
 * @example
 * const buf = encodeElements([{ instructionId: '1', transformId: 'fn/read/input:0', parts: [bytes], isLast: true }]);
 * const [d] = decodeElements(buf).data; // d.data is a view into buf
 */

/** A payload part: bytes, or a writer that fills exactly `size` bytes at `out[pos]` and returns the end. */
export type PayloadPart = Uint8Array | { readonly size: number; write(out: Uint8Array, pos: number): number };

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

function dataSize(d: OutgoingData, idLen: number, tidLen: number): number {
  let payload = 0;
  for (const p of d.parts) payload += partSize(p);
  let size = 0;
  if (idLen) size += 1 + varintSize(idLen) + idLen;
  if (tidLen) size += 1 + varintSize(tidLen) + tidLen;
  if (payload) size += 1 + varintSize(payload) + payload;
  if (d.isLast) size += 2;
  return size;
}

/**
 * Encodes an `Elements` message holding `data` entries, copying each payload part once. `alloc`
 * may supply the buffer (at least `size` bytes; the message is a view of its start).
 */
export function encodeElements(data: readonly OutgoingData[], alloc?: (size: number) => Buffer): Buffer {
  const ids = data.map((d) => Buffer.byteLength(d.instructionId));
  const tids = data.map((d) => Buffer.byteLength(d.transformId));
  const sizes = data.map((d, i) => dataSize(d, ids[i]!, tids[i]!));
  let total = 0;
  for (const s of sizes) total += 1 + varintSize(s) + s;
  const buf = alloc ? alloc(total).subarray(0, total) : Buffer.allocUnsafe(total);
  let at = 0;
  data.forEach((d, i) => {
    buf[at++] = 0x0a; // Elements.data, field 1, length-delimited
    at = writeVarint(buf, at, sizes[i]!);
    if (ids[i]) {
      buf[at++] = 0x0a; // Data.instruction_id
      at = writeVarint(buf, at, ids[i]!);
      at += buf.write(d.instructionId, at, 'utf8');
    }
    if (tids[i]) {
      buf[at++] = 0x12; // Data.transform_id
      at = writeVarint(buf, at, tids[i]!);
      at += buf.write(d.transformId, at, 'utf8');
    }
    let payload = 0;
    for (const p of d.parts) payload += partSize(p);
    if (payload) {
      buf[at++] = 0x1a; // Data.data
      at = writeVarint(buf, at, payload);
      for (const p of d.parts) {
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
    if (d.isLast) {
      buf[at++] = 0x20; // Data.is_last
      buf[at++] = 1;
    }
  });
  return buf;
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
