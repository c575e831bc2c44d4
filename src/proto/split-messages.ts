/**
 * Groups outgoing `Elements.Data` entries into several messages when one flush holds more than
 * `SPLIT_PAYLOAD_BYTES`, so that no gRPC message comes near the size limit, however big one Arrow
 * batch or one UDF result is.
 *
 * Every part is a whole element (or several), and a part is never cut unless it is larger than a
 * message may be at all (`MAX_PIECE_BYTES`): Beam's Java and Python data planes — Flink's operator
 * among them — decode each `Data` entry on its own, so an element cut across entries would be lost
 * on them, while vecudf's own receivers also carry a cut element over to the next message. Pieces
 * are views of the parts (nothing is copied here); an entry sent in several keeps its `is_last` on
 * the last piece.
 *
 * @example
 * const messages = splitOutgoing([{ instructionId: '7', transformId: 'fn/write/:0', parts: [a, b], isLast: true }]);
 * for (const m of messages) call.write(encodeElements(m));
 */
import { MAX_MESSAGE_BYTES } from './channel-options.js';
import type { OutgoingData } from './elements-codec.js';

/**
 * Data bytes a message is filled to before the next one starts: under gRPC's default 4 MiB
 * receive limit, so that a peer that never raised it still accepts messages of ordinary elements.
 */
export const SPLIT_PAYLOAD_BYTES = 4 * 1024 * 1024 - 64 * 1024;

/** The largest piece of one element in a message (the 64 MiB limit both sides set, less headroom). */
export const MAX_PIECE_BYTES = MAX_MESSAGE_BYTES - 1024 * 1024;

/** Total data bytes of `data` (deferred writers count their announced size). */
export function payloadBytes(data: readonly OutgoingData[]): number {
  let n = 0;
  for (const d of data) for (const p of d.parts) n += p instanceof Uint8Array ? p.byteLength : p.size;
  return n;
}

/**
 * Groups `data` into messages, in order: whole parts, up to `target` data bytes per message; a
 * part bigger than `target` goes alone, and one bigger than `maxPiece` is cut into pieces of
 * `maxPiece`. Parts must be bytes (write deferred parts out first). Entries with no data (a bare
 * `is_last`) go with the current message.
 */
export function splitOutgoing(
  data: readonly OutgoingData[],
  target = SPLIT_PAYLOAD_BYTES,
  maxPiece = Math.max(target, MAX_PIECE_BYTES),
): OutgoingData[][] {
  if (!(target >= 1)) throw new RangeError(`target must be at least 1 byte, got ${target}`);
  if (!(maxPiece >= target))
    throw new RangeError(`maxPiece (${maxPiece}) must be at least target (${target})`);
  const messages: OutgoingData[][] = [];
  let current: OutgoingData[] = [];
  let used = 0;
  const next = () => {
    if (current.length > 0) messages.push(current);
    current = [];
    used = 0;
  };
  for (const d of data) {
    let piece: Uint8Array[] = [];
    // Ends the message under construction, with this entry's pieces so far (not its last).
    const cut = () => {
      if (piece.length > 0) current.push({ ...d, parts: piece, isLast: false });
      piece = [];
      next();
    };
    for (const p of d.parts) {
      if (!(p instanceof Uint8Array))
        throw new TypeError('splitOutgoing needs byte parts; write deferred parts out first');
      const n = p.byteLength;
      if (used > 0 && used + n > target) cut();
      if (n <= maxPiece) {
        piece.push(p);
        used += n;
        continue;
      }
      // Too big for any message: cut, one piece per message.
      for (let at = 0; at < n; at += maxPiece) {
        if (used > 0) cut();
        piece.push(p.subarray(at, Math.min(n, at + maxPiece)));
        used = Math.min(n, at + maxPiece) - at;
      }
    }
    current.push({ ...d, parts: piece, isLast: d.isLast });
  }
  next();
  return messages;
}
