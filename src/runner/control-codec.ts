/**
 * The runner's codec for the two Control messages of every bundle: the ProcessBundleRequest it
 * sends and the ProcessBundleResponse (with the worker's monitoring infos) it gets back. Written
 * by hand for that one shape, with the generated ts-proto codec for everything else — the bytes
 * and the decoded objects are the generated codec's (tests compare both).
 *
 * The generated codec goes through a BinaryWriter (fork/join per nested message) and a
 * BinaryReader with a decoder object per nested message: per bundle a few hundred property
 * accesses that run unoptimized for the first runs, and compile later, on the runner's side of
 * the data plane. Here a request is one buffer written in place, and a response one pass over
 * its bytes, where a monitoring info the worker sent before (the same info every bundle, with
 * another count) is matched by its bytes and takes its strings and labels from the first decode
 * (see `templates`): the labels objects of such infos are shared and frozen.
 *
 * @example
 * const bytes = encodeInstructionRequest({ instructionId: '7', processBundle: { processBundleDescriptorId: '1-1', cacheTokens: [] } });
 * const resp = decodeInstructionResponse(bytes_from_the_worker); // resp.processBundle?.monitoringInfos …
 */

import { writeVarint as putVarint, varintSize } from '../codec/varint.js';
import { InstructionRequest, InstructionResponse, type ProcessBundleResponse } from '../proto/fn-api.js';
import type { MonitoringInfo } from '../proto/pipeline.js';

/** Field 1001 (process_bundle), length-delimited: the tag of the oneof case in both messages. */
const PROCESS_BUNDLE_TAG = (1001 << 3) | 2;

/** Whether `req` is a plain process_bundle request (no other case, no cache tokens, no elements). */
function plainProcessBundle(req: InstructionRequest): boolean {
  const pb = req.processBundle;
  if (pb === undefined || pb.cacheTokens.length > 0 || pb.elements !== undefined) return false;
  return (
    req.register === undefined &&
    req.processBundleProgress === undefined &&
    req.processBundleSplit === undefined &&
    req.finalizeBundle === undefined &&
    req.monitoringInfos === undefined &&
    req.harnessMonitoringInfos === undefined &&
    req.sampleData === undefined
  );
}

/** An InstructionRequest's bytes (the generated codec's, field for field). */
export function encodeInstructionRequest(req: InstructionRequest): Buffer {
  if (!plainProcessBundle(req)) return Buffer.from(InstructionRequest.encode(req).finish());
  const id = req.instructionId;
  const desc = req.processBundle!.processBundleDescriptorId;
  const idLen = Buffer.byteLength(id, 'utf8');
  const descLen = Buffer.byteLength(desc, 'utf8');
  const inner = descLen > 0 ? 1 + varintSize(descLen) + descLen : 0;
  const size = (idLen > 0 ? 1 + varintSize(idLen) + idLen : 0) + 2 + varintSize(inner) + inner;
  const out = Buffer.allocUnsafe(size);
  let p = 0;
  if (idLen > 0) {
    out[p++] = 0x0a;
    p = putVarint(out, p, idLen);
    p += out.write(id, p, 'utf8');
  }
  p = putVarint(out, p, PROCESS_BUNDLE_TAG);
  p = putVarint(out, p, inner);
  if (descLen > 0) {
    out[p++] = 0x0a;
    p = putVarint(out, p, descLen);
    p += out.write(desc, p, 'utf8');
  }
  return out;
}

/** Thrown inside the hand decoder for anything outside its shape: the generated codec decodes it. */
class NotPlain extends Error {}
const NOT_PLAIN = new NotPlain();

// as the generated codec decodes strings: invalid UTF-8 becomes U+FFFD, a leading U+FEFF is text
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** A reader of one message's bytes; anything unexpected throws NOT_PLAIN. */
class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  varint(end: number): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= end) throw NOT_PLAIN;
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
    throw NOT_PLAIN;
  }

  /** The end of a length-delimited field starting here. */
  span(end: number): number {
    const len = this.varint(end);
    const e = this.pos + len;
    if (e > end) throw NOT_PLAIN;
    return e;
  }

  string(end: number): string {
    const e = this.span(end);
    const s = this.pos;
    this.pos = e;
    const buf = this.buf;
    if (e - s > 64) return utf8.decode(buf.subarray(s, e));
    for (let i = s; i < e; i++) if (buf[i]! > 0x7f) return utf8.decode(buf.subarray(s, e));
    return String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
  }

  bytes(end: number): Uint8Array {
    const e = this.span(end);
    const s = this.pos;
    this.pos = e;
    return this.buf.subarray(s, e);
  }
}

/** A monitoring info decoded once: its bytes, where its payload field lies in them, and its strings. */
interface InfoTemplate {
  readonly bytes: Uint8Array;
  /** The payload field (tag to end) in `bytes`. */
  readonly payloadStart: number;
  readonly payloadEnd: number;
  readonly urn: string;
  readonly type: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The infos of earlier responses by position in their response. A worker sends the same infos
 * with every bundle, only the payloads (the counts) change: an info whose other bytes equal the
 * template's takes its strings and labels from there, with no string decoded and no object but
 * the info itself made. Its labels object is then the template's, shared and frozen.
 */
const templates: (InfoTemplate | undefined)[] = [];
const MAX_TEMPLATES = 64;

const compareBytes = Buffer.prototype.compare;

/** Whether `a[aStart, aEnd)` equals `b` from `bStart` (a native compare: no loop to warm up, no view made). */
function sameBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number): boolean {
  return compareBytes.call(a, b, bStart, bStart + (aEnd - aStart), aStart, aEnd) === 0;
}

