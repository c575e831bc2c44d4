/**
 * The row count of an Arrow element (schema + one record batch), read from the record batch
 * message header without decoding the batch: the worker uses it to say which rows of the bundle
 * a failing batch covered.
 *
 * Slots read: Message {1 header_type: ubyte, 2 header, 3 bodyLength: long}; RecordBatch {0 length: long}.
 *
 * @example
 * arrowElementRows(elementBytes); // 10000
 */
import { FbReader } from '../codec/ipc-flatbuffers.js';

const RECORD_BATCH = 3;

/** Rows of the first record batch in the element, or -1 if it cannot be told. */
export function arrowElementRows(bytes: Uint8Array): number {
  try {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 0;
    for (let guard = 0; guard < 64 && pos + 8 <= bytes.byteLength; guard++) {
      if (view.getUint32(pos, true) !== 0xffffffff) return -1;
      const metaLength = view.getInt32(pos + 4, true);
      if (metaLength <= 0) return -1;
      const metaStart = pos + 8;
      const metaEnd = metaStart + metaLength;
      if (metaEnd > bytes.byteLength) return -1;
      const fb = new FbReader(view, metaStart, metaEnd, 0, 'message metadata');
      const msg = fb.root();
      const header = fb.table(msg, 2);
      if (fb.u8(msg, 1, 0) === RECORD_BATCH && header !== null) return fb.i64(header, 0, 0);
      pos = metaEnd + fb.i64(msg, 3, 0);
    }
  } catch {
    // a malformed element: the executor reports it properly
  }
  return -1;
}
