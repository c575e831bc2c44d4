import { Float64, Int32, type RecordBatch, Table, Utf8, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Chunk } from '../../src/runner/bundle.js';
import { type ChunkSource, scalarChunks } from '../../src/runner/chunks.js';
import { emptyMetrics } from '../../src/runner/metrics.js';
import { openSource, SourceReader } from '../../src/runner/source-reader.js';

function batchOf(start: number, n: number): RecordBatch {
  const ids = Int32Array.from({ length: n }, (_, i) => start + i);
  const names = Array.from({ length: n }, (_, i) => ((start + i) % 3 === 0 ? null : `n${start + i}`));
  const xs = Float64Array.from({ length: n }, (_, i) => (start + i) / 2);
  const t = new Table({
    id: vectorFromArray([...ids], new Int32()),
    name: vectorFromArray(names, new Utf8()),
    x: vectorFromArray([...xs], new Float64()),
  });
  return t.batches[0]!;
}

function inputOf(sizes: number[]): { batches: RecordBatch[]; rows: number } {
  const batches: RecordBatch[] = [];
  let rows = 0;
  for (const n of sizes) {
    if (n === 0) continue;
    batches.push(batchOf(rows, n));
    rows += n;
  }
  return { batches, rows };
}

/** Takes every chunk, with `poll()` where `usePoll` says so (as the operator does) and `next()` otherwise. */
async function drain(src: ChunkSource, usePoll: (k: number) => boolean): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for (let k = 0; ; k++) {
    const r = (usePoll(k) ? src.poll?.() : undefined) ?? (await src.next());
    if (r.done) return out;
    out.push(r.value);
  }
}

describe('scalarChunks', () => {
  it('cuts exact-size chunks in order with the UDF columns picked, from sync and async sources alike', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(40), { maxLength: 10 }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        async (sizes, size, async, polls) => {
          const { batches, rows } = inputOf(sizes);
          const source = async
            ? (async function* () {
                for (const b of batches) {
                  await Promise.resolve();
                  yield b;
                }
              })()
            : batches;
          const m = emptyMetrics('vectorized');
          const chunks = await drain(
            scalarChunks(source, ['x', 'id'], size, m),
            (k) => polls[k % polls.length]!,
          );
          expect(chunks.map((c) => c.udfInput.numRows)).toEqual(
            Array.from({ length: Math.ceil(rows / size) }, (_, i) => Math.min(size, rows - i * size)),
          );
          expect(chunks.map((c) => c.firstRow)).toEqual(chunks.map((_, i) => i * size));
          expect(chunks.every((c) => c.resultRows === c.forwarded.numRows && !c.flush)).toBe(true);
          expect(chunks.flatMap((c) => [...c.forwarded.getChild('id')!])).toEqual(
            Array.from({ length: rows }, (_, i) => i),
          );
          expect(chunks.flatMap((c) => [...c.forwarded.getChild('name')!])).toEqual(
            Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? null : `n${i}`)),
          );
          for (const c of chunks) {
            expect(c.udfInput.schema.fields.map((f) => f.name)).toEqual(['x', 'id']);
            expect([...c.udfInput.getChildAt(0)!]).toEqual([...c.forwarded.getChild('x')!]);
            expect([...c.udfInput.getChildAt(1)!]).toEqual([...c.forwarded.getChild('id')!]);
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  it('hands chunks of a synchronous source to poll() without a promise, and none of an async one', async () => {
    const sync = scalarChunks([batchOf(0, 10), batchOf(10, 10)], ['x'], 5, emptyMetrics('vectorized'));
    const rows: number[] = [];
    for (let r = sync.poll!(); r !== undefined && !r.done; r = sync.poll!()) rows.push(r.value.firstRow);
    expect(rows).toEqual([0, 5, 10, 15]);
    expect(sync.poll!()).toEqual({ done: true, value: undefined });

    const asyncSource = (async function* () {
      yield batchOf(0, 10);
    })();
    const later = scalarChunks(asyncSource, ['x'], 5, emptyMetrics('vectorized'));
    expect(later.poll!()).toBeUndefined();
    expect((await later.next()).value?.firstRow).toBe(0);
    // the second chunk of that input batch is at hand now
    expect(later.poll!()?.value?.firstRow).toBe(5);
    expect(later.poll!()).toBeUndefined();
    expect((await later.next()).done).toBe(true);
  });

  it('sends the rows that waited maxWaitMs as a shorter chunk marked flush, while the source is open', async () => {
    let release!: () => void;
    const paused = new Promise<void>((r) => (release = r));
    const source = (async function* () {
      yield batchOf(0, 3);
      await paused;
      yield batchOf(3, 4);
    })();
    const src = scalarChunks(source, ['x'], 5, emptyMetrics('vectorized'), 30);
    const first = await src.next();
    expect(first.value).toMatchObject({ firstRow: 0, flush: true });
    expect(first.value!.udfInput.numRows).toBe(3);
    release();
    const second = await src.next();
    expect(second.value).toMatchObject({ firstRow: 3, flush: false });
    expect(second.value!.udfInput.numRows).toBe(4);
    expect((await src.next()).done).toBe(true);
  });

  it('closes the source when stopped early, and reports a missing column', async () => {
    let closed = false;
    const source = (function* () {
      try {
        for (let i = 0; i < 10; i++) yield batchOf(i * 4, 4);
      } finally {
        closed = true;
      }
    })();
    const src = scalarChunks(source, ['id'], 4, emptyMetrics('vectorized'));
    expect(src.poll!()?.done).toBe(false);
    await src.return!();
    expect(closed).toBe(true);
    expect(src.poll!()).toEqual({ done: true, value: undefined });

    const bad = scalarChunks([batchOf(0, 4)], ['nope'], 4, emptyMetrics('vectorized'));
    await expect(bad.next()).rejects.toThrow(/no input column 'nope'/);
  });
});

describe('SourceReader', () => {
  it('gives the first batch back after a peek, then the rest, from either kind of source', async () => {
    for (const make of [
      (bs: RecordBatch[]) => bs,
      (bs: RecordBatch[]) =>
        (async function* () {
          yield* bs;
        })(),
    ]) {
      const batches = [batchOf(0, 2), batchOf(2, 3)];
      const { first, source } = await openSource(make(batches));
      expect(first).toBe(batches[0]);
      const seen: RecordBatch[] = [];
      for await (const b of source) seen.push(b);
      expect(seen).toEqual(batches);
    }
    const empty = await openSource([]);
    expect(empty.first).toBeUndefined();
    expect(await empty.source.read()).toEqual({ done: true, value: undefined });
  });

  it('does not close an async source while a read of it is pending', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let closed = false;
    const source = (async function* () {
      try {
        await gate;
        yield batchOf(0, 1);
      } finally {
        closed = true;
      }
    })();
    const reader = new SourceReader(source);
    const pending = reader.read();
    await reader.close(); // would wait on the pending read if it asked the generator to return
    expect(closed).toBe(false);
    release();
    expect((await pending).done).toBe(false);
  });
});
