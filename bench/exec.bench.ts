/**
 * In-process executors, vectorized vs row-wise, side by side in one run (`npx tsx bench/exec.bench.ts`,
 * also part of `npm run bench:micro`): 1M rows in 10,000-row batches, with nulls.
 *
 * - plus(a, b) over DOUBLE: `a.add(b)` vs `(a, b) => a == null || b == null ? null : a + b`
 * - lower(uri).contains('video'): Series byte-level string kernels vs `s.toLowerCase().includes('video')`,
 *   on URLs from 200 templates whose paths take turns (3 of 7 hold some case of "video": ~43% of
 *   rows match, matches and misses at random — the goal's data), and, not a goal, on URLs that
 *   all match (every row's scan stops at its first 32 bytes)
 *
 * The row path is the honest baseline (values straight from the Arrow buffers, one call per row,
 * results into a column builder); the row-wise data-plane executor (row coder decode → call →
 * encode, no Arrow) is timed too, for reference. Columns are built from typed arrays, offsets and
 * bytes, with a seeded PRNG.
 */
import * as arrow from 'apache-arrow';
import { Bench } from 'tinybench';
import { encodeRows } from '../src/codec/row-coder.js';
import { runRowWiseCoded } from '../src/codec/row-coder-exec.js';
import { makeBatch } from '../src/exec/batch.js';
import { type CompiledPlan, compilePlan } from '../src/exec/plan.js';
import { runRowWise } from '../src/exec/row-wise.js';
import { runVectorized } from '../src/exec/vectorized.js';
import { makeGetter } from '../src/series/accessors.js';
import type { Series } from '../src/series/series.js';
import { DataTypes as T } from '../src/types/data-types.js';
import { udf, vectorizedUdf } from '../src/udf/define.js';
import { rng } from '../test/helpers/random.js';
import { pairedRatio } from './lib/ratios.js';

const ROWS = 1_000_000;
const BATCH = 10_000;
const NULL_RATE = 0.1;
const r = rng(2024);

function validity(n: number): { bitmap: Uint8Array; nulls: number } {
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (r.chance(NULL_RATE)) nulls++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { bitmap, nulls };
}

function doubleColumn(n: number): arrow.Vector {
  const values = Float64Array.from({ length: n }, () => r.float() * 1000);
  const { bitmap, nulls } = validity(n);
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

const PATHS = [
  '/Video/hd/',
  '/video/sd/',
  '/img/thumb/',
  '/static/js/',
  '/VIDEO/live/',
  '/api/v2/',
  '/docs/',
];
const HOSTS = ['cdn1.example.com', 'edge-7.cdn.example.net', 'static.example.org'];
// The goal's data: paths take turns, 3 of 7 hold some case of "video" (~43% of rows match).
const templates = Array.from({ length: 200 }, (_, k) =>
  new TextEncoder().encode(
    `https://${HOSTS[k % HOSTS.length]}${PATHS[k % PATHS.length]}asset-${k}.bin?v=${k * 31}`,
  ),
);
// Not a goal: every URL on the first path, so every valid row matches (what the goal's data
// mistakenly was until 2026-11-26: it picked path `(k * 7) % 7`, always the first).
const matchingTemplates = Array.from({ length: 200 }, (_, k) =>
  new TextEncoder().encode(`https://${HOSTS[k % HOSTS.length]}${PATHS[0]}asset-${k}.bin?v=${k * 31}`),
);

function uriColumn(n: number, choices: readonly Uint8Array[] = templates): arrow.Vector {
  const pick = Int32Array.from({ length: n }, () => r.int(0, choices.length - 1));
  const { bitmap, nulls } = validity(n);
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const valid = (bitmap[i >> 3]! >> (i & 7)) & 1;
    offsets[i + 1] = offsets[i]! + (valid ? choices[pick[i]!]!.length : 0);
  }
  const bytes = new Uint8Array(offsets[n]!);
  for (let i = 0; i < n; i++) if (offsets[i + 1]! > offsets[i]!) bytes.set(choices[pick[i]!]!, offsets[i]!);
  return arrow.makeVector(
    arrow.makeData({
      type: new arrow.Utf8(),
      length: n,
      valueOffsets: offsets,
      data: bytes,
      nullBitmap: bitmap,
      nullCount: nulls,
    }),
  );
}

