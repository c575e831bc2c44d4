/**
 * Cuts a stream of record batches into batches of exactly `size` rows (the last one may be
 * shorter), as Flink's Arrow operator does with `python.fn-execution.arrow.batch.size`.
 *
 * A cut that falls inside one input batch is a zero-copy slice; only a cut that spans input
 * batches is copied (once) into contiguous buffers, because an Arrow IPC record batch needs them.
 *
 * @example
 * for await (const b of cutBatches(readBatches(file), 10_000)) console.log(b.numRows);
 */
import type { Data, RecordBatch, Schema, Struct } from 'apache-arrow';
import { nextBefore } from '../util/iterate.js';
import { recordBatchOf } from '../util/record-batch.js';
import { concatData } from './concat-data.js';

export type BatchSource = AsyncIterable<RecordBatch> | Iterable<RecordBatch>;

/** Yields batches of `size` rows (last one shorter), all with the schema of the first input batch. */
export async function* cutBatches(input: BatchSource, size: number): AsyncGenerator<RecordBatch> {
  for await (const c of cutBatchesTimed(input, size)) yield c.batch;
}

/** A cut batch; `byTime` when it was cut short because rows waited `maxWaitMs` for more. */
export interface CutBatch {
  batch: RecordBatch;
  byTime: boolean;
}

/**
 * Like `cutBatches`, but rows never wait more than `maxWaitMs` for a batch to fill: when the
 * source is slow, the rows pending that long go out as a shorter batch (as Flink's bundle timer
 * flushes a partial Arrow batch).
 */
export async function* cutBatchesTimed(
  input: BatchSource,
  size: number,
  maxWaitMs = Number.POSITIVE_INFINITY,
): AsyncGenerator<CutBatch> {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`batch size must be a positive integer, got ${size}`);
  const it = (Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : input[Symbol.iterator]()) as
    | AsyncIterator<RecordBatch>
    | Iterator<RecordBatch>;
  let schema: Schema | undefined;
  let pending: RecordBatch[] = [];
  let pendingRows = 0;
  let pendingSince = 0;
  let next: Promise<IteratorResult<RecordBatch>> | undefined;
  try {
    while (true) {
      next ??= Promise.resolve(it.next());
      const r =
        pendingRows > 0 && Number.isFinite(maxWaitMs)
          ? await nextBefore(next, pendingSince + maxWaitMs)
          : await next;
      if (r === 'timeout') {
        yield { batch: concatBatches(pending), byTime: true };
        pending = [];
        pendingRows = 0;
        continue;
      }
      next = undefined;
      if (r.done) break;
      const batch = r.value;
      schema = checkSameSchema(schema, batch);
      const n = batch.numRows;
      let at = 0;
      while (at < n) {
        const take = Math.min(size - pendingRows, n - at);
        if (pendingRows === 0 && take === size) {
          yield { batch: at === 0 && take === n ? batch : batch.slice(at, at + take), byTime: false };
        } else {
          if (pendingRows === 0) pendingSince = performance.now();
          pending.push(batch.slice(at, at + take));
          pendingRows += take;
          if (pendingRows === size) {
            yield { batch: concatBatches(pending), byTime: false };
            pending = [];
            pendingRows = 0;
          }
        }
        at += take;
      }
    }
    if (pendingRows > 0) yield { batch: concatBatches(pending), byTime: false };
  } finally {
    if (next === undefined) await it.return?.();
  }
}

/** One record batch holding the rows of `parts` in order (a copy unless there is one part). */
export function concatBatches(parts: readonly RecordBatch[]): RecordBatch {
  if (parts.length === 1) return parts[0]!;
  const data = concatData(parts.map((p) => p.data)) as Data<Struct>;
  return recordBatchOf(parts[0]!.schema, data);
}

/** Throws unless `batch` has the same column names and types as the stream's first batch. */
export function checkSameSchema(expected: Schema | undefined, batch: RecordBatch): Schema {
  const actual = batch.schema;
  if (!expected) return actual;
  if (expected === actual) return expected;
  const a = expected.fields;
  const b = actual.fields;
  const same =
    a.length === b.length &&
    a.every((f, i) => f.name === b[i]!.name && String(f.type) === String(b[i]!.type));
  if (!same) {
    const show = (s: Schema) => s.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
    throw new Error(`input batches change schema: [${show(expected)}] then [${show(actual)}]`);
  }
  return expected;
}
