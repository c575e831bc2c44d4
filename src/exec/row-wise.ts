/**
 * The row-wise executor: the honest baseline. Every value is read straight from the Arrow buffers
 * (one getter closure per column, see series/accessors.ts), each row calls the user function once
 * with plain JS values, and each result is appended to a checked column builder. Nothing else is
 * made per row, so the gap to the vectorized executor is the gap between the two ways of working,
 * not overhead put in one of them.
 *
 * @example
 * const plusRow = udf((a, b) => (a == null || b == null ? null : a + b),
 *   { inputTypes: ['DOUBLE', 'DOUBLE'], resultType: 'DOUBLE' });
 * const out = await runRowWise(compilePlan({ calls: [{ udf: plusRow, args: [{ column: 0 }, { column: 1 }] }] }), batch);
 */
import type * as arrow from 'apache-arrow';
import { type Getter, makeGetter } from '../series/accessors.js';
import { createColumnBuilder } from '../series/column-builder.js';
import { inputData, inputType, makeBatch } from './batch.js';
import { recordBatch } from './metrics.js';
import type { CompiledCall, CompiledPlan } from './plan.js';
import { compileRowCall, fillColumn, udfFns } from './row-eval.js';
import { withUdfContext } from './udf-context.js';

/** Runs every top-level call of a scalar plan of row UDFs over the batch, row by row. */
export async function runRowWise(
  plan: CompiledPlan,
  batch: arrow.RecordBatch,
  context?: unknown,
): Promise<arrow.RecordBatch> {
  if (plan.mode !== 'scalar') {
    throw new TypeError(
      `runRowWise runs scalar plans; this plan is ${plan.mode} (use runAggregate / runVectorized)`,
    );
  }
  const n = batch.numRows;
  const getters = new Map<number, Getter>();
  const column = (i: number): Getter => {
    let g = getters.get(i);
    if (!g) {
      g = makeGetter(inputData(batch, i), inputType(plan, batch, i));
      getters.set(i, g);
    }
    return g;
  };
  const out: { name: string; type: CompiledCall['resultType']; vector: arrow.Vector }[] = [];
  for (const call of plan.calls) {
    const rowFn = compileRowCall(call, column);
    const builder = createColumnBuilder(call.resultType, n);
    const t0 = performance.now();
    await withUdfContext(context, udfFns(call), () => fillColumn(call, rowFn, n, builder));
    const vector = builder.finish();
    recordBatch(call.metrics, n, performance.now() - t0);
    countNested(call, n);
    out.push({ name: call.output, type: call.resultType, vector });
  }
  return makeBatch(out, n, plan);
}

/** Nested calls of a row-wise tree: rows and batches counted, their time is in the top-level call's. */
function countNested(call: CompiledCall, n: number): void {
  for (const a of call.args) {
    if (a.kind === 'call') {
      recordBatch(a.call.metrics, n, 0);
      countNested(a.call, n);
    }
  }
}