/** The info at `r.pos` (ending at `end`) when it matches template `k` but for its payload, else undefined. */
function fromTemplate(r: Reader, end: number, k: number): MonitoringInfo | undefined {
  const t = templates[k];
  if (t === undefined) return undefined;
  const buf = r.buf;
  const start = r.pos;
  let payloadStart = -1;
  let payloadEnd = -1;
  let pos = start;
  // find the payload field (a second one, or anything malformed: the full decode decides)
  while (pos < end) {
    const tagAt = pos;
    const tag = buf[pos++]!;
    if (tag !== 0x0a && tag !== 0x12 && tag !== 0x1a && tag !== 0x22) return undefined;
    let len = 0;
    let shift = 1;
    let b = 0x80;
    for (let i = 0; i < 5 && b >= 0x80; i++) {
      if (pos >= end) return undefined;
      b = buf[pos++]!;
      len += (b & 0x7f) * shift;
      shift *= 128;
    }
    if (b >= 0x80 || len > end - pos) return undefined;
    pos += len;
    if (tag === 0x1a) {
      if (payloadStart >= 0) return undefined;
      payloadStart = tagAt;
      payloadEnd = pos;
    }
  }
  if (payloadStart < 0) return undefined;
  const headLen = payloadStart - start;
  const tailLen = end - payloadEnd;
  if (
    headLen !== t.payloadStart ||
    tailLen !== t.bytes.length - t.payloadEnd ||
    !sameBytes(buf, start, payloadStart, t.bytes, 0) ||
    !sameBytes(buf, payloadEnd, end, t.bytes, t.payloadEnd)
  )
    return undefined;
  // the payload's own bytes: after its tag and length
  r.pos = payloadStart + 1;
  const payload = r.bytes(payloadEnd);
  r.pos = end;
  return { urn: t.urn, type: t.type, payload, labels: t.labels, startTime: undefined };
}

function readMonitoringInfo(r: Reader, end: number, k: number): MonitoringInfo {
  const cached = fromTemplate(r, end, k);
  if (cached !== undefined) return cached;
  const start = r.pos;
  const mi: MonitoringInfo = {
    urn: '',
    type: '',
    payload: new Uint8Array(0),
    labels: {},
    startTime: undefined,
  };
  let payloadStart = -1;
  let payloadEnd = -1;
  let payloads = 0;
  while (r.pos < end) {
    const tagAt = r.pos;
    const tag = r.varint(end);
    if (tag === 0x0a) mi.urn = r.string(end);
    else if (tag === 0x12) mi.type = r.string(end);
    else if (tag === 0x1a) {
      mi.payload = r.bytes(end);
      payloadStart = tagAt;
      payloadEnd = r.pos;
      payloads++;
    } else if (tag === 0x22) {
      const e = r.span(end);
      let key = '';
      let value = '';
      while (r.pos < e) {
        const t = r.varint(e);
        if (t === 0x0a) key = r.string(e);
        else if (t === 0x12) value = r.string(e);
        else throw NOT_PLAIN;
      }
      mi.labels[key] = value;
    } else throw NOT_PLAIN;
  }
  if (payloads === 1 && k < MAX_TEMPLATES) {
    mi.labels = Object.freeze(mi.labels);
    templates[k] = {
      bytes: r.buf.slice(start, end),
      payloadStart: payloadStart - start,
      payloadEnd: payloadEnd - start,
      urn: mi.urn,
      type: mi.type,
      labels: mi.labels,
    };
  }
  return mi;
}

function readProcessBundleResponse(r: Reader, end: number): ProcessBundleResponse {
  const pb: ProcessBundleResponse = {
    residualRoots: [],
    monitoringInfos: [],
    requiresFinalization: false,
    monitoringData: {},
    elements: undefined,
  };
  while (r.pos < end) {
    const tag = r.varint(end);
    if (tag === 0x1a) {
      const e = r.span(end);
      pb.monitoringInfos.push(readMonitoringInfo(r, e, pb.monitoringInfos.length));
    } else if (tag === 0x20) {
      pb.requiresFinalization = r.varint(end) !== 0;
    } else if (tag === 0x2a) {
      const e = r.span(end);
      let key = '';
      let value: Uint8Array = new Uint8Array(0);
      while (r.pos < e) {
        const t = r.varint(e);
        if (t === 0x0a) key = r.string(e);
        else if (t === 0x12) value = r.bytes(e);
        else throw NOT_PLAIN;
      }
      pb.monitoringData[key] = value;
    } else throw NOT_PLAIN;
  }
  return pb;
}

/**
 * An InstructionResponse from its bytes: by hand for a process_bundle response of the usual
 * shape (instruction id, error, monitoring infos and data), else by the generated codec.
 */
export function decodeInstructionResponse(buf: Uint8Array): InstructionResponse {
  const r = new Reader(buf);
  const end = buf.length;
  const resp: InstructionResponse = {
    instructionId: '',
    error: '',
    register: undefined,
    processBundle: undefined,
    processBundleProgress: undefined,
    processBundleSplit: undefined,
    finalizeBundle: undefined,
    monitoringInfos: undefined,
    harnessMonitoringInfos: undefined,
    sampleData: undefined,
  };
  try {
    while (r.pos < end) {
      const tag = r.varint(end);
      if (tag === 0x0a) resp.instructionId = r.string(end);
      else if (tag === 0x12) resp.error = r.string(end);
      else if (tag === PROCESS_BUNDLE_TAG) {
        const e = r.span(end);
        resp.processBundle = readProcessBundleResponse(r, e);
      } else throw NOT_PLAIN;
    }
  } catch (e) {
    if (e !== NOT_PLAIN) throw e;
    return InstructionResponse.decode(buf);
  }
  return resp;
}