const batches: arrow.RecordBatch[] = [];
for (let start = 0; start < ROWS; start += BATCH) {
  batches.push(
    makeBatch(
      [
        { name: 'a', type: T.DOUBLE(), vector: doubleColumn(BATCH) },
        { name: 'b', type: T.DOUBLE(), vector: doubleColumn(BATCH) },
        { name: 'uri', type: T.STRING(), vector: uriColumn(BATCH) },
      ],
      BATCH,
    ),
  );
}

// The mix of paths: one 'uri' column per batch, drawn after the batches above (which stay as
// they were). Matches and misses come at random, ~43% of the valid rows matching.
const matchingBatches = Array.from({ length: ROWS / BATCH }, () =>
  makeBatch([{ name: 'uri', type: T.STRING(), vector: uriColumn(BATCH, matchingTemplates) }], BATCH),
);

type N = number | null;
const plusV = vectorizedUdf((a: Series, b: Series) => a.add(b), {
  name: 'plus',
  inputTypes: ['DOUBLE', 'DOUBLE'],
  resultType: 'DOUBLE',
});
const plusR = udf((a: N, b: N) => (a == null || b == null ? null : a + b), {
  name: 'plus',
  inputTypes: ['DOUBLE', 'DOUBLE'],
  resultType: 'DOUBLE',
});
const videoV = vectorizedUdf((uri: Series) => uri.str.lower().str.contains('video'), {
  name: 'is_video',
  inputTypes: ['STRING'],
  resultType: 'BOOLEAN',
});
const videoR = udf((uri: string | null) => (uri == null ? null : uri.toLowerCase().includes('video')), {
  name: 'is_video',
  inputTypes: ['STRING'],
  resultType: 'BOOLEAN',
});

const plans = {
  plusV: compilePlan({ calls: [{ udf: plusV, args: [{ column: 0 }, { column: 1 }] }] }),
  plusR: compilePlan({
    calls: [{ udf: plusR, args: [{ column: 0 }, { column: 1 }] }],
    inputTypes: ['DOUBLE', 'DOUBLE', 'STRING'],
  }),
  videoV: compilePlan({ calls: [{ udf: videoV, args: [{ column: 2 }] }] }),
  videoR: compilePlan({
    calls: [{ udf: videoR, args: [{ column: 2 }] }],
    inputTypes: ['DOUBLE', 'DOUBLE', 'STRING'],
  }),
  matchingV: compilePlan({ calls: [{ udf: videoV, args: [{ column: 0 }] }] }),
  matchingR: compilePlan({ calls: [{ udf: videoR, args: [{ column: 0 }] }], inputTypes: ['STRING'] }),
};

// Same answers first: a benchmark of wrong results measures nothing.
for (const [v, w, b] of [
  [plans.plusV, plans.plusR, batches[0]!],
  [plans.videoV, plans.videoR, batches[0]!],
  [plans.matchingV, plans.matchingR, matchingBatches[0]!],
] as const) {
  const rt = v.calls[0]!.resultType;
  const x = makeGetter((await runVectorized(v, b)).data.children[0]!, rt);
  const y = makeGetter((await runRowWise(w, b)).data.children[0]!, rt);
  for (let i = 0; i < BATCH; i++) {
    if (!Object.is(x(i), y(i))) throw new Error(`${v.calls[0]!.udf.name}: results differ at row ${i}`);
  }
}

async function all(
  run: (p: CompiledPlan, b: arrow.RecordBatch) => Promise<unknown>,
  plan: CompiledPlan,
  of: readonly arrow.RecordBatch[] = batches,
): Promise<void> {
  for (const b of of) await run(plan, b);
}

