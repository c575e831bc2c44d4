/**
 * An Arrow IPC source. The stream format arriving on a pipe is read incrementally (each batch
 * comes out as soon as its bytes are in, see ipc-stream-source.ts); a file, or the file format
 * (whose footer is at the end), is read whole and decoded zero-copy by src/codec, as fast as
 * before streaming input existed.
 *
 * @example
 * for await (const batch of arrowBatches(process.stdin, 'stdin')) console.log(batch.numRows);
 * for await (const batch of arrowFileBatches('data.arrow')) …;
 */
import { readFile } from 'node:fs/promises';
import type { RecordBatch } from 'apache-arrow';
import { decodeIpc, isArrowFile } from '../codec/ipc-reader.js';
import { continueWith } from '../util/iterate.js';
import { SourceError } from './errors.js';
import { ipcStreamBatches } from './ipc-stream-source.js';

/** The batches of an Arrow IPC file or stream file on disk, read whole. */
export async function* arrowFileBatches(path: string): AsyncGenerator<RecordBatch> {
  yield* decodeWhole(await readFile(path), path);
}

function decodeWhole(bytes: Uint8Array, what: string): RecordBatch[] {
  try {
    return decodeIpc(bytes).batches;
  } catch (e) {
    throw new SourceError(`${what}: not a readable Arrow IPC stream or file (${(e as Error).message})`);
  }
}

/** Yields the record batches of an Arrow IPC stream (incrementally) or file (whole) read from `input`. */
export async function* arrowBatches(
  input: AsyncIterable<Uint8Array>,
  what = 'input',
): AsyncGenerator<RecordBatch> {
  // Look at the first bytes: the file format needs all of it anyway.
  const it = input[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < 6) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head.push(r.value);
    size += r.value.length;
  }
  const first = Buffer.concat(head);
  if (done || isArrowFile(first)) {
    const all: Uint8Array[] = [first];
    while (!done) {
      const r = await it.next();
      if (r.done) break;
      all.push(r.value);
    }
    yield* decodeWhole(Buffer.concat(all), what);
    return;
  }
  yield* ipcStreamBatches(continueWith([first], it), what);
}
