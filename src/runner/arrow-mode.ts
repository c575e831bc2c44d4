/**
 * Arrow mode on the runner side (vectorized UDFs and aggregates): each input batch goes out as
 * one element — `varint(length)` + an Arrow IPC stream with the schema and exactly one record
 * batch, no end-of-stream marker (Flink's framing) — and comes back as one element of the same
 * shape holding the result columns.
 */
import { type Data, RecordBatch, RecordBatchReader, RecordBatchStreamWriter } from 'apache-arrow';
import { toArrowSchema } from '../types/arrow-mapping.js';
import type { DataType } from '../types/data-types.js';
import type { ModeCodec } from './mode.js';

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

export function arrowModeCodec(
  inputFields: readonly { name: string; type: DataType }[],
  resultFields: readonly { name: string; type: DataType }[],
): ModeCodec {
  const inputSchema = toArrowSchema(inputFields);
  return {
    name: 'arrow',
    encode(udfInput: RecordBatch): Uint8Array[] {
      const batch = new RecordBatch(inputSchema, udfInput.data);
      const w = new RecordBatchStreamWriter();
      w.write(batch);
      w.finish();
      const all = w.toUint8Array(true);
      const body = all.subarray(0, all.length - 8); // drop the 8-byte end-of-stream marker
      return [varint(body.length), body];
    },
    outputElements: () => 1,
    decode(bytes: Uint8Array): Data[] {
      let pos = 0;
      let len = 0;
      let shift = 1;
      while (true) {
        const b = bytes[pos++]!;
        len += (b & 0x7f) * shift;
        if (b < 0x80) break;
        shift *= 128;
      }
      const ipc = bytes.slice(pos, pos + len);
      const reader = RecordBatchReader.from(ipc);
      const first = reader.next();
      if (first.done) throw new Error('the result element holds no record batch');
      const out = first.value.data.children.slice();
      if (out.length !== resultFields.length) {
        throw new Error(`the result batch has ${out.length} columns, expected ${resultFields.length}`);
      }
      return out;
    },
  };
}
