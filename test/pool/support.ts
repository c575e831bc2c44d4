/**
 * Helpers of the pool tests: Arrow elements of float64 columns, plans over the UDF fixtures in
 * test/fixtures/pool/udfs.mjs, and reading a result element back.
 */
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { ArrowFrameEncoder } from '../../src/codec/arrow-frame.js';
import { decodeIpcStream } from '../../src/codec/ipc-reader.js';
import type { Plan } from '../../src/exec/plan.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/pool/udfs.mjs', import.meta.url));

/** A plan of one call to fixture export `name` over input columns 0..arity-1, DOUBLE → DOUBLE. */
export function fixturePlan(name: string, arity: number): Plan {
  return {
    calls: [
      {
        udf: {
          module: FIXTURES,
          export: name,
          kind: 'vectorized',
          inputTypes: Array.from({ length: arity }, () => 'DOUBLE'),
          resultType: 'DOUBLE',
        },
        args: Array.from({ length: arity }, (_, i) => ({ column: i })),
      },
    ],
  };
}

/**
 * The payload of one data-plane Arrow element (the IPC stream of schema + one batch that follows
 * the varint prefix) of float64 columns c0, c1, …, in a buffer of its own, as the harness hands it.
 */
export function element(...columns: Float64Array[]): Uint8Array {
  const vectors: Record<string, arrow.Vector> = {};
  columns.forEach((c, i) => {
    vectors[`c${i}`] = arrow.makeVector(c);
  });
  const batch = new arrow.Table(vectors).batches[0]!;
  const framed = new ArrowFrameEncoder(batch.schema).encode(batch);
  let prefix = 1;
  while (framed[prefix - 1]! >= 128) prefix++;
  return framed.slice(prefix);
}

/** The record batch of a result payload. */
export function resultBatch(bytes: Uint8Array): arrow.RecordBatch {
  const { batches } = decodeIpcStream(bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes));
  if (batches.length !== 1) throw new Error(`expected one batch, got ${batches.length}`);
  return batches[0]!;
}

/** Column 0 of a result element, as numbers. */
export function resultColumn(bytes: Uint8Array): number[] {
  return Array.from(resultBatch(bytes).getChildAt(0)!.toArray() as Float64Array);
}

/** n copies of v. */
export function filled(n: number, v: number): Float64Array {
  return new Float64Array(n).fill(v);
}
