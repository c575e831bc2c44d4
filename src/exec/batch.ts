/**
 * Helpers shared by the executors: the DataType of each input column, and assembling result
 * vectors into one record batch.
 */
import * as arrow from 'apache-arrow';
import { fromArrowField } from '../types/arrow-mapping.js';
import type { DataType } from '../types/data-types.js';
import type { CompiledPlan } from './plan.js';

/** DataType of input column `i`: the plan's input types when it has them, else the batch schema's. */
export function inputType(plan: CompiledPlan, batch: arrow.RecordBatch, i: number): DataType {
  if (i >= batch.numCols) {
    throw new RangeError(`the plan reads input column ${i}, but the batch has ${batch.numCols} column(s)`);
  }
  const declared = plan.inputTypes?.[i];
  return declared ?? fromArrowField(batch.schema.fields[i]!);
}

/** The single Data of input column `i` (a RecordBatch column is one Data). */
export function inputData(batch: arrow.RecordBatch, i: number): arrow.Data {
  return batch.data.children[i]!;
}

/** A record batch of named result columns, each one Data of `length` rows. */
export function makeBatch(
  columns: readonly { name: string; type: DataType; vector: arrow.Vector }[],
  length: number,
): arrow.RecordBatch {
  const fields = columns.map((c) => new arrow.Field(c.name, c.vector.type, c.type.nullable));
  const children = columns.map((c) => {
    if (c.vector.length !== length)
      throw new RangeError(`column '${c.name}' has ${c.vector.length} rows, expected ${length}`);
    return c.vector.data[0]!;
  });
  const schema = new arrow.Schema(fields);
  const data = arrow.makeData({ type: new arrow.Struct(fields), length, nullCount: 0, children });
  return new arrow.RecordBatch(schema, data);
}
