/**
 * The in-process twin of `Runner.run`: the same cutting into batches (or groups) and the same
 * output shape (input columns, or group keys, then the result columns), but the executors of
 * src/exec run the plan directly — no gRPC, no worker. This is what `vecudf run --in-process`
 * does, and the reference the gRPC path's results are compared with.
 *
 * @example
 * const run = runInProcess(batches, { plan, columns: ['a', 'b'] });
 * for await (const out of run) …; run.metrics.udfMs;
 */
import { makeData, type RecordBatch, Schema, Struct } from 'apache-arrow';
import { runAggregate } from '../exec/aggregate.js';
import { loadPlan } from '../exec/plan.js';
import { runRowWise } from '../exec/row-wise.js';
import { runVectorized } from '../exec/vectorized.js';
import { recordBatchOf } from '../util/record-batch.js';
import type { BatchSource } from './batch-cutter.js';
import { groupChunks, peek, resolveColumns, scalarChunks } from './chunks.js';
import { emptyMetrics, type RunMetrics } from './metrics.js';
import { DEFAULT_BUNDLING } from './operator.js';
import { describePlan } from './plan-info.js';
import type { Run, RunSpec } from './runner.js';

export function runInProcess(input: BatchSource, spec: RunSpec): Run {
  const metrics = emptyMetrics('vectorized');
  let started = false;
  return {
    metrics,
    [Symbol.asyncIterator]() {
      if (started) throw new Error('a run can be iterated only once');
      started = true;
      return execute(input, spec, metrics);
    },
  };
}

async function* execute(input: BatchSource, spec: RunSpec, m: RunMetrics): AsyncGenerator<RecordBatch> {
  const baseDir = spec.baseDir ?? process.cwd();
  const info = await describePlan(spec.plan, baseDir);
  m.mode = info.mode;
  const plan = await loadPlan(spec.plan, { baseDir });
  const { first, rest } = await peek(input);
  if (!first) return;
  const schema = first.schema;
  const udfIdx = resolveColumns(schema, spec.columns ?? schema.fields.map((_, i) => i), 'UDF input');
  if (info.mode === 'aggregate' && !spec.groupBy) {
    throw new Error('an aggregate needs groupBy (the key columns; use [] for one global group)');
  }
  if (info.mode !== 'aggregate' && spec.groupBy)
    throw new Error('groupBy is for aggregate UDFs; this plan is scalar');
  const chunks =
    info.mode === 'aggregate'
      ? groupChunks(rest, spec.groupBy!, udfIdx, m, spec.maxGroupRows ?? 10_000_000)
      : scalarChunks(
          rest,
          udfIdx,
          spec.arrowBatchSize ?? 10_000,
          m,
          // A slow trickle of input gets results within the bundle time, as through the worker.
          spec.bundleTimeMs ?? DEFAULT_BUNDLING.bundleTimeMs,
        );
  let outSchema: Schema | undefined;
  let t0 = 0;
  for await (const chunk of chunks) {
    if (t0 === 0) t0 = performance.now();
    m.rows += chunk.udfInput.numRows;
    m.batches++;
    const t = performance.now();
    const result =
      info.mode === 'aggregate'
        ? await runAggregate(plan, chunk.udfInput, [])
        : info.mode === 'row'
          ? await runRowWise(plan, chunk.udfInput)
          : await runVectorized(plan, chunk.udfInput);
    const t1 = performance.now();
    m.waitMs += t1 - t;
    const fwd = chunk.forwarded;
    if (!outSchema) {
      for (const f of fwd.schema.fields) {
        if (info.resultNames.includes(f.name)) {
          throw new Error(
            `the input already has a column named '${f.name}'; name the call's output differently`,
          );
        }
      }
      outSchema = new Schema([
        ...fwd.schema.fields,
        ...result.schema.fields.map((f, i) => f.clone({ name: info.resultNames[i]! })),
      ]);
    }
    const children = [...fwd.data.children, ...result.data.children];
    const data = makeData({
      type: new Struct(outSchema.fields),
      length: fwd.numRows,
      nullCount: 0,
      children,
    });
    m.joinMs += performance.now() - t1;
    m.outputRows += fwd.numRows;
    m.udfMs = plan.metrics.reduce((s, c) => s + c.ms, 0);
    m.elapsedMs = performance.now() - t0;
    yield recordBatchOf(outSchema, data);
  }
}
