/**
 * Decoding InstructionRequests without ever failing the Control stream: grpc-js cancels a call
 * whose deserializer throws, which would take the whole worker down for one bad message. Here a
 * message that does not decode becomes a `MalformedRequest` carrying the instruction id (read
 * from field 1 if that much is intact) so the worker can answer it with an error.
 *
 * @example
 * const req = decodeInstruction(buf);
 * if ('malformed' in req) respond({ instructionId: req.instructionId, error: req.malformed });
 */
import { InstructionRequest, InstructionResponse } from '../proto/fn-api.js';

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
