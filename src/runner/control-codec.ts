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
 * its bytes.
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

function readMonitoringInfo(r: Reader, end: number): MonitoringInfo {
  const mi: MonitoringInfo = {
    urn: '',
    type: '',
    payload: new Uint8Array(0),
    labels: {},
    startTime: undefined,
  };
  while (r.pos < end) {
    const tag = r.varint(end);
    if (tag === 0x0a) mi.urn = r.string(end);
    else if (tag === 0x12) mi.type = r.string(end);
    else if (tag === 0x1a) mi.payload = r.bytes(end);
    else if (tag === 0x22) {
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
      pb.monitoringInfos.push(readMonitoringInfo(r, e));
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
