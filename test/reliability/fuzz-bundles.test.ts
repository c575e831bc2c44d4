/**
 * Fuzzing the real worker's data plane: a valid bundle's input bytes (Arrow elements, and row-coder
 * frames in row-wise mode) are mutated — bit flips, truncation, inserted bytes, duplicated and
 * overwritten ranges — and cut into a random number of Data chunks. Whatever the bytes, the worker
 * must answer the ProcessBundleRequest within a bound (ok or error, never a hang), must not crash,
 * and a valid bundle right after must succeed with correct results.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRowsToColumns, encodeRows } from '../../src/codec/row-coder.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import {
  AB,
  abElement,
  arrowOutput,
  column0,
  descriptor,
  f64,
  INPUT,
  OUT,
  OUTPUT,
  PLUS,
  type Rig,
  startRig,
  within,
} from './support.js';

const BOUND_MS = 10_000;
let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ pool: { threads: 1 }, data: { orphanTimeoutMs: 5_000 } });
  const url = rig.runner.url;
  rig.runner.descriptors.set(
    'plus',
    descriptor({ id: 'plus', dataUrl: url, udfs: [PLUS], input: AB, output: OUT }),
  );
  rig.runner.descriptors.set(
    'rows',
    descriptor({
      id: 'rows',
      mode: 'row',
      dataUrl: url,
      udfs: [{ ...PLUS, export: 'plusRow', kind: 'row' }],
      input: AB,
      output: OUT,
    }),
  );
});

afterAll(() => rig.close());

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'duplicate'; from: number; length: number; to: number }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array };

const pos = fc.nat({ max: 1 << 16 });
const someBytes = fc.uint8Array({ minLength: 1, maxLength: 12 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: pos, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: pos }),
  fc.record({ kind: fc.constant('insert' as const), at: pos, bytes: someBytes }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    from: pos,
    length: fc.integer({ min: 1, max: 64 }),
    to: pos,
  }),
  fc.record({ kind: fc.constant('overwrite' as const), at: pos, bytes: someBytes }),
);

function mutate(input: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = input;
  for (const m of ms) {
    if (b.length === 0) break;
    const n = b.length;
    switch (m.kind) {
      case 'flip': {
        b = b.slice();
        b[m.at % n] = b[m.at % n]! ^ (1 << m.bit);
        break;
      }
      case 'truncate':
        b = b.slice(0, m.at % n);
        break;
      case 'insert': {
        const at = m.at % (n + 1);
        b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
        break;
      }
      case 'duplicate': {
        const from = m.from % n;
        const piece = b.subarray(from, Math.min(n, from + m.length));
        const to = m.to % (n + 1);
        b = Uint8Array.from([...b.subarray(0, to), ...piece, ...b.subarray(to)]);
        break;
      }
      case 'overwrite': {
        b = b.slice();
        b.set(m.bytes.subarray(0, Math.max(0, n - (m.at % n))), m.at % n);
        break;
      }
    }
  }
  return b;
}

/** Cuts `b` into Data chunks at the given fractions (the spec lets elements span chunks). */
function chunks(b: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * b.length)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, b.length]) {
    if (c > prev) out.push(b.subarray(prev, c));
    prev = c;
  }
  return out;
}

/** Sends a bundle as separate Data chunks, is_last on the last; returns the bounded response. */
async function send(descriptorId: string, parts: Uint8Array[]) {
  const { runner } = rig;
  const id = runner.newId();
  const resp = runner.instruct(
    { processBundle: { processBundleDescriptorId: descriptorId, cacheTokens: [] } },
    id,
  );
  for (let i = 0; i < parts.length; i++) {
    await runner.sendData([
      { instructionId: id, transformId: INPUT, parts: [parts[i]!], isLast: i === parts.length - 1 },
    ]);
  }
  if (parts.length === 0)
    await runner.sendData([{ instructionId: id, transformId: INPUT, parts: [], isLast: true }]);
  const res = await within(resp, BOUND_MS, `mutated bundle ${id}`);
  const out = res.error ? new Uint8Array(0) : await runner.output(id, OUTPUT, BOUND_MS);
  return { id, res, out };
}

const ARROW_INPUT = Uint8Array.from([
  ...abElement([1, 2, 3], [10, 20, 30]),
  ...abElement([4], [40]),
  ...abElement([5, 6], [50, 60]),
]);
const rowBytes = (a: number[], b: number[]) => encodeRows([f64(a), f64(b)], [T.DOUBLE(), T.DOUBLE()]);
const ROW_INPUT = rowBytes([1, 2, 3, 4], [10, 20, 30, 40]);

const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 });
const mutationsArb = fc.array(mutation, { minLength: 1, maxLength: 3 });

describe('mutated bundles: every ProcessBundle answered within a bound, the worker keeps serving', () => {
  it('Arrow elements', async () => {
    let ok = 0;
    let failed = 0;
    await fc.assert(
      fc.asyncProperty(mutationsArb, cutsArb, async (ms, cuts) => {
        const bytes = mutate(ARROW_INPUT, ms);
        const r = await send('plus', chunks(bytes, cuts));
        if (r.res.error) {
          failed++;
          expect(r.res.error).toContain(`bundle ${r.id}`);
        } else {
          ok++;
          arrowOutput(r.out); // whatever came out is well-formed Arrow
        }
        const good = await send('plus', [abElement([1, 2], [3, 4])]);
        expect(good.res.error).toBe('');
        expect(column0(arrowOutput(good.out))).toEqual([4, 6]);
      }),
      { numRuns: 60 },
    );
    expect(failed).toBeGreaterThan(0);
    expect(rig.worker.failure).toBeUndefined();
    // some mutations leave valid Arrow (a flipped value bit): both outcomes are exercised
    expect(ok + failed).toBe(60);
  });

  it('row-coder frames (row-wise mode)', async () => {
    let failed = 0;
    await fc.assert(
      fc.asyncProperty(mutationsArb, cutsArb, async (ms, cuts) => {
        const r = await send('rows', chunks(mutate(ROW_INPUT, ms), cuts));
        if (r.res.error) {
          failed++;
          expect(r.res.error).toContain(`bundle ${r.id}`);
        }
        const good = await send('rows', [rowBytes([1, 2], [3, 4])]);
        expect(good.res.error).toBe('');
        expect([...decodeRowsToColumns(good.out, [T.DOUBLE()])[0]!]).toEqual([4, 6]);
      }),
      { numRuns: 40 },
    );
    expect(failed).toBeGreaterThan(0);
    expect(rig.worker.failure).toBeUndefined();
  });
});
