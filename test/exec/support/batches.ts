/** Record batches from JS values, and their values back, for executor tests. */
import type * as arrow from 'apache-arrow';
import { makeBatch } from '../../../src/exec/batch.js';
import { makeGetter } from '../../../src/series/accessors.js';
import { createColumnBuilder } from '../../../src/series/column-builder.js';
import { fromArrowField } from '../../../src/types/arrow-mapping.js';
import type { DataType } from '../../../src/types/data-types.js';

export interface ColumnSpec {
  name: string;
  type: DataType;
  values: readonly unknown[];
}

/** A record batch whose columns hold `values` (null for null), built with the checked builders. */
export function batchOf(columns: readonly ColumnSpec[]): arrow.RecordBatch {
  const length = columns[0]?.values.length ?? 0;
  return makeBatch(
    columns.map((c) => {
      const b = createColumnBuilder(c.type, c.values.length);
      for (const v of c.values) b.append(v);
      return { name: c.name, type: c.type, vector: b.finish() };
    }),
    length,
  );
}

/** Column `i` of a batch as JS values (via the same getters the row-wise executor uses). */
export function valuesOf(batch: arrow.RecordBatch, i: number, type?: DataType): unknown[] {
  const dt = type ?? fromArrowField(batch.schema.fields[i]!);
  const get = makeGetter(batch.data.children[i]!, dt);
  return Array.from({ length: batch.numRows }, (_, r) => copyBytes(get(r)));
}

/** Every column of a batch as JS values, by name. */
export function columnsOf(batch: arrow.RecordBatch, types?: readonly DataType[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  batch.schema.fields.forEach((f, i) => {
    out[f.name] = valuesOf(batch, i, types?.[i]);
  });
  return out;
}

// Byte values are views into Arrow buffers; copy them so that equality does not see buffer slack.
function copyBytes(v: unknown): unknown {
  return v instanceof Uint8Array ? Uint8Array.from(v) : v;
}
