/**
 * The incremental Arrow IPC stream reader: any chunking gives the same batches (fast-check), each
 * batch comes out before the next one's bytes arrive, and a cut or malformed stream is named.
 */
import { PassThrough } from 'node:stream';
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipcStreamBatches } from '../../src/source/ipc-stream-source.js';

const whole = arrow.tableFromArrays({
  x: Float64Array.of(1, 2, 3, 4, 5, 6),
  s: ['a', null, 'ccc', 'dd', 'é', ''],
}).batches[0]!;
const table = new arrow.Table([whole.slice(0, 3), whole.slice(3, 4), whole.slice(4, 4), whole.slice(4, 6)]);
const bytes = arrow.tableToIPC(table, 'stream');

async function* chunked(b: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  let k = 0;
  while (at < b.length) {
    const n = cuts[k++ % cuts.length]!;
    yield b.slice(at, at + n);
    at += n;
  }
}

async function rows(input: AsyncIterable<Uint8Array>) {
  const out: unknown[][] = [];
  for await (const b of ipcStreamBatches(input, 'test')) out.push(b.toArray().map((r) => r.toJSON()));
  return out;
}

describe('ipcStreamBatches', () => {
  it('gives the same batches whatever the chunking', async () => {
    const want = table.batches.map((b) => b.toArray().map((r) => r.toJSON()));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 }),
        async (cuts) => {
          expect(await rows(chunked(bytes, cuts))).toEqual(want);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('yields each batch as soon as its bytes are in', async () => {
    const input = new PassThrough();
    const writer = new arrow.RecordBatchStreamWriter();
    writer.toNodeStream().pipe(input);
    const seen: number[] = [];
    const reading = (async () => {
      for await (const b of ipcStreamBatches(input, 'pipe')) seen.push(b.getChild('x')!.get(0) as number);
    })();
    for (let k = 0; k < 3; k++) {
      writer.write(arrow.tableFromArrays({ x: Float64Array.of(k) }).batches[0]!);
      for (let i = 0; i < 100 && seen.length <= k; i++) await new Promise((r) => setTimeout(r, 10));
      expect(seen).toEqual(Array.from({ length: k + 1 }, (_, i) => i));
    }
    writer.finish();
    writer.close();
    await reading;
    expect(seen).toEqual([0, 1, 2]);
  });

  it('names a stream cut short, bytes after its end and a malformed one', async () => {
    await expect(rows(chunked(bytes.subarray(0, bytes.length - 30), [64]))).rejects.toThrow(
      /^test: not a readable Arrow IPC stream \(cut short: \d+ bytes of an unfinished message at the end\)$/,
    );
    const extra = new Uint8Array([...bytes, 1, 2, 3]);
    await expect(rows(chunked(extra, [7]))).rejects.toThrow(/bytes after the end-of-stream marker/);
    await expect(rows(chunked(new TextEncoder().encode('a,b\n1,2\n'), [3]))).rejects.toThrow(
      /^test: not a readable Arrow IPC stream \(.*continuation marker/,
    );
    await expect(rows(chunked(new Uint8Array(0), [1]))).rejects.toThrow(/no schema/);
  });
});
