/**
 * How the UDF input and results of one batch travel on the data plane: Arrow (vectorized UDFs
 * and aggregates: one element per batch each way) or the row coder (row-wise UDFs: one element
 * per row each way). The operator and bundles only deal with this interface.
 */
import type { Data, RecordBatch } from 'apache-arrow';

/** Bytes to put in a message: ready bytes, or a writer that fills `size` bytes at `out[pos]` when the message is built. */
export type OutPart = Uint8Array | { readonly size: number; write(out: Uint8Array, pos: number): number };

export interface ModeCodec {
  /** `arrow` or `row`, for metrics and messages. */
  readonly name: 'arrow' | 'row';
  /**
   * Encodes the UDF input columns of one batch as length-prefixed elements. Returns the bytes as
   * parts, copied (or written) once into the outgoing message: no need to join them first.
   */
  encode(udfInput: RecordBatch): OutPart[];
  /** Output elements the worker sends back for an input batch of `rows` rows (whose result has `resultRows`). */
  outputElements(rows: number, resultRows: number): number;
  /**
   * Decodes the output elements of one input batch (`bytes` holds `elements` length-prefixed
   * elements) into one column per result, each of `Data` of the result field's Arrow type.
   */
  decode(bytes: Uint8Array, elements: number): Data[];
}
