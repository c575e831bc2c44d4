/**
 * Turns the input record batches into the operator's chunks: for scalar functions, batches of
 * `arrowBatchSize` rows with the UDF input columns picked out and all input columns forwarded;
 * for aggregates, one chunk per group key with the key row forwarded.
 *
 * Column names are resolved against the first input batch. Time spent waiting for the source
 * goes to `metrics.inputMs`, time spent cutting and selecting to `metrics.cutMs`.
 *
 * @example
 * for await (const c of scalarChunks(batches, { udfColumns: ['a', 'b'] }, 10_000, metrics)) …
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { peek as peekFirst } from '../util/iterate.js';
import { selectColumns } from '../util/record-batch.js';
import { type BatchSource, type CutBatch, cutBatchesTimed } from './batch-cutter.js';
import type { Chunk } from './bundle.js';
import { cutGroups } from './key-groups.js';
import type { RunMetrics } from './metrics.js';

/** A column by name or by index. */
export type ColumnRef = string | number;

/** Index of each named column in `schema`, with a clear error for a missing one. */
export function resolveColumns(schema: Schema, refs: readonly ColumnRef[], what: string): number[] {
  return refs.map((r) => {
    if (typeof r === 'number') {
      if (!Number.isInteger(r) || r < 0 || r >= schema.fields.length) {
        throw new Error(
          `${what}: column index ${r} is out of range (the input has ${schema.fields.length} columns)`,
        );
      }
      return r;
    }
    const i = schema.fields.findIndex((f) => f.name === r);
    if (i < 0) {
      throw new Error(
        `${what}: no input column '${r}' (columns: ${schema.fields.map((f) => f.name).join(', ')})`,
      );
    }
    return i;
  });
}

/** Times the source's `next()` calls into `metrics.inputMs`. */
async function* timedSource(input: BatchSource, m: RunMetrics): AsyncGenerator<RecordBatch> {
  const it = (Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : input[Symbol.iterator]()) as
    | AsyncIterator<RecordBatch>
    | Iterator<RecordBatch>;
  try {
    while (true) {
      const t0 = performance.now();
      const r = await it.next();
      m.inputMs += performance.now() - t0;
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}

/** Cuts timing: what the cutter spends outside the source. */
async function* timedCut<T>(inner: AsyncGenerator<T>, m: RunMetrics): AsyncGenerator<T> {
  try {
    while (true) {
      const input0 = m.inputMs;
      const t0 = performance.now();
      const r = await inner.next();
      m.cutMs += performance.now() - t0 - (m.inputMs - input0);
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await inner.return(undefined);
  }
}

/**
 * Chunks for a scalar function: `size`-row batches, every input column forwarded. Rows wait at
 * most `maxWaitMs` for a batch to fill; such a chunk is marked `flush` (close the bundle now).
 */
export async function* scalarChunks(
  input: BatchSource,
  udfColumns: readonly ColumnRef[],
  size: number,
  m: RunMetrics,
  maxWaitMs = Number.POSITIVE_INFINITY,
): AsyncGenerator<Chunk> {
  let udf: number[] | undefined;
  let firstRow = 0;
  const cut: AsyncGenerator<CutBatch> = cutBatchesTimed(timedSource(input, m), size, maxWaitMs);
  const selected = {};
  for await (const { batch, byTime } of timedCut(cut, m)) {
    udf ??= resolveColumns(batch.schema, udfColumns, 'UDF input');
    const n = batch.numRows;
    const udfInput = selectColumns(batch, udf, selected);
    yield { forwarded: batch, udfInput, resultRows: n, firstRow, flush: byTime };
    firstRow += n;
  }
}

/**
 * Chunks for an aggregate: one per run of equal `keys` (input sorted or grouped by them); the
 * forwarded batch is the group's key row. Groups larger than `maxGroupRows` are refused.
 */
export async function* groupChunks(
  input: BatchSource,
  keys: readonly ColumnRef[],
  udfColumns: readonly ColumnRef[],
  m: RunMetrics,
  maxGroupRows = Number.POSITIVE_INFINITY,
): AsyncGenerator<Chunk> {
  let firstRow = 0;
  // Keys are resolved on the first batch; cutGroups needs them before it starts, so peek.
  const source = timedSource(input, m);
  const first = await source.next();
  if (first.done) return;
  const schema = first.value.schema;
  const keyIdx = resolveColumns(schema, keys, 'group key');
  const udf = resolveColumns(schema, udfColumns, 'UDF input');
  async function* all(): AsyncGenerator<RecordBatch> {
    yield first.value as RecordBatch;
    yield* source;
  }
  for await (const group of timedCut(cutGroups(all(), keyIdx, maxGroupRows), m)) {
    const n = group.numRows;
    yield {
      forwarded: group.selectAt(keyIdx).slice(0, 1),
      udfInput: group.selectAt(udf),
      resultRows: 1,
      firstRow,
    };
    firstRow += n;
  }
}

/** Takes the first batch of a source and returns it with an iterable of all batches (it included). */
export function peek(
  input: BatchSource,
): Promise<{ first: RecordBatch | undefined; rest: AsyncIterable<RecordBatch> }> {
  return peekFirst(input);
}
