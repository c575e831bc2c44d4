/**
 * groupRows on 1M rows vs the obvious JS ways (one decoded string per row into a Map), side by
 * side in one run: `npx tsx bench/group-by.bench.ts`. Key columns are built from offsets and bytes
 * (never one JS string at a time), keys drawn with a seeded PRNG.
 */
import * as arrow from 'apache-arrow';
import { Bench } from 'tinybench';
import { DataFrame } from '../src/series/dataframe.js';
import { groupRows, rowsOfGroup } from '../src/series/group-by.js';
import { take } from '../src/series/take.js';
import { rng } from '../test/helpers/random.js';

const N = 1_000_000;
const K = 1000;
const r = rng(7);
const keyBytes = Array.from({ length: K }, (_, i) =>
  new TextEncoder().encode(`/video/segment-${i}/chunk.ts`),
);
const pick = Int32Array.from({ length: N }, () => r.int(0, K - 1));
const offsets = new Int32Array(N + 1);
for (let i = 0; i < N; i++) offsets[i + 1] = offsets[i]! + keyBytes[pick[i]!]!.length;
const bytes = new Uint8Array(offsets[N]!);
for (let i = 0; i < N; i++) bytes.set(keyBytes[pick[i]!]!, offsets[i]!);
const strings = arrow.makeVector(
  arrow.makeData({ type: new arrow.Utf8(), length: N, valueOffsets: offsets, data: bytes }),
);
const ints = arrow.makeVector(pick);
const doubles = arrow.makeVector(Float64Array.from(pick, (x) => x / 4));
const decoder = new TextDecoder();

function decodeAndMap(): number {
  const ids = new Int32Array(N);
  const seen = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    const s = decoder.decode(bytes.subarray(offsets[i]!, offsets[i + 1]!));
    let g = seen.get(s);
    if (g === undefined) seen.set(s, (g = seen.size));
    ids[i] = g;
  }
  return seen.size;
}

function intMap(): number {
  const ids = new Int32Array(N);
  const seen = new Map<number, number>();
  for (let i = 0; i < N; i++) {
    let g = seen.get(pick[i]!);
    if (g === undefined) seen.set(pick[i]!, (g = seen.size));
    ids[i] = g;
  }
  return seen.size;
}

const frame = DataFrame.fromSeries({ uri: strings, bytes: doubles, status: ints });

const grouping = groupRows([strings]);
const { indices } = rowsOfGroup(grouping.groupIds, grouping.numGroups);

const bench = new Bench({ time: 1500, warmup: true });
bench
  .add('groupRows(utf8, 1000 keys)', () => groupRows([strings]))
  .add('decode each string + Map', decodeAndMap)
  .add('groupRows(int32)', () => groupRows([ints]))
  .add('Map<number> over int32', intMap)
  .add('groupRows(float64)', () => groupRows([doubles]))
  .add('groupRows(utf8, int32)', () => groupRows([strings, ints]))
  .add('rowsOfGroup', () => rowsOfGroup(grouping.groupIds, grouping.numGroups))
  .add('take(utf8, grouped order)', () => take(strings, indices))
  .add('DataFrame groupBy(uri).agg(sum, mean, count)', () =>
    frame.groupBy('uri').agg({ total: ['bytes', 'sum'], avg: ['bytes', 'mean'], n: ['bytes', 'count'] }),
  )
  .add('DataFrame groupBy(uri).agg(fn per group)', () =>
    frame.groupBy('uri').agg({ total: (g) => g.col('bytes').sum() }),
  );
await bench.run();
console.table(
  bench.tasks.map((t) => {
    const res = t.result as { latency?: { mean: number } } | undefined;
    return { task: t.name, 'mean ms': res?.latency ? res.latency.mean.toFixed(1) : 'n/a' };
  }),
);
