/**
 * Helpers shared by the executors: the DataType of each input column, and assembling result
 * vectors into one record batch.
 */
import * as arrow from 'apache-arrow';
import type { DeferredColumn, EncodableColumn } from '../codec/ipc-writer.js';
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

/** A named result column: an Arrow vector, or (for the worker's writer) a deferred column. */
export interface NamedColumn<V extends arrow.Vector | DeferredColumn = arrow.Vector> {
  name: string;
  type: DataType;
  vector: V;
}

/** Whether `schema` describes exactly these columns (names, Arrow types, nullability). */
function describes(
  schema: arrow.Schema,
  columns: readonly NamedColumn<arrow.Vector | DeferredColumn>[],
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

/** The schema of result columns, reused from the previous batch of `cacheKey` while it matches. */
function schemaOf(
  columns: readonly NamedColumn<arrow.Vector | DeferredColumn>[],
  cacheKey?: object,
): arrow.Schema {
  let schema = cacheKey ? schemaCache.get(cacheKey) : undefined;
  if (!schema || !describes(schema, columns)) {
    schema = new arrow.Schema(columns.map((c) => new arrow.Field(c.name, c.vector.type, c.type.nullable)));
    if (cacheKey) schemaCache.set(cacheKey, schema);
  }
  return schema;
}

function checkLength(c: NamedColumn<arrow.Vector | DeferredColumn>, length: number): void {
  if (c.vector.length !== length)
    throw new RangeError(`column '${c.name}' has ${c.vector.length} rows, expected ${length}`);
}

/**
 * A record batch of named result columns, each one Data of `length` rows. `cacheKey` (the plan)
 * lets the schema be reused from the previous batch of the same plan.
 */
export function makeBatch(
  columns: readonly NamedColumn[],
  length: number,
  cacheKey?: object,
): arrow.RecordBatch {
  const children = columns.map((c) => {
    checkLength(c, length);
    return c.vector.data[0]!;
  });
  return batchOfChildren(schemaOf(columns, cacheKey), children, length);
}

/**
 * Result columns ready for the element encoder (codec/arrow-frame.ts `planColumns`): a schema and
 * one Data or deferred column per field, all `numRows` long.
 */
export interface ResultColumns {
  readonly schema: arrow.Schema;
  readonly columns: readonly EncodableColumn[];
  readonly numRows: number;
}

/** {@link makeBatch} for columns that may be deferred (values written when the element is). */
export function makeColumns(
  columns: readonly NamedColumn<arrow.Vector | DeferredColumn>[],
  length: number,
  cacheKey?: object,
): ResultColumns {
  const out = columns.map((c): EncodableColumn => {
    checkLength(c, length);
    return c.vector instanceof arrow.Vector ? c.vector.data[0]! : c.vector;
  });
  return { schema: schemaOf(columns, cacheKey), columns: out, numRows: length };
}

/** A record batch as result columns. */
export function columnsOfBatch(batch: arrow.RecordBatch): ResultColumns {
  return { schema: batch.schema, columns: batch.data.children, numRows: batch.numRows };
}
