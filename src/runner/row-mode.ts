/**
 * Row-wise mode on the runner side: the UDF input of each batch goes out as one row-coder
 * element per row (Flink's flatten-row format, src/codec/row-coder.ts), and the worker answers
 * every row with one element holding the result row (one field per top-level UDF).
 *
 * Like Flink's Java operator (which serializes each row as it comes), this side pays a per-row
 * encode and decode: that is part of the row path's cost, and the breakdown reports it.
 */
import type { Data, RecordBatch } from 'apache-arrow';
import { decodeRowsToColumns, encodeRows } from '../codec/row-coder.js';
import type { DataType } from '../types/data-types.js';
import { concatData } from './concat-data.js';
import type { ModeCodec } from './mode.js';

export function rowModeCodec(inputTypes: readonly DataType[], resultTypes: readonly DataType[]): ModeCodec {
  return {
    name: 'row',
    encode: (udfInput: RecordBatch) => [encodeRows(udfInput, inputTypes)],
    outputElements: (rows) => rows,
    decode(bytes: Uint8Array): Data[] {
      return decodeRowsToColumns(bytes, resultTypes).map((v) =>
        v.data.length === 1 ? v.data[0]! : concatData(v.data),
      );
    },
  };
}
