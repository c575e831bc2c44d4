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
import { Data, type RecordBatch, Schema, Struct } from 'apache-arrow';
import { nextBefore, peek as peekFirst } from '../util/iterate.js';
import { recordBatchOf } from '../util/record-batch.js';
import { BatchCutter, type BatchSource } from './batch-cutter.js';
import type { Chunk } from './bundle.js';
import { cutGroups } from './key-groups.js';
import type { RunMetrics } from './metrics.js';
import { SourceReader } from './source-reader.js';

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

/** Chunks the operator can also take without a promise when one is at hand (see `poll`). */
export interface ChunkSource extends AsyncIterableIterator<Chunk> {
  /**
   * The next chunk (or the end) when it is at hand without waiting, else undefined: then
   * `next()` waits for it. Only called while no `next()` is pending.
   */
  poll?(): IteratorResult<Chunk> | undefined;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const NO_BITMAP = new Uint8Array(0);

/**
 * Chunks for a scalar function: `size`-row batches, every input column forwarded. Rows wait at
 * most `maxWaitMs` for a batch to fill; such a chunk is marked `flush` (close the bundle now).
 *
 * One object does the reading, cutting and column selection (no generator per stage, no promise
 * per chunk from a synchronous source): the operator takes chunks with `poll()` while the source
 * has batches at hand. A cut inside one input batch is a zero-copy slice; only a batch that spans
 * input batches is copied (see batch-cutter.ts).
 */
export function scalarChunks(
  input: BatchSource | SourceReader,
  udfColumns: readonly ColumnRef[],
  size: number,
  m: RunMetrics,
  maxWaitMs = Number.POSITIVE_INFINITY,
): ChunkSource {
  return new ScalarChunks(
    input instanceof SourceReader ? input : new SourceReader(input),
    udfColumns,
    size,
    m,
    maxWaitMs,
  );
}

class ScalarChunks implements ChunkSource {
  private udf: number[] | undefined;
  private selectedFrom: Schema | undefined;
  private selectedSchema: Schema | undefined;
  private selectedType: Struct | undefined;
  private firstRow = 0;
  private readonly cut: BatchCutter;
  private sourceDone = false;
  /** A read of an async source not yet used (kept across a time cut). */
  private reading: Promise<IteratorResult<RecordBatch>> | undefined;

  constructor(
    private readonly source: SourceReader,
    private readonly udfColumns: readonly ColumnRef[],
    size: number,
    private readonly m: RunMetrics,
    private readonly maxWaitMs: number,
  ) {
    this.cut = new BatchCutter(size);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  poll(): IteratorResult<Chunk> | undefined {
    const m = this.m;
    const t0 = performance.now();
    const input0 = m.inputMs;
    try {
      while (true) {
        if (this.cut.ready > 0) return { done: false, value: this.take() };
        if (this.sourceDone) return DONE;
        if (this.reading !== undefined) return undefined;
        const t1 = performance.now();
        const r = this.source.readSync();
        m.inputMs += performance.now() - t1;
        if (r === undefined) return undefined;
        this.accept(r);
      }
    } finally {
      m.cutMs += performance.now() - t0 - (m.inputMs - input0);
    }
  }

  async next(): Promise<IteratorResult<Chunk>> {
    const m = this.m;
    while (true) {
      const p = this.poll();
      if (p !== undefined) return p;
      this.reading ??= this.source.read();
      const t0 = performance.now();
      const r =
        this.cut.pendingCount > 0 && Number.isFinite(this.maxWaitMs)
          ? await nextBefore(this.reading, this.cut.pendingSince + this.maxWaitMs)
          : await this.reading;
      m.inputMs += performance.now() - t0;
      const t1 = performance.now();
      if (r === 'timeout') {
        this.cut.flush(true);
      } else {
        this.reading = undefined;
        this.accept(r);
      }
      m.cutMs += performance.now() - t1;
    }
  }

  async return(): Promise<IteratorResult<Chunk>> {
    this.sourceDone = true;
    while (this.cut.ready > 0) this.cut.take();
    await this.source.close();
    return DONE;
  }

  /** The next cut batch as a chunk. */
  private take(): Chunk {
    const batch = this.cut.take();
    const n = batch.numRows;
    const udfInput = this.select(batch);
    const chunk: Chunk = {
      forwarded: batch,
      udfInput,
      resultRows: n,
      firstRow: this.firstRow,
      flush: this.cut.byTime,
    };
    this.firstRow += n;
    return chunk;
  }

  /**
   * The UDF input columns of `batch` as a batch (no copy): `selectColumns` without apache-arrow's
   * makeData visitor, the selected schema and its struct type made once per input schema.
   */
  private select(batch: RecordBatch): RecordBatch {
    if (batch.schema !== this.selectedFrom) {
      this.udf ??= resolveColumns(batch.schema, this.udfColumns, 'UDF input');
      const fields = this.udf.map((i) => batch.schema.fields[i]!);
      this.selectedSchema = new Schema(fields, batch.schema.metadata);
      this.selectedType = new Struct(fields);
      this.selectedFrom = batch.schema;
    }
    const udf = this.udf!;
    const all = batch.data.children;
    const children: Data[] = new Array(udf.length);
    for (let i = 0; i < udf.length; i++) children[i] = all[udf[i]!]!;
    const data = new Data(
      this.selectedType!,
      0,
      batch.numRows,
      0,
      [undefined, undefined, NO_BITMAP] as never,
      children,
    );
    return recordBatchOf(this.selectedSchema!, data as Data<Struct>);
  }

  private accept(r: IteratorResult<RecordBatch>): void {
    if (r.done) {
      this.sourceDone = true;
      this.cut.flush(false);
    } else {
      this.cut.push(r.value);
    }
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
