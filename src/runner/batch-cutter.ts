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
 * The cutting itself, one input batch at a time: whole `size`-row batches go to a queue, the
 * rest waits for the next input batch (or `flush`). Shared by `cutBatchesTimed` and the runner's
 * chunk source (chunks.ts), which reads its input without a generator per stage.
 *
 * @example
 * const cut = new BatchCutter(10_000);
 * cut.push(batch);
 * while (cut.ready) use(cut.take());
 * cut.flush(false); // the input ended: the rest as a shorter batch
 */
export class BatchCutter {
  private schema: Schema | undefined;
  private pending: RecordBatch[] = [];
  private pendingRows = 0;
  /** performance.now() when the oldest pending row came. */
  pendingSince = 0;
  private readonly queue: RecordBatch[] = [];
  private readonly queueByTime: boolean[] = [];
  private head = 0;
  /** Whether the batch `take()` returned last was cut short by time. */
  byTime = false;

  constructor(private readonly size: number) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`batch size must be a positive integer, got ${size}`);
  }

  /** Batches cut and not yet taken. */
  get ready(): number {
    return this.queue.length - this.head;
  }

  /** Rows waiting for more input. */
  get pendingCount(): number {
    return this.pendingRows;
  }

  /** Cuts `batch` (same schema as the first one). */
  push(batch: RecordBatch): void {
    this.schema = checkSameSchema(this.schema, batch);
    const size = this.size;
    const n = batch.numRows;
    let at = 0;
    while (at < n) {
      const take = Math.min(size - this.pendingRows, n - at);
      if (this.pendingRows === 0 && take === size) {
        this.queue.push(at === 0 && take === n ? batch : batch.slice(at, at + take));
        this.queueByTime.push(false);
      } else {
        if (this.pendingRows === 0) this.pendingSince = performance.now();
        this.pending.push(batch.slice(at, at + take));
        this.pendingRows += take;
        if (this.pendingRows === size) this.flush(false);
      }
      at += take;
    }
  }

  /** Queues the pending rows as one (shorter) batch, if there are any. */
  flush(byTime: boolean): void {
    if (this.pendingRows === 0) return;
    this.queue.push(concatBatches(this.pending));
    this.queueByTime.push(byTime);
    this.pending = [];
    this.pendingRows = 0;
  }

  /** The oldest cut batch (call only while `ready > 0`); `byTime` tells how it was cut. */
  take(): RecordBatch {
    const k = this.head++;
    const batch = this.queue[k]!;
    this.byTime = this.queueByTime[k]!;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.queueByTime.length = 0;
      this.head = 0;
    }
    return batch;
  }
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
  const cut = new BatchCutter(size);
  const it = (Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : input[Symbol.iterator]()) as
    | AsyncIterator<RecordBatch>
    | Iterator<RecordBatch>;
  let next: Promise<IteratorResult<RecordBatch>> | undefined;
  try {
    while (true) {
      next ??= Promise.resolve(it.next());
      const r =
        cut.pendingCount > 0 && Number.isFinite(maxWaitMs)
          ? await nextBefore(next, cut.pendingSince + maxWaitMs)
          : await next;
      if (r === 'timeout') {
        cut.flush(true);
      } else {
        next = undefined;
        if (r.done) break;
        cut.push(r.value);
      }
      while (cut.ready > 0) {
        const batch = cut.take();
        yield { batch, byTime: cut.byTime };
      }
    }
    cut.flush(false);
    while (cut.ready > 0) yield { batch: cut.take(), byTime: false };
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
