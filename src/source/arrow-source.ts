/**
 * An Arrow IPC source: record batches from a byte stream in the IPC stream format (read
 * incrementally: each batch comes out as soon as its bytes are in) or the file format (read
 * whole first, as its footer is at the end).
 *
 * @example
 * for await (const batch of arrowBatches(process.stdin)) console.log(batch.numRows);
 */
import { type RecordBatch, RecordBatchReader } from 'apache-arrow';
import { SourceError } from './errors.js';

/** Yields the record batches of an Arrow IPC stream or file read from `input`. */
export async function* arrowBatches(
  input: AsyncIterable<Uint8Array>,
  what = 'input',
): AsyncGenerator<RecordBatch> {
  let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>;
  try {
    reader = await RecordBatchReader.from(input);
  } catch (e) {
    throw new SourceError(`${what}: not an Arrow IPC stream or file (${(e as Error).message})`);
  }
  const it = (reader as AsyncIterable<RecordBatch>)[Symbol.asyncIterator]();
  try {
    while (true) {
      let r: IteratorResult<RecordBatch>;
      try {
        r = await it.next();
      } catch (e) {
        throw new SourceError(
          `${what}: not an Arrow IPC stream or file, or cut short (${(e as Error).message})`,
        );
      }
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}
