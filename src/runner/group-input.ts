/**
 * Puts the rows of each group key together, in order of the key's first appearance (SQL's
 * GROUP BY over unsorted input), so that an aggregate can take the input one group at a time.
 * Flink's batch aggregate gets its input sorted by the planner; a file read by `vecudf run`
 * is not, so it is grouped here once (the input is held in memory for that).
 *
 * @example
 * const grouped = groupByKey(batches, [0]);     // one batch, groups contiguous
 */
import { type RecordBatch, Vector } from 'apache-arrow';
import { groupRows, rowsOfGroup } from '../series/group-by.js';
import { takeData } from '../series/take.js';
import { batchOfChildren } from '../util/record-batch.js';

/** One batch holding every row of `batches`, reordered so rows with equal `keys` are adjacent. */
export function groupByKey(batches: readonly RecordBatch[], keys: readonly number[]): RecordBatch[] {
  if (batches.length === 0) return [];
  const schema = batches[0]!.schema;
  const n = batches.reduce((s, b) => s + b.numRows, 0);
  if (keys.length === 0 || n === 0) return [...batches];
  const columns = schema.fields.map((_, c) => batches.map((b) => b.data.children[c]!));
  const g = groupRows(
    keys.map((k) => new Vector(columns[k]!)),
    n,
  );
  const { indices } = rowsOfGroup(g.groupIds, g.numGroups);
  const children = columns.map((chunks) => takeData(chunks, indices));
  return [batchOfChildren(schema, children, n)];
}
