import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { cdnLogBatches } from '../../examples/cdn/generate.js';
import { ArrowFileSink } from '../../src/sink/arrow-file.js';

const dir = mkdtempSync(join(tmpdir(), 'vecudf-arrow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The IPC stream bytes of a table, as a hash (comparing megabytes with toEqual is slow). */
const ipc = (t: arrow.Table) => createHash('sha256').update(arrow.tableToIPC(t, 'stream')).digest('hex');

describe('ArrowFileSink', () => {
  for (const format of ['file', 'stream'] as const) {
    it(`writes batches that read back identical (${format} format)`, async () => {
      const path = join(dir, `logs.${format === 'file' ? 'arrow' : 'arrows'}`);
      const batches = [...cdnLogBatches({ rows: 25_000, seed: 6, batchSize: 10_000 })];
      const sink = await ArrowFileSink.open(path, { format });
      for (const b of batches) await sink.write(b);
      await sink.close();
      const bytes = readFileSync(path);
      // The file format starts and ends with the ARROW1 magic; the stream format does not.
      expect(bytes.subarray(0, 6).toString() === 'ARROW1').toBe(format === 'file');
      const back = arrow.tableFromIPC(bytes);
      expect(back.batches.map((b) => b.numRows)).toEqual([10_000, 10_000, 5_000]);
      expect(ipc(back)).toEqual(ipc(new arrow.Table(batches)));
    });
  }

  it('writes upserts as one last batch with the last row per key; rejects other columns', async () => {
    const path = join(dir, 'stats.arrow');
    const sink = await ArrowFileSink.open(path);
    const stats = (rows: [string, bigint][]) =>
      new arrow.Table({
        province: arrow.vectorFromArray(
          rows.map((r) => r[0]),
          new arrow.Utf8(),
        ),
        n: arrow.vectorFromArray(
          rows.map((r) => r[1]),
          new arrow.Int64(),
        ),
      }).batches[0]!;
    await sink.upsert(
      stats([
        ['北京', 1n],
        ['上海', 1n],
      ]),
      ['province'],
    );
    await sink.upsert(stats([['北京', 5n]]), ['province']);
    await expect(sink.write(new arrow.Table({ x: arrow.vectorFromArray([1]) }).batches[0]!)).rejects.toThrow(
      /differ/,
    );
    await sink.close();
    const back = arrow.tableFromIPC(readFileSync(path));
    expect(back.toArray().map((r) => r.toJSON())).toEqual([
      { province: '北京', n: 5n },
      { province: '上海', n: 1n },
    ]);
  });

  it('leaves no file when it got no batch', async () => {
    const path = join(dir, 'none.arrow');
    const sink = await ArrowFileSink.open(path);
    await sink.close();
    expect(existsSync(path)).toBe(false);
  });
});
