import { Float64, type RecordBatch, Table, vectorFromArray } from 'apache-arrow';
import { expect, it } from 'vitest';
import { runInProcess } from '../../src/runner/in-process.js';

const UDFS = new URL('../helpers/udfs.ts', import.meta.url).pathname;

// A trickle of input (a few rows, then a pause) must get its results within the bundle time,
// not only when 10,000 rows have gathered or the input ends: `vecudf run --in-process --input -`.
it('runs a partial batch once bundleTimeMs has passed, while the input is still open', async () => {
  let release!: () => void;
  const paused = new Promise<void>((r) => (release = r));
  const rows = (xs: number[]) =>
    new Table({ a: vectorFromArray(xs, new Float64()), b: vectorFromArray(xs, new Float64()) }).batches[0]!;
  async function* source(): AsyncGenerator<RecordBatch> {
    yield rows([1, 2, 3]);
    await paused; // the input stays open until the first result came out
    yield rows([4]);
  }
  const run = runInProcess(source(), {
    plan: { calls: [{ udf: { module: UDFS, export: 'plus' }, args: [{ column: 0 }, { column: 1 }] }] },
    columns: ['a', 'b'],
    bundleTimeMs: 50,
  });
  const it = run[Symbol.asyncIterator]();
  const first = await it.next();
  expect([...(first.value as RecordBatch).getChild('result')!]).toEqual([2, 4, 6]);
  release();
  const second = await it.next();
  expect([...(second.value as RecordBatch).getChild('result')!]).toEqual([8]);
  expect((await it.next()).done).toBe(true);
});
