/**
 * The Control stream's messages as bytes.
 *
 * Decoding InstructionRequests never fails the stream: grpc-js cancels a call whose deserializer
 * throws, which would take the whole worker down for one bad message. Here a message that does
 * not decode becomes a `MalformedRequest` carrying the instruction id (read from field 1 if that
 * much is intact) so the worker can answer it with an error.
 *
 * Encoding: the answer to every bundle (and progress request) is mostly monitoring infos whose
 * urn, labels and short id never change for a stage; only their varint values do. Those infos
 * are `InfoSlot`s, encoded once, and `encodeReportResponse` copies their bytes around the values
 * (the generic encoder took 40–180 µs of the worker's main thread per bundle response in CPU
 * profiles, mostly writing label strings; this takes under 10). The bytes are the ones
 * `InstructionResponse.encode` writes for the same message.
 *
 * @example
 * const req = decodeInstruction(buf);
 * if ('malformed' in req) respond({ instructionId: req.instructionId, error: req.malformed });
 * const slot = infoSlot({ urn, type, payload: new Uint8Array(0), labels }, 'm1');
 * const bytes = encodeReportResponse('7', 'processBundle', [slot], [42]);
 */

import { writeVarint as putVarint, varintSize } from '../codec/varint.js';
import {
  InstructionRequest,
  InstructionResponse,
  ProcessBundleResponse_MonitoringDataEntry,
} from '../proto/fn-api.js';
import { MonitoringInfo } from '../proto/pipeline.js';

export interface MalformedRequest {
  instructionId: string;
  malformed: string;
}

const utf8 = new TextDecoder();

/** Field 1 (instruction_id) when the message starts with it, else ''. */
function leadingInstructionId(buf: Uint8Array): string {
  if (buf.length < 2 || buf[0] !== 0x0a) return '';
  let len = 0;
  let scale = 1;
  let pos = 1;
  for (let k = 0; k < 5 && pos < buf.length; k++) {
    const b = buf[pos++]!;
    len += (b & 0x7f) * scale;
    if (b < 0x80)
      return pos + len <= buf.length && len < 1024 ? utf8.decode(buf.subarray(pos, pos + len)) : '';
    scale *= 128;
  }
  return '';
}

export function decodeInstruction(buf: Buffer): InstructionRequest | MalformedRequest {
  try {
    return InstructionRequest.decode(buf);
  } catch (e) {
    return {
      instructionId: leadingInstructionId(buf),
      malformed: `malformed InstructionRequest: ${(e as Error).message}`,
    };
  }
}

export function encodeResponse(r: InstructionResponse): Buffer {
  const bytes = InstructionResponse.encode(r).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A monitoring info reported again and again with other values: its constant parts, encoded. */
export interface InfoSlot {
  /** The info without payload (what MonitoringInfosMetadataRequest answers). */
  readonly info: MonitoringInfo;
  readonly shortId: string;
  /** MonitoringInfo fields before the payload (urn, type). */
  readonly head: Uint8Array;
  /** MonitoringInfo fields after the payload (the labels). */
  readonly tail: Uint8Array;
  /** The key field of its `monitoring_data` entry (the short id). */
  readonly dataKey: Uint8Array;
}

const NO_BYTES = new Uint8Array(0);

/** Encodes the constant parts of `info` (its payload is ignored; it has no start time). */
export function infoSlot(info: MonitoringInfo, shortId: string): InfoSlot {
  const meta: MonitoringInfo = {
    urn: info.urn,
    type: info.type,
    payload: NO_BYTES,
    labels: { ...info.labels },
  };
  // An empty payload is not written, so the whole info is head + tail.
  const head = MonitoringInfo.encode({
    urn: meta.urn,
    type: meta.type,
    payload: NO_BYTES,
    labels: {},
  }).finish();
  const all = MonitoringInfo.encode(meta).finish();
  return {
    info: meta,
    shortId,
    head: head.slice(),
    tail: all.slice(head.length),
    dataKey: ProcessBundleResponse_MonitoringDataEntry.encode({ key: shortId, value: NO_BYTES })
      .finish()
      .slice(),
  };
}

/** InstructionResponse field tags: process_bundle (1001) and process_bundle_progress (1002). */
const RESPONSE_TAG = { processBundle: 1001 * 8 + 2, processBundleProgress: 1002 * 8 + 2 } as const;
/** Tags inside both responses: monitoring_infos (3), monitoring_data (5); MonitoringInfo.payload
 * (3) and the data entry's value (2). */
const INFOS_TAG = 3 * 8 + 2;
const DATA_TAG = 5 * 8 + 2;
const PAYLOAD_TAG = 3 * 8 + 2;
const VALUE_TAG = 2 * 8 + 2;

/**
 * An InstructionResponse answering a process_bundle (ProcessBundleResponse: the infos, their
 * monitoring_data, no residuals, no finalization) or a process_bundle_progress request
 * (ProcessBundleProgressResponse) with the infos of `slots`, each with its value (a non-negative
 * integer, sent as the sum_int64 varint payload).
 */
export function encodeReportResponse(
  instructionId: string,
  field: 'processBundle' | 'processBundleProgress',
  slots: readonly InfoSlot[],
  values: readonly number[],
): Buffer {
  const n = slots.length;
  let body = 0;
  for (let i = 0; i < n; i++) {
    const s = slots[i]!;
    const pv = varintSize(values[i]!);
    const info = s.head.length + 2 + pv + s.tail.length;
    const entry = s.dataKey.length + 2 + pv;
    body += 2 + varintSize(info) + info + varintSize(entry) + entry;
  }
  const idLen = Buffer.byteLength(instructionId, 'utf8');
  const tag = RESPONSE_TAG[field];
  const total = (idLen > 0 ? 1 + varintSize(idLen) + idLen : 0) + varintSize(tag) + varintSize(body) + body;
  const out = Buffer.allocUnsafe(total);
  let p = 0;
  if (idLen > 0) {
    out[p++] = 0x0a;
    p = putVarint(out, p, idLen);
    p += out.write(instructionId, p, 'utf8');
  }
  p = putVarint(out, p, tag);
  p = putVarint(out, p, body);
  for (let i = 0; i < n; i++) {
    const s = slots[i]!;
    const v = values[i]!;
    const pv = varintSize(v);
    out[p++] = INFOS_TAG;
    p = putVarint(out, p, s.head.length + 2 + pv + s.tail.length);
    out.set(s.head, p);
    p += s.head.length;
    out[p++] = PAYLOAD_TAG;
    out[p++] = pv;
    p = putVarint(out, p, v);
    out.set(s.tail, p);
    p += s.tail.length;
  }
  for (let i = 0; i < n; i++) {
    const s = slots[i]!;
    const v = values[i]!;
    const pv = varintSize(v);
    out[p++] = DATA_TAG;
    p = putVarint(out, p, s.dataKey.length + 2 + pv);
    out.set(s.dataKey, p);
    p += s.dataKey.length;
    out[p++] = VALUE_TAG;
    out[p++] = pv;
    p = putVarint(out, p, v);
  }
  return out;
}
