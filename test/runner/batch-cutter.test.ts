import {
  Field,
  Int32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutBatches } from '../../src/runner/batch-cutter.js';

function batchOf(start: number, n: number): RecordBatch {
  const ids = Int32Array.from({ length: n }, (_, i) => start + i);
  const names = Array.from({ length: n }, (_, i) => ((start + i) % 5 === 0 ? null : `n${start + i}`));
  const t = new Table({ id: vectorFromArray(ids), name: vectorFromArray(names, new Utf8()) });
  return t.batches[0]!;
}

async function collect(it: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('cutBatches', () => {
  it('yields exact-size batches in order, whatever the input batch sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(50), { maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        async (sizes, size) => {
          const input: RecordBatch[] = [];
          let at = 0;
          for (const n of sizes) {
            if (n === 0) continue; // tableFromArrays makes no batch for 0 rows
            input.push(batchOf(at, n));
            at += n;
          }
          const out = await collect(cutBatches(input, size));
          const total = at;
          expect(out.map((b) => b.numRows)).toEqual(
            Array.from({ length: Math.ceil(total / size) }, (_, i) => Math.min(size, total - i * size)),
          );
          const ids = out.flatMap((b) => [...b.getChild('id')!]);
          expect(ids).toEqual(Array.from({ length: total }, (_, i) => i));
          const names = out.flatMap((b) => [...b.getChild('name')!]);
          expect(names).toEqual(Array.from({ length: total }, (_, i) => (i % 5 === 0 ? null : `n${i}`)));
        },
      ),
      { numRuns: 80 },
    );
  });

  it('slices without copying when a batch lies inside one input batch', async () => {
    const big = batchOf(0, 100);
    const out = await collect(cutBatches([big], 30));
    expect(out[0]!.getChild('id')!.data[0]!.values.buffer).toBe(big.getChild('id')!.data[0]!.values.buffer);
    expect(out[3]!.numRows).toBe(10);
  });

  it('rejects a schema change between input batches', async () => {
    const a = batchOf(0, 3);
    const other = new RecordBatch(
      new Schema([new Field('id', new Utf8())]),
      makeData({
        type: new Struct([new Field('id', new Utf8())]),
        length: 1,
        children: [vectorFromArray(['x'], new Utf8()).data[0]!],
      }),
    );
    await expect(collect(cutBatches([a, other], 2))).rejects.toThrow(/change schema/);
    expect(new Int32()).toBeTruthy();
  });

  it('rejects a bad batch size', async () => {
    await expect(collect(cutBatches([], 0))).rejects.toThrow(/positive integer/);
  });
});
