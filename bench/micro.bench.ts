/**
 * Function-level micro benchmarks, each case against its baseline in the same run
 * (`npm run bench:micro`, i.e. `tsx bench/micro.bench.ts`).
 *
 * Groups (add yours: export a function returning a `Group`, list it in `GROUPS`):
 * - `a.mul(2).add(b)` on Series vs a hand-written Float64Array loop with the validity bitmaps
 *   ANDed word by word, written as a UDF would write it (over its arguments' arrays) — 1M float64
 *   rows, ~10% nulls per column (goal: ≤ 1.5×, design.md §6). For reference: the same Series
 *   chain with every step materialized (no fusion), the hand loop over module-level arrays (which
 *   V8 specializes), and a loop that branches on each row's null bit.
 * - a few other Series kernels against hand-written loops, to keep them honest.
 *
 * The in-process executor benchmarks (vectorized vs row-wise) live in bench/exec.bench.ts, which
 * `npm run bench:micro` runs after this file.
 */
import * as arrow from 'apache-arrow';
import { Series } from '../src/series/series.js';
import { rng } from '../test/helpers/random.js';
import { type CaseResult, type Group, runGroups } from './lib/ratios.js';

const ROWS = 1_000_000;
const NULL_RATE = 0.1;

/** A Float64 column of `n` rows with ~`nullRate` nulls, built from a typed array and a bitmap. */
export function float64Column(n: number, seed: number, nullRate = NULL_RATE): arrow.Vector {
  const r = rng(seed);
  const values = Float64Array.from({ length: n }, () => r.float() * 1000);
  const bitmap = new Uint8Array(((n + 63) >> 6) << 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (r.chance(nullRate)) nulls++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return arrow.makeVector(
    arrow.makeData({
      type: new arrow.Float64(),
      length: n,
      data: values,
      nullBitmap: bitmap,
      nullCount: nulls,
    }),
  );
}

/**
 * `out = a * 2 + b` by hand: one pass over the values (nulls included, no branch), then the
 * validity bitmaps ANDed 32 rows at a time — the loop design.md §6 measures (~1.3 ms per 1M rows).
 */
export function mulAddByHand(
  a: Float64Array,
  b: Float64Array,
  va: Uint8Array,
  vb: Uint8Array,
  n: number,
): [Float64Array, Int32Array] {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i]! * 2 + b[i]!;
  const words = ((n + 63) >> 6) << 1;
  const wa = new Int32Array(va.buffer, va.byteOffset, words);
  const wb = new Int32Array(vb.buffer, vb.byteOffset, words);
  const valid = new Int32Array(words);
  for (let k = 0; k < words; k++) valid[k] = wa[k]! & wb[k]!;
  return [out, valid];
}

