/**
 * Arrow mode on the runner side (vectorized UDFs and aggregates): each input batch goes out as
 * one element — `varint(length)` + an Arrow IPC stream with the schema and exactly one record
 * batch, no end-of-stream marker (Flink's framing, src/codec/arrow-frame.ts) — and comes back as
 * one element of the same shape holding the result columns.
 *
 * The element is written straight into the outgoing `Elements` message when it is flushed
 * (`encodeInto`), so column buffers are copied once on the runner side before gRPC's framing, and
 * is marked for alignment (see src/proto/elements-codec.ts): its IPC stream lands 8-byte aligned in
 * the worker's receive buffer, which then decodes the columns in place.
 */
import type { Data, RecordBatch } from 'apache-arrow';
import { ArrowFrameDecoder, ArrowFrameEncoder } from '../codec/arrow-frame.js';
import { toArrowSchema } from '../types/arrow-mapping.js';
import type { DataType } from '../types/data-types.js';
import type { ModeCodec } from './mode.js';

export function arrowModeCodec(
  inputFields: readonly { name: string; type: DataType }[],
  resultFields: readonly { name: string; type: DataType }[],
): ModeCodec {
  const inputSchema = toArrowSchema(inputFields);
  const encoder = new ArrowFrameEncoder(inputSchema);
  const decoder = new ArrowFrameDecoder();
  return {
    name: 'arrow',
    encode(udfInput: RecordBatch) {
      // The encoder writes its own schema and reads only the columns: no new RecordBatch needed.
      // Its alignAt is the IPC stream after the varint prefix, so that the worker reads it in place.
      return [encoder.planElement(udfInput)];
    },
    outputElements: () => 1,
    decode(bytes: Uint8Array): Data[] {
      const batches = decoder.decode(bytes);
      if (batches.length !== 1)
        throw new Error(`the result element holds ${batches.length} record batches, expected 1`);
      const cols = batches[0]!.data.children;
      if (cols.length !== resultFields.length) {
        throw new Error(`the result batch has ${cols.length} columns, expected ${resultFields.length}`);
      }
      return cols.slice();
    },
  };
}
