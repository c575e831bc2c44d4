/**
 * The public codec API: Arrow IPC streams and files, Flink's data-plane element framing, and the
 * row coder of row-wise mode. Everything decodes without copying column buffers where Arrow's
 * 8-byte alignment allows it, and fails with a typed error on malformed bytes.
 *
 * @example
 * import { decodeIpc, encodeIpcStream, ArrowFrameEncoder, ArrowFrameDecoder } from 'vecudf';
 * const { schema, batches } = decodeIpc(readFileSync('data.arrow')); // file or stream format
 * const elements = new ArrowFrameEncoder(schema).encodeMany(batches); // as Flink frames them
 * const again = new ArrowFrameDecoder().decode(elements);
 */
export { ArrowFrameDecoder, ArrowFrameEncoder } from './arrow-frame.js';
export { ArrowDecodeError } from './ipc-errors.js';
export { type DecodedIpc, decodeIpc, decodeIpcFile, decodeIpcStream, isArrowFile } from './ipc-reader.js';
export { encodeIpcStream } from './ipc-writer.js';
export {
  ByteReader,
  ByteWriter,
  createRowCodec,
  decodeRows,
  decodeRowsToColumns,
  encodeRows,
  type RowCodec,
  RowCodecError,
  RowFieldError,
  RowValueError,
} from './row-coder.js';
