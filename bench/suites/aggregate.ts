/**
 * Aggregate suite: the mean of a DOUBLE per group of a STRING key (1,000 distinct keys, 10% null
 * values), per batch. Vectorized: a `vectorizedUdaf((x) => x.mean())` run by the aggregate
 * executor (hash grouping on the key bytes, one gather per group). Row: what a row-at-a-time
 * aggregate does — one accumulate call per row into a Map keyed by the decoded string.
 */
import type * as arrow from 'apache-arrow';
import { runAggregate } from '../../src/exec/aggregate.js';
import { makeBatch } from '../../src/exec/batch.js';
import { compilePlan } from '../../src/exec/plan.js';
import { makeGetter } from '../../src/series/accessors.js';
import { createColumnBuilder } from '../../src/series/column-builder.js';
import { DataFrame } from '../../src/series/dataframe.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { groupData } from '../lib/data.js';
import { functionSuite } from '../lib/function-suite.js';
import { groupMeanLoop } from '../lib/hand-loops.js';
import { arqueroPeer, danfoFramePeer } from '../lib/js-peers.js';
import { meanOf } from '../udfs.js';

const plan = compilePlan({ calls: [{ udf: meanOf, args: [{ column: 1 }] }] });

interface Acc {
  sum: number;
  count: number;
}
/** The row-wise aggregate's functions, as a Flink AggregateFunction has them. */
const accumulate = (acc: Acc, x: number | null): void => {
  if (x !== null) {
    acc.sum += x;
    acc.count++;
  }
};
const getValue = (acc: Acc): number => (acc.count > 0 ? acc.sum / acc.count : Number.NaN);

async function meanPerGroupRow(batch: arrow.RecordBatch): Promise<arrow.RecordBatch> {
  const n = batch.numRows;
  const key = makeGetter(batch.data.children[0]!, T.STRING());
  const x = makeGetter(batch.data.children[1]!, T.DOUBLE());
  const groups = new Map<string, Acc>();
  for (let i = 0; i < n; i++) {
    const k = key(i) as string;
    let acc = groups.get(k);
    if (!acc) groups.set(k, (acc = { sum: 0, count: 0 }));
    accumulate(acc, x(i) as number | null);
  }
  const keys = createColumnBuilder(T.STRING(), groups.size);
  const means = createColumnBuilder(T.DOUBLE(), groups.size);
  for (const [k, acc] of groups) {
    keys.append(k);
    means.append(getValue(acc));
  }
  return makeBatch(
    [
      { name: 'key', type: T.STRING(), vector: keys.finish() },
      { name: 'mean', type: T.DOUBLE(), vector: means.finish() },
    ],
    groups.size,
  );
}

export const aggregateSuite = functionSuite({
  name: 'aggregate',
  title: 'Aggregate: mean per group',
  description:
    'A STRING key (1,000 distinct URI paths) and a DOUBLE value with 10% nulls; the mean of the value per key within each batch. ' +
    'Vectorized: `vectorizedUdaf((x) => x.mean())` through the aggregate executor (one UDF call per group), and `DataFrame.groupBy(key).agg({ mean: [x, mean] })` (a grouped kernel). Row: one accumulate call per row into a Map keyed by the decoded key string, as a row-at-a-time aggregate function works. ' +
    'Limit: a hand-written hash table over the key bytes with sums and counts in typed arrays.',
  data: (rows) => groupData(rows, 5),
  cases: [
    {
      case: 'mean per group',
      columns: ['key', 'x'],
      profile: true,
      vectorized: (b) => runAggregate(plan, b, [0]),
      row: meanPerGroupRow,
      relTol: 1e-12,
      limit: { run: (b) => groupMeanLoop([b], 0, 1), note: 'hand-written hash grouping over the key bytes' },
      peers: [
        arqueroPeer(['key', 'x'], (aq, t) => t.groupby('key').rollup({ m: (d) => aq.op.mean!(d.x) })),
        danfoFramePeer(
          ['key', 'x'],
          (df) => df.groupby(['key']).col(['x']).mean(),
          "danfo's groupby mean does not skip NaN (nulls)",
        ),
      ],
      pandas: 'group_mean',
    },
    {
      // The same result through DataFrame.groupBy().agg(): a grouped kernel, no call per group.
      case: 'mean per group (groupBy.agg)',
      columns: ['key', 'x'],
      vectorized: async (b) =>
        DataFrame.fromRecordBatch(b)
          .groupBy('key')
          .agg({ mean: ['x', 'mean'] })
          .toRecordBatch(),
      row: meanPerGroupRow,
      relTol: 1e-12,
      limit: { run: (b) => groupMeanLoop([b], 0, 1), note: 'hand-written hash grouping over the key bytes' },
    },
  ],
});
