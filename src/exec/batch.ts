/**
 * Helpers shared by the executors: the DataType of each input column, and assembling result
 * vectors into one record batch.
 */
import * as arrow from 'apache-arrow';
import { fromArrowField } from '../types/arrow-mapping.js';
import type { DataType } from '../types/data-types.js';
import { batchOfChildren } from '../util/record-batch.js';
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

// The output schema of a plan is the same batch after batch: built once per plan (per cache key)
// and reused while the columns still match it, instead of new Fields and a new Schema per batch.
const schemaCache = new WeakMap<object, arrow.Schema>();

/** Whether `schema` describes exactly these columns (names, Arrow types, nullability). */
function describes(
  schema: arrow.Schema,
  columns: readonly { name: string; type: DataType; vector: arrow.Vector }[],
): boolean {
  if (schema.fields.length !== columns.length) return false;
  for (let i = 0; i < columns.length; i++) {
    const f = schema.fields[i]!;
    const c = columns[i]!;
    if (f.name !== c.name || f.nullable !== c.type.nullable) return false;
    if (f.type !== c.vector.type && String(f.type) !== String(c.vector.type)) return false;
  }
  return true;
}

/**
 * A record batch of named result columns, each one Data of `length` rows. `cacheKey` (the plan)
 * lets the schema be reused from the previous batch of the same plan.
 */
export function makeBatch(
  columns: readonly { name: string; type: DataType; vector: arrow.Vector }[],
  length: number,
  cacheKey?: object,
): arrow.RecordBatch {
  const children = columns.map((c) => {
    if (c.vector.length !== length)
      throw new RangeError(`column '${c.name}' has ${c.vector.length} rows, expected ${length}`);
    return c.vector.data[0]!;
  });
  let schema = cacheKey ? schemaCache.get(cacheKey) : undefined;
  if (!schema || !describes(schema, columns)) {
    schema = new arrow.Schema(columns.map((c) => new arrow.Field(c.name, c.vector.type, c.type.nullable)));
    if (cacheKey) schemaCache.set(cacheKey, schema);
  }
  return batchOfChildren(schema, children, length);
}
