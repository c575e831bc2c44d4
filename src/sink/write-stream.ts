/**
 * Writing chunks to a Node stream with backpressure, and closing it, as promises.
 *
 * @example
 * const out = createWriteStream('x.csv');
 * await writeChunk(out, bytes);
 * await endStream(out);
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Writes a chunk; waits for 'drain' when the stream's buffer is full. Rejects on a stream error. */
export async function writeChunk(stream: Writable, chunk: Uint8Array): Promise<void> {
  if (stream.errored) throw stream.errored;
  // events.once rejects if 'error' fires while waiting, so a failed stream cannot hang us.
  if (!stream.write(chunk)) await once(stream, 'drain');
}

/** Ends the stream and waits until everything is flushed (for files: written and closed). */
export async function endStream(stream: Writable): Promise<void> {
  if (stream.errored) throw stream.errored;
  if (stream.writableFinished) return;
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
  // fs.WriteStream closes the descriptor after 'finish'; wait for that too so the file is complete for readers.
  if ('fd' in stream && !(stream as { closed?: boolean }).closed) await once(stream, 'close');
}
