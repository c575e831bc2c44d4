/**
 * The aggregate executor: vectorized UDAFs per group of rows with equal keys (or over every row
 * when there are no keys), one output row per group: the key columns first, then one column per
 * aggregate call. Arguments are evaluated once over the whole batch (nested scalar calls
 * included); each group's rows are then gathered (`take`) into Series of the group's length.
 * With no keys, every row is one group (SQL's global aggregate: one row even for an empty batch).
 *
 * @example
 * const mean = vectorizedUdaf((x) => x.mean(), { resultType: 'DOUBLE' });
 * const plan = compilePlan({ calls: [{ udf: mean, args: [{ column: 1 }] }] });
 * const out = await runAggregate(plan, batch, [0]); // columns: <key column 0>, f0
 */
import * as arrow from 'apache-arrow';
import { createColumnBuilder } from '../series/column-builder.js';
import { groupRows, rowsOfGroup } from '../series/group-by.js';
import { Series } from '../series/series.js';
import { take } from '../series/take.js';
import type { DataType } from '../types/data-types.js';
import { appendScalarResult, udfLabel } from '../udf/check-result.js';
import { inputData, inputType, makeBatch } from './batch.js';
import { wrapUdfError } from './errors.js';
import { recordBatch } from './metrics.js';
import type { CompiledPlan } from './plan.js';
import { isThenable } from './row-eval.js';
import { noteAsyncUdf, withUdfContext } from './udf-context.js';
import { BatchContext, constantSeries, evalArg } from './vectorized.js';

/** Runs an aggregate plan over one batch, grouping by the given input columns. */
export async function runAggregate(
  plan: CompiledPlan,
  batch: arrow.RecordBatch,
  groupKeyColumns: readonly number[] = [],
  context?: unknown,
): Promise<arrow.RecordBatch> {
  if (plan.mode !== 'aggregate') {
    throw new TypeError(`runAggregate runs plans of aggregate UDFs; this plan is ${plan.mode}`);
  }
  const n = batch.numRows;
  const ctx = new BatchContext(plan, batch, context);
  const keyVectors = groupKeyColumns.map((i) => {
    inputType(plan, batch, i);
    return new arrow.Vector([inputData(batch, i)]);
  });
  let numGroups: number;
  let offsets: Int32Array;
  let indices: Int32Array | null; // null: one group of every row, in order (no gather needed)
  let firstRow: Int32Array;
  if (keyVectors.length === 0) {
    numGroups = 1;
    offsets = Int32Array.of(0, n);
    indices = null;
    firstRow = Int32Array.of(0);
  } else {
    const g = groupRows(keyVectors, n);
    numGroups = g.numGroups;
    firstRow = g.firstRow;
    const rows = rowsOfGroup(g.groupIds, g.numGroups);
    offsets = rows.offsets;
    indices = rows.indices;
  }

  const out: { name: string; type: DataType; vector: arrow.Vector }[] = [];
  groupKeyColumns.forEach((col, k) => {
    out.push({
      name: batch.schema.fields[col]!.name,
      type: inputType(plan, batch, col),
      vector: take(keyVectors[k]!, firstRow),
    });
  });

  for (const call of plan.calls) {
    const { udf } = call;
    const label = udfLabel('aggregate', udf.name);
    // Whole-batch arguments (constants are made per group length instead).
    const whole: (Series | null)[] = [];
    for (let k = 0; k < call.args.length; k++) {
      whole.push(call.args[k]!.kind === 'constant' ? null : await evalArg(call, k, ctx));
    }
    const builder = createColumnBuilder(call.resultType, numGroups);
    const t0 = performance.now();
    const args = new Array<Series>(call.args.length);
    for (let g = 0; g < numGroups; g++) {
      const from = offsets[g]!;
      const to = offsets[g + 1]!;
      const idx = indices?.subarray(from, to);
      for (let k = 0; k < args.length; k++) {
        const a = call.args[k]!;
        const s = whole[k];
        if (s === null || s === undefined)
          args[k] = constantSeries(a as typeof a & { kind: 'constant' }, to - from);
        else args[k] = idx === undefined ? s : new Series(take(s.vector, idx), s.name, s.type);
      }
      const first = idx === undefined ? 0 : (idx[0] ?? 0);
      const last = idx === undefined ? Math.max(0, n - 1) : (idx[idx.length - 1] ?? 0);
      const where =
        keyVectors.length === 0
          ? `all ${n} rows of the batch`
          : `group ${g} of the batch (${to - from} rows, first at row ${first})`;
      try {
        let r: unknown = withUdfContext(context, [udf.fn], () => udf.fn(...args));
        if (isThenable(r)) {
          noteAsyncUdf(udf.fn);
          r = await r;
        }
        appendScalarResult(label, r, builder, `for ${where}`);
      } catch (e) {
        throw wrapUdfError(udf.name, first, last, e, where);
      }
    }
    recordBatch(call.metrics, n, performance.now() - t0);
    out.push({ name: call.output, type: call.resultType, vector: builder.finish() });
  }
  return makeBatch(out, numGroups, plan);
}