/** `a * 2 + b`: Series (fused) vs the hand-written loop. */
export function mulAddGroup(n = ROWS): Group {
  const va = float64Column(n, 1);
  const vb = float64Column(n, 2);
  const a = new Series(va, 'a');
  const b = new Series(vb, 'b');
  const xa = va.data[0]!.values as Float64Array;
  const xb = vb.data[0]!.values as Float64Array;
  const ma = va.data[0]!.nullBitmap!;
  const mb = vb.data[0]!.nullBitmap!;

  // The baseline: what a vectorized UDF written by hand does with its inputs' arrays.
  const handWritten = () => mulAddByHand(xa, xb, ma, mb, n);
  // The same loop over arrays captured as module constants: V8 then specializes the loop on those
  // very arrays (their length and data pointer become constants), which no UDF called on fresh
  // batches gets; shown for reference.
  const captured = () => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = xa[i]! * 2 + xb[i]!;
    const words = ((n + 63) >> 6) << 1;
    const wa = new Int32Array(ma.buffer, ma.byteOffset, words);
    const wb = new Int32Array(mb.buffer, mb.byteOffset, words);
    const valid = new Int32Array(words);
    for (let k = 0; k < words; k++) valid[k] = wa[k]! & wb[k]!;
    return [out, valid];
  };
  // What a loop that tests every row's null bits costs (design.md §6: ~3 ms).
  const branchy = () => {
    const out = new Float64Array(n);
    const valid = new Uint8Array(((n + 63) >> 6) << 3);
    for (let i = 0; i < n; i++) {
      if ((ma[i >> 3]! & (1 << (i & 7))) !== 0 && (mb[i >> 3]! & (1 << (i & 7))) !== 0) {
        out[i] = xa[i]! * 2 + xb[i]!;
        valid[i >> 3]! |= 1 << (i & 7);
      }
    }
    return [out, valid];
  };

  // Correct results first: a benchmark of wrong answers measures nothing.
  const got = a.mul(2).add(b);
  const [want, wantValid] = handWritten() as [Float64Array, Int32Array];
  for (let i = 0; i < n; i++) {
    const valid = ((wantValid[i >> 5]! >>> (i & 31)) & 1) === 1;
    if (got.isValid(i) !== valid || (valid && got.values[i] !== want[i]))
      throw new Error(`a*2+b differs at row ${i}`);
  }

  return {
    title: `a.mul(2).add(b): ${n.toLocaleString('en')} float64 rows, ~${NULL_RATE * 100}% nulls per column`,
    rows: n,
    baseline: { name: 'hand-written loop + bitmap AND (UDF-style)', fn: handWritten },
    cases: [
      { name: 'Series a.mul(2).add(b) (fused)', fn: () => a.mul(2).add(b).vector, goal: { max: 1.5 } },
      { name: 'Series, each step materialized', fn: () => new Series(a.mul(2).vector).add(b).vector },
      { name: 'hand-written loop over captured arrays', fn: captured },
      { name: 'hand-written loop, per-row null branch', fn: branchy },
    ],
  };
}

/** Other Series kernels vs hand-written loops over the same buffers. */
export function kernelGroup(n = ROWS): Group {
  const va = float64Column(n, 3);
  const a = new Series(va, 'a');
  const xa = va.data[0]!.values as Float64Array;
  const ma = va.data[0]!.nullBitmap!;
  const handSum = () => {
    let s = 0;
    for (let i = 0; i < n; i++) if ((ma[i >> 3]! & (1 << (i & 7))) !== 0) s += xa[i]!;
    return s;
  };
  const handGt = () => {
    const out = new Uint8Array(((n + 63) >> 6) << 3);
    for (let i = 0; i < n; i++) if (xa[i]! > 500) out[i >> 3]! |= 1 << (i & 7);
    return out;
  };
  if (Math.abs(Number(a.sum()) - handSum()) > 1e-6 * Math.abs(handSum())) throw new Error('sum differs');
  return {
    title: `other kernels: ${n.toLocaleString('en')} float64 rows (baseline: hand-written sum with a null test per row)`,
    rows: n,
    baseline: { name: 'hand-written sum, skipping nulls', fn: handSum },
    cases: [
      { name: 'Series sum()', fn: () => a.sum() },
      { name: 'hand-written a > 500 into bits', fn: handGt },
      { name: 'Series gt(500)', fn: () => a.gt(500).vector },
      { name: 'Series var()', fn: () => a.var() },
    ],
  };
}

/** Every group of this file, in order. */
export const GROUPS: readonly (() => Group)[] = [mulAddGroup, kernelGroup];

/** Runs the groups and returns their results (the ratio of `a*2+b` is the figure to report). */
export async function runMicro(): Promise<CaseResult[]> {
  return runGroups(GROUPS.map((g) => g()));
}

const results = await runMicro();
const fused = results.find((r) => r.name.startsWith('Series a.mul(2).add(b)'));
if (fused) {
  console.log(
    `\na*2+b: Series / hand-written = ${fused.ratio.toFixed(2)}× (goal ≤ 1.5×: ${fused.ok ? 'met' : 'MISSED'})`,
  );
}