// Over the data plane the runner sends only the UDF input columns (Flink projects the UDF input
// row), so each coded plan gets elements of just its own columns.
const codedPlans = {
  plus: compilePlan({
    calls: [{ udf: plusR, args: [{ column: 0 }, { column: 1 }] }],
    inputTypes: ['DOUBLE', 'DOUBLE'],
  }),
  video: compilePlan({ calls: [{ udf: videoR, args: [{ column: 0 }] }], inputTypes: ['STRING'] }),
};
const encoded = {
  plus: batches.map((b) => encodeRows([b.getChildAt(0)!, b.getChildAt(1)!], [T.DOUBLE(), T.DOUBLE()])),
  video: batches.map((b) => encodeRows([b.getChildAt(2)!], [T.STRING()])),
};
async function allCoded(which: 'plus' | 'video'): Promise<void> {
  for (const bytes of encoded[which]) await runRowWiseCoded(codedPlans[which], bytes);
}

const bench = new Bench({ time: 3000, warmup: true });
bench
  .add('plus: vectorized', () => all(runVectorized, plans.plusV))
  .add('plus: row-wise', () => all(runRowWise, plans.plusR))
  .add('plus: row-wise over row-coder bytes', () => allCoded('plus'))
  .add("lower(uri).contains('video'): vectorized", () => all(runVectorized, plans.videoV))
  .add("lower(uri).contains('video'): row-wise", () => all(runRowWise, plans.videoR))
  .add("lower(uri).contains('video'): row-wise over row-coder bytes", () => allCoded('video'))
  .add("lower(uri).contains('video'), every row matching: vectorized", () =>
    all(runVectorized, plans.matchingV, matchingBatches),
  )
  .add("lower(uri).contains('video'), every row matching: row-wise", () =>
    all(runRowWise, plans.matchingR, matchingBatches),
  );
await bench.run();

const mean = (name: string): number => {
  const t = bench.tasks.find((x) => x.name === name)!;
  return (t.result as { latency: { mean: number } }).latency.mean;
};
console.log(
  `\nexec: ${ROWS.toLocaleString('en')} rows in ${BATCH.toLocaleString('en')}-row batches, ${NULL_RATE * 100}% nulls\n`,
);
console.table(
  bench.tasks.map((t) => {
    const ms = mean(t.name);
    return { task: t.name, 'ms / 1M rows': ms.toFixed(1), 'M rows/s': (ROWS / ms / 1000).toFixed(1) };
  }),
);
const plusRatio = mean('plus: row-wise') / mean('plus: vectorized');
const strRatio =
  mean("lower(uri).contains('video'): row-wise") / mean("lower(uri).contains('video'): vectorized");
const matchingRatio =
  mean("lower(uri).contains('video'), every row matching: row-wise") /
  mean("lower(uri).contains('video'), every row matching: vectorized");
console.log(
  `vectorized / row-wise speed-up (tinybench means): plus ${plusRatio.toFixed(1)}× (goal ≥ 10×), string ${strRatio.toFixed(1)}× (goal ≥ 20×), string with every row matching ${matchingRatio.toFixed(1)}× (not a goal)`,
);

// The machines are shared: a load spike during one task skews a ratio of two means taken seconds
// apart. Alternate the two sides instead and take the median of the per-round ratios.
const pPlus = await pairedRatio(
  () => all(runVectorized, plans.plusV),
  () => all(runRowWise, plans.plusR),
);
const pStr = await pairedRatio(
  () => all(runVectorized, plans.videoV),
  () => all(runRowWise, plans.videoR),
);
const pMatching = await pairedRatio(
  () => all(runVectorized, plans.matchingV, matchingBatches),
  () => all(runRowWise, plans.matchingR, matchingBatches),
);
console.log(
  `median of 9 alternating rounds: plus ${pPlus.toFixed(1)}×, string ${pStr.toFixed(1)}×, string with every row matching ${pMatching.toFixed(1)}×`,
);
