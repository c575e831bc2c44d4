/**
 * The input batch must be what the plan was built for: exactly the columns of the UDF input row
 * (the descriptor's input coder schema), each of the Arrow type its DataType maps to. Without this
 * check a batch with an extra column would pass silently, and a column of another type would be
 * read as the declared one by UDFs that declare no input types. Names are not compared (Flink's
 * operator names the columns `f0`, `f1`, … or after the query's fields).
 *
 * @example
 * checkInputSchema(batch, [T.DOUBLE(), T.DOUBLE()]);
 * // throws InputSchemaError: "input column 1 ('b') is Arrow Int32, but the input schema says DOUBLE (Arrow Float64)"
 */
import type * as arrow from 'apache-arrow';
import { type DataType, typeToString } from '../types/data-types.js';
import { arrowTypeText } from '../udf/check-result.js';

/** A batch whose columns differ from the input schema of the transform. */
export class InputSchemaError extends TypeError {
  override readonly name = 'InputSchemaError';
}

// The decoder hands out the same Schema object while elements repeat their schema (Flink sends it
// with every batch): a schema that passed for these types is not checked again.
const passed = new WeakMap<arrow.Schema, readonly DataType[]>();

export function checkInputSchema(batch: arrow.RecordBatch, types: readonly DataType[]): void {
  if (passed.get(batch.schema) === types) return;
  const fields = batch.schema.fields;
  if (fields.length !== types.length) {
    throw new InputSchemaError(
      `the input batch has ${fields.length} column(s), but the input schema of the transform has ${types.length} (${types.map(typeToString).join(', ')})`,
    );
  }
  for (let i = 0; i < fields.length; i++) {
    const want = arrowTypeText(types[i]!);
    const got = String(fields[i]!.type);
    if (got !== want) {
      throw new InputSchemaError(
        `input column ${i} ('${fields[i]!.name}') is Arrow ${got}, but the input schema of the transform says ${typeToString(types[i]!)} (Arrow ${want})`,
      );
    }
  }
  passed.set(batch.schema, types);
}
