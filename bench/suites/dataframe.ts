/**
 * DataFrame suite: `mapBatches` normalisation, z = (x − mean) / std over each batch (10% nulls).
 * Vectorized: a DataFrame → DataFrame UDF on Series. Row: the batch's rows read one value at a
 * time, the statistics accumulated in a loop, then one call per row to compute z — what a
 * row-oriented map over a batch does.
 */
import type * as arrow from 'apache-arrow';
import { makeBatch } from '../../src/exec/batch.js';
import { compilePlan } from '../../src/exec/plan.js';
import { runVectorized } from '../../src/exec/vectorized.js';
import { makeGetter } from '../../src/series/accessors.js';
import { createColumnBuilder } from '../../src/series/column-builder.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { numericData } from '../lib/data.js';
import { functionSuite } from '../lib/function-suite.js';
import { normalizeLoop } from '../lib/hand-loops.js';
import { arqueroPeer, danfoPeer } from '../lib/js-peers.js';
import { normalize } from '../udfs.js';

const plan = compilePlan({ calls: [{ udf: normalize, args: [{ column: 0 }] }] });

/** The row function: one row's z given the batch's statistics. */
const zOf = (x: number | null, mean: number, std: number): number | null =>
  x === null ? null : (x - mean) / std;

async function normalizeRow(batch: arrow.RecordBatch): Promise<arrow.RecordBatch> {
  const n = batch.numRows;
  const get = makeGetter(batch.data.children[0]!, T.DOUBLE());
  const xs = new Array<number | null>(n);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = get(i) as number | null;
    xs[i] = v;
    if (v !== null) {
      sum += v;
      count++;
    }
  }
  const mean = sum / count;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const v = xs[i];
    if (v !== null && v !== undefined) sq += (v - mean) * (v - mean);
  }
  const std = Math.sqrt(sq / (count - 1));
  const out = createColumnBuilder(T.DOUBLE(), n);
  for (let i = 0; i < n; i++) out.append(zOf(xs[i]!, mean, std));
  return makeBatch([{ name: 'z', type: T.DOUBLE(), vector: out.finish() }], n);
}

export const dataframeSuite = functionSuite({
  name: 'dataframe',
  title: 'DataFrame: mapBatches normalisation',
  description:
    'One DOUBLE column, 10% nulls; z = (x − mean) / std over each batch. Vectorized: `mapBatches((df) => ({ z: x.sub(x.mean()).div(x.std()) }))`. ' +
    'Row: values read one at a time, statistics in a loop, one call per row for z. Limit: three passes by hand over the Float64Array. ' +
    'Peers normalise the whole column at once.',
  data: (rows) => ({ rows, columns: { x: numericData(rows, 6).columns.a! } }),
  cases: [
    {
      case: 'normalize',
      columns: ['x'],
      vectorized: (b) => runVectorized(plan, b),
      row: normalizeRow,
      relTol: 1e-9,
      limit: { run: (b) => normalizeLoop([b], 0), note: 'three hand-written passes over the Float64Array' },
      peers: [
        danfoPeer(['x'], (_, [x]) => x!.sub(x!.mean()).div(x!.std())),
        arqueroPeer(['x'], (aq, t) =>
          t.derive({
            z: (d) => ((d.x as number) - (aq.op.mean!(d.x) as number)) / (aq.op.stdev!(d.x) as number),
          }),
        ),
      ],
      pandas: 'normalize',
    },
  ],
});
