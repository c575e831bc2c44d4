/**
 * Makes the synthetic IP-range → region table shipped as `ip-regions.csv`.
 *
 * The data is invented but shaped like a real geo-IP table: a few hundred contiguous ranges,
 * aligned on /16 boundaries, covering the public unicast IPv4 space 1.0.0.0–223.255.255.255
 * except the private and reserved blocks (10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
 * 192.168/16, 198.18/15), which stay unlisted and so map to "Unknown". Bigger provinces get
 * more ranges. The seed is fixed, so rerunning this script reproduces the shipped file exactly
 * (a test checks that).
 *
 * Run: `npx tsx examples/cdn/make-regions.ts` (rewrites examples/cdn/ip-regions.csv).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatIpv4 } from './ip-parse.js';
import { Sfc32, sampleCdf, zipfCdf } from './prng.js';
import { PROVINCES } from './provinces.js';

/** The seed of the shipped table. */
export const REGIONS_SEED = 20240601;

/** Reserved blocks in /16 units (address >>> 16), inclusive. */
const RESERVED: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x00ff], // 0.0.0.0/8
  [0x0a00, 0x0aff], // 10.0.0.0/8
  [0x6440, 0x647f], // 100.64.0.0/10
  [0x7f00, 0x7fff], // 127.0.0.0/8
  [0xa9fe, 0xa9fe], // 169.254.0.0/16
  [0xac10, 0xac1f], // 172.16.0.0/12
  [0xc0a8, 0xc0a8], // 192.168.0.0/16
  [0xc612, 0xc613], // 198.18.0.0/15
];
/** First /16 past unicast space (224.0.0.0 and up: multicast and reserved). */
const END_UNITS = 0xe000;

export interface RegionRange {
  start: number;
  end: number;
  region: string;
}

/** The table for a seed: ranges sorted by start, non-overlapping. */
export function makeRegionRanges(seed = REGIONS_SEED): RegionRange[] {
  const rng = new Sfc32(seed);
  const spaceCdf = zipfCdf(PROVINCES.length, 0.8);
  const out: RegionRange[] = [];
  let unit = 0;
  let previous = -1;
  while (unit < END_UNITS) {
    const reserved = RESERVED.find(([a, b]) => unit >= a && unit <= b);
    if (reserved) {
      unit = reserved[1] + 1;
      continue;
    }
    const nextReserved = RESERVED.find(([a]) => a > unit)?.[0] ?? END_UNITS;
    const size = 1 + rng.below(280);
    const last = Math.min(unit + size - 1, nextReserved - 1, END_UNITS - 1);
    let region = sampleCdf(spaceCdf, rng.next());
    // Adjacent ranges of one region would just be one bigger range: pick again.
    while (region === previous) region = sampleCdf(spaceCdf, rng.next());
    previous = region;
    out.push({ start: unit * 65536, end: last * 65536 + 65535, region: PROVINCES[region]! });
    unit = last + 1;
  }
  return out;
}

/** The CSV text of a table: header `start,end,region`, dotted-quad addresses, inclusive ends. */
export function regionRangesToCsv(ranges: readonly RegionRange[]): string {
  const lines = ['start,end,region'];
  for (const r of ranges) lines.push(`${formatIpv4(r.start)},${formatIpv4(r.end)},${r.region}`);
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = fileURLToPath(new URL('./ip-regions.csv', import.meta.url));
  const ranges = makeRegionRanges();
  writeFileSync(path, regionRangesToCsv(ranges));
  console.log(`wrote ${ranges.length} ranges to ${path}`);
}
