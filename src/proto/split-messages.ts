/**
 * Cuts outgoing `Elements.Data` entries into several messages of at most `maxPayload` data bytes
 * each, so that no gRPC message comes near the size limit (64 MiB on vecudf's channels, 4 MiB on
 * gRPC's defaults), however big one Arrow batch or one UDF result is.
 *
 * The Fn API lets the data of one (instruction, transform) span any number of `Data` entries and
 * messages, and the receivers read it as one byte stream (both vecudf's splitters carry an element
 * cut across messages over to the next), so an element may be cut anywhere. Pieces are views of
 * the parts (nothing is copied here); an entry cut in several keeps its `is_last` on the last piece.
 *
 * @example
 * const messages = splitOutgoing([{ instructionId: '7', transformId: 'fn/write/:0', parts: [big], isLast: true }], 4 << 20);
 * for (const m of messages) call.write(encodeElements(m));
 */
import type { OutgoingData } from './elements-codec.js';

/**
 * Data bytes per message when a message must be cut: under gRPC's default 4 MiB receive limit,
 * so that even a peer that never raised it accepts the pieces.
 */
export const SPLIT_PAYLOAD_BYTES = 4 * 1024 * 1024 - 64 * 1024;

/** Total data bytes of `data` (deferred writers count their announced size). */
export function payloadBytes(data: readonly OutgoingData[]): number {
  let n = 0;
  for (const d of data) for (const p of d.parts) n += p instanceof Uint8Array ? p.byteLength : p.size;
  return n;
}

/**
 * Groups `data` into messages of at most `maxPayload` data bytes, in order. Parts must be bytes
 * (write deferred parts out first). Entries with no data (a bare `is_last`) go with the current
 * message.
 */
export function splitOutgoing(data: readonly OutgoingData[], maxPayload: number): OutgoingData[][] {
  if (!(maxPayload >= 1)) throw new RangeError(`maxPayload must be at least 1 byte, got ${maxPayload}`);
  const messages: OutgoingData[][] = [];
  let current: OutgoingData[] = [];
  let room = maxPayload;
  const next = () => {
    messages.push(current);
    current = [];
    room = maxPayload;
  };
  for (const d of data) {
    let piece: Uint8Array[] = [];
    for (const p of d.parts) {
      if (!(p instanceof Uint8Array))
        throw new TypeError('splitOutgoing needs byte parts; write deferred parts out first');
      let at = 0;
      while (at < p.byteLength) {
        if (room === 0) {
          if (piece.length > 0) current.push({ ...d, parts: piece, isLast: false });
          piece = [];
          next();
        }
        const take = Math.min(room, p.byteLength - at);
        piece.push(at === 0 && take === p.byteLength ? p : p.subarray(at, at + take));
        at += take;
        room -= take;
      }
    }
    current.push({ ...d, parts: piece, isLast: d.isLast });
  }
  if (current.length > 0) messages.push(current);
  return messages;
}
