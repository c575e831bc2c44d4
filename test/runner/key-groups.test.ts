import { Float64, type RecordBatch, Table, Utf8, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutGroups } from '../../src/runner/key-groups.js';

function batch(keys: (string | null)[], k2: number[], start: number): RecordBatch {
  return new Table({
    k: vectorFromArray(keys, new Utf8()),
    k2: vectorFromArray(Int32Array.from(k2)),
    v: vectorFromArray(
      keys.map((_, i) => start + i),
      new Float64(),
    ),
  }).batches[0]!;
}

async function collect(it: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('cutGroups', () => {
  it('yields one batch per run of equal keys, across input batch boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', null, 'ccc'), fc.integer({ min: 0, max: 1 })), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 1, maxLength: 10 }),
        async (rows, cuts) => {
          const input: RecordBatch[] = [];
          let at = 0;
          let c = 0;
          while (at < rows.length) {
            const n = Math.min(cuts[c++ % cuts.length]!, rows.length - at);
            const part = rows.slice(at, at + n);
            input.push(
              batch(
                part.map((r) => r[0]),
                part.map((r) => r[1]),
                at,
              ),
            );
            at += n;
          }
          const out = await collect(cutGroups(input, [0, 1]));
          // expected runs
          const runs: number[] = [];
          for (let i = 0; i < rows.length; i++) {
            if (i > 0 && rows[i]![0] === rows[i - 1]![0] && rows[i]![1] === rows[i - 1]![1])
              runs[runs.length - 1]!++;
            else runs.push(1);
          }
          expect(out.map((b) => b.numRows)).toEqual(runs);
          expect(out.flatMap((b) => [...b.getChild('v')!])).toEqual(rows.map((_, i) => i));
          for (const g of out) {
            const ks = [...g.getChild('k')!];
            expect(new Set(ks).size).toBe(1);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses a group larger than the limit', async () => {
    const b = batch(['a', 'a', 'a'], [1, 1, 1], 0);
    await expect(collect(cutGroups([b, b], [0], 4))).rejects.toThrow(/more than 4 rows/);
  });
});
