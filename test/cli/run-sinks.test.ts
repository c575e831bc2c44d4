/**
 * The targets of `vecudf run`: an Arrow stream on a writable (stdout), `--sink` with `--key`
 * (upserts: the last row per key wins), and the option checks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { ArrowStreamSink, closeAll, openRunSinks, writeAll } from '../../src/cli/run-sinks.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecudf-run-sinks-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const batch = (k: string[], v: number[]) =>
  new arrow.Table({
    k: arrow.vectorFromArray(k, new arrow.Utf8()),
    v: arrow.vectorFromArray(Float64Array.from(v)),
  }).batches[0]!;

describe('vecudf run targets', () => {
  it('writes an Arrow IPC stream batch by batch to a stream it does not end', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const sink = new ArrowStreamSink(out);
    await sink.write(batch(['a'], [1]));
    const afterFirst = Buffer.concat(chunks).length;
    expect(afterFirst).toBeGreaterThan(0); // out before the second batch exists
    await sink.write(batch(['b', 'c'], [2, 3]));
    await sink.close();
    expect(out.writableEnded).toBe(false);
    const t = arrow.tableFromIPC(Buffer.concat(chunks));
    expect(t.toArray().map((r) => r.toJSON())).toEqual([
      { k: 'a', v: 1 },
      { k: 'b', v: 2 },
      { k: 'c', v: 3 },
    ]);
  });

  it('--sink with --key upserts (the last row per key), --output appends', async () => {
    const sinkPath = path.join(tmp, 'latest.csv');
    const outPath = path.join(tmp, 'all.csv');
    const sinks = await openRunSinks({ output: outPath, sink: sinkPath, key: ['k'] });
    await writeAll(sinks, batch(['a', 'b'], [1, 2]));
    await writeAll(sinks, batch(['a', 'c'], [3, 4]));
    await closeAll(sinks);
    expect(fs.readFileSync(outPath, 'utf8')).toBe('k,v\na,1\nb,2\na,3\nc,4\n');
    expect(fs.readFileSync(sinkPath, 'utf8').trim().split('\n').sort()).toEqual(['a,3', 'b,2', 'c,4', 'k,v']);
  });

  it('names an output file format by extension, any other name an Arrow file', async () => {
    const p = path.join(tmp, 'out.bin');
    const sinks = await openRunSinks({ output: p });
    await writeAll(sinks, batch(['a'], [1]));
    await closeAll(sinks);
    expect(arrow.tableFromIPC(fs.readFileSync(p)).numRows).toBe(1);
    expect(fs.readFileSync(p).subarray(0, 6).toString()).toBe('ARROW1');
  });

  it('needs --output or --sink, and --key only with --sink', async () => {
    await expect(openRunSinks({})).rejects.toThrow('give --output <file|-> or --sink <target>');
    await expect(openRunSinks({ output: '-', key: ['k'] })).rejects.toThrow(/--key is for --sink/);
  });
});
