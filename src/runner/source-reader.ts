/**
 * Reads the runner's input (an iterable or async iterable of record batches) one batch at a
 * time, without a promise per batch when the source is synchronous (an array, a generator):
 * `readSync()` answers at once, `read()` waits. The batch a caller looked at first can be put
 * back (`unread`), so the runner can take the schema from the first batch and still read it.
 *
 * @example
 * const src = new SourceReader(batches);
 * const r = src.readSync() ?? (await src.read()); // { value: batch, done: false } or { done: true }
 * await src.close();                               // closes the source's iterator unless it ended
 */
import type { RecordBatch } from 'apache-arrow';
import type { BatchSource } from './batch-cutter.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

export class SourceReader implements AsyncIterable<RecordBatch> {
  private readonly syncIt: Iterator<RecordBatch> | undefined;
  private readonly asyncIt: AsyncIterator<RecordBatch> | undefined;
  private front: RecordBatch | undefined;
  private ended = false;
  /** A read of the async source has not resolved yet (its iterator must not be closed then). */
  private reading = false;

  constructor(input: BatchSource) {
    if (Symbol.asyncIterator in input) this.asyncIt = input[Symbol.asyncIterator]();
    else this.syncIt = input[Symbol.iterator]();
  }

  /** The next batch if it can be had without waiting; undefined when only `read()` can tell. */
  readSync(): IteratorResult<RecordBatch> | undefined {
    const f = this.front;
    if (f !== undefined) {
      this.front = undefined;
      return { done: false, value: f };
    }
    if (this.ended) return DONE;
    if (this.syncIt === undefined) return undefined;
    const r = this.syncIt.next();
    if (r.done) this.ended = true;
    return r;
  }

  /** The next batch. */
  read(): Promise<IteratorResult<RecordBatch>> {
    const r = this.readSync();
    if (r !== undefined) return Promise.resolve(r);
    this.reading = true;
    return Promise.resolve(this.asyncIt!.next()).then(
      (x) => {
        this.reading = false;
        if (x.done) this.ended = true;
        return x;
      },
      (e: unknown) => {
        this.reading = false;
        this.ended = true;
        throw e;
      },
    );
  }

  /** Puts `batch` back: the next read returns it. */
  unread(batch: RecordBatch): void {
    this.front = batch;
  }

  /** Closes the source's iterator (unless it ended, or a read of it is still pending). */
  async close(): Promise<void> {
    this.front = undefined;
    if (this.ended || this.reading) return;
    this.ended = true;
    await (this.syncIt ?? this.asyncIt)?.return?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RecordBatch> {
    try {
      while (true) {
        const r = this.readSync() ?? (await this.read());
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await this.close();
    }
  }
}

/** The first batch of `input` (undefined for an empty source) and a reader that starts with it. */
export async function openSource(
  input: BatchSource,
): Promise<{ first: RecordBatch | undefined; source: SourceReader }> {
  const source = new SourceReader(input);
  const r = source.readSync() ?? (await source.read());
  if (r.done) return { first: undefined, source };
  source.unread(r.value);
  return { first: r.value, source };
}
