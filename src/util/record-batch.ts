/**
 * Record batches built without apache-arrow's constructor. `new RecordBatch(schema, data)` rebuilds
 * the schema on every call (`Schema.assign` clones each field with merged metadata maps, then
 * `ensureSameLengthData` makes a new Struct Data): tens of µs and a dozen objects per batch on the
 * paths that make one batch per 10,000 rows (decode, the executors' results, the runner's joins).
 * It also merges fields by name, so two columns of the same name (valid Arrow) would come out as
 * one type. Callers here already hold a schema and a struct Data of equal-length children.
 */
import * as arrow from 'apache-arrow';

/**
 * A RecordBatch over exactly this schema and data.
 *
 * @example
 * const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
 * const batch = recordBatchOf(schema, data);
 */
export function recordBatchOf(schema: arrow.Schema, data: arrow.Data<arrow.Struct>): arrow.RecordBatch {
  // The fields apache-arrow 21's constructor sets (schema, data, _metadata); _dictionaries is
  // computed on first use by its getter.
  const batch = Object.create(arrow.RecordBatch.prototype) as arrow.RecordBatch;
  const own = batch as unknown as {
    schema: arrow.Schema;
    data: arrow.Data<arrow.Struct>;
    _metadata: Map<string, string>;
  };
  own.schema = schema;
  own.data = data;
  own._metadata = new Map();
  return batch;
}

/**
 * A RecordBatch of `children` (one Data per field of `schema`, each `length` rows).
 *
 * @example
 * const batch = batchOfChildren(schema, [a.data[0], b.data[0]], 10_000);
 */
export function batchOfChildren(
  schema: arrow.Schema,
  children: arrow.Data[],
  length: number,
): arrow.RecordBatch {
  const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children });
  return recordBatchOf(schema, data);
}

/**
 * The columns `indices` of `batch` as a batch (no copy), like `batch.selectAt(indices)` without
 * apache-arrow's schema rebuild. `cache` keeps the selected schema while batches share a schema.
 *
 * @example
 * const cache = {};
 * for (const b of batches) send(selectColumns(b, [0, 2], cache));
 */
export function selectColumns(
  batch: arrow.RecordBatch,
  indices: readonly number[],
  cache: { from?: arrow.Schema; schema?: arrow.Schema } = {},
): arrow.RecordBatch {
  if (cache.from !== batch.schema || !cache.schema) {
    const fields = indices.map((i) => batch.schema.fields[i]!);
    cache.schema = new arrow.Schema(fields, batch.schema.metadata);
    cache.from = batch.schema;
  }
  const children = indices.map((i) => batch.data.children[i]!);
  return batchOfChildren(cache.schema, children, batch.numRows);
}
