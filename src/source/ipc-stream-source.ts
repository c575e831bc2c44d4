/**
 * Record batches from an Arrow IPC stream arriving in pieces (a pipe), each one yielded as soon as
 * its last byte is in — apache-arrow's stream reader holds a batch back until the next message
 * starts, which stalls a slow producer by one batch. Messages are framed here (continuation
 * marker, metadata length, the body length read from the Message flatbuffer) and decoded by
 * src/codec's IpcMessageReader, zero-copy.
 *
 * @example
 * for await (const batch of ipcStreamBatches(process.stdin, 'stdin')) console.log(batch.numRows);
 */
import type { RecordBatch } from 'apache-arrow';
import { IpcMessageReader } from '../codec/ipc-reader.js';
import { SourceError } from './errors.js';

const CONTINUATION = 0xffffffff;

/**
 * Bytes the message at `b[p]` takes in all, as far as the bytes there tell: at least 8 (the
 * prefix), then 8 + the metadata length, then the whole message with its body. The end-of-stream
 * marker is 8 bytes. A malformed prefix gives the rest of the buffer, for the decoder to reject
 * with its own message.
 */
function frameLength(b: Uint8Array, p: number): number {
  const left = b.length - p;
  if (left < 8) return 8;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (view.getUint32(p, true) !== CONTINUATION) return left;
  const metaLength = view.getInt32(p + 4, true);
  if (metaLength === 0) return 8;
  if (metaLength < 8) return left;
  if (left < 8 + metaLength) return 8 + metaLength;
  // Message table: root offset, then its vtable; field 3 is bodyLength (int64)
  const meta = p + 8;
  const root = meta + view.getUint32(meta, true);
  if (root + 4 > meta + metaLength) return left;
  const vtable = root - view.getInt32(root, true);
  if (vtable < meta || vtable + 4 > meta + metaLength) return left;
  const vtableLength = view.getUint16(vtable, true);
  const slot = vtable + 4 + 2 * 3;
  const offset = slot + 2 <= vtable + vtableLength ? view.getUint16(slot, true) : 0;
  const bodyLength = offset === 0 ? 0 : Number(view.getBigInt64(root + offset, true));
  if (!(bodyLength >= 0) || !Number.isSafeInteger(bodyLength)) return left;
  return 8 + metaLength + bodyLength;
}

function isEos(b: Uint8Array, p: number): boolean {
  if (b.length - p < 8) return false;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return view.getUint32(p, true) === CONTINUATION && view.getInt32(p + 4, true) === 0;
}

/** Yields the record batches of an Arrow IPC stream as their bytes arrive. */
export async function* ipcStreamBatches(
  input: AsyncIterable<Uint8Array>,
  what = 'input',
): AsyncGenerator<RecordBatch> {
  const reader = new IpcMessageReader();
  const fail = (e: unknown): never => {
    throw new SourceError(`${what}: not a readable Arrow IPC stream (${(e as Error).message})`);
  };
  let chunks: Uint8Array[] = [];
  let size = 0;
  /** Bytes needed before the next message can be read (known once its prefix is in). */
  let need = 8;
  let base = 0;
  let ended = false;
  for await (const chunk of input) {
    if (chunk.length === 0) continue;
    if (ended) fail(new Error('bytes after the end-of-stream marker'));
    chunks.push(chunk);
    size += chunk.length;
    if (size < need) continue;
    const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    let end = 0;
    while (end < buf.length) {
      const n = frameLength(buf, end);
      if (buf.length - end < n) break;
      const eos = isEos(buf, end);
      end += n;
      if (eos) {
        ended = true;
        break;
      }
    }
    if (end > 0) {
      const out: RecordBatch[] = [];
      try {
        reader.read(buf, 0, end, base, out);
      } catch (e) {
        fail(e);
      }
      yield* out;
    }
    base += end;
    const rest = buf.subarray(end);
    if (ended && rest.length > 0) fail(new Error('bytes after the end-of-stream marker'));
    chunks = rest.length > 0 ? [rest] : [];
    size = rest.length;
    need = frameLength(rest, 0);
  }
  if (size > 0) fail(new Error(`cut short: ${size} bytes of an unfinished message at the end`));
  if (reader.schema === null) fail(new Error('no schema: the input is empty'));
}
