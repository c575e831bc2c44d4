/**
 * The IP-range → region table, loaded once into typed arrays and searched by binary search on
 * 32-bit addresses.
 *
 * @example
 * const table = defaultRegionTable();
 * const id = lookupRegionId(table, parseIpv4String('1.2.3.4'));
 * table.names[id]; // e.g. '浙江', or 'Unknown' for -1 / unlisted addresses
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseIpv4String } from './ip-parse.js';
import { PROVINCES, UNKNOWN } from './provinces.js';

export interface RegionTable {
  /** First address of each range, ascending. */
  readonly starts: Uint32Array;
  /** Last address of each range (inclusive). */
  readonly ends: Uint32Array;
  /** Region id of each range. */
  readonly rangeRegion: Uint16Array;
  /** Region id → name. The last id is `"Unknown"`. */
  readonly names: readonly string[];
  /** Region id → UTF-8 bytes of its name (for building string columns without JS strings). */
  readonly encoded: readonly Uint8Array[];
  /** The id of `"Unknown"`. */
  readonly unknownId: number;
  /** Region name → id. */
  readonly idOf: ReadonlyMap<string, number>;
  /**
   * Index by the top 16 bits of an address: `prefixFirst[p]` is the first range whose end is at
   * or after `p << 16` (65,537 entries). It narrows the search to the ranges of one /16, so a
   * lookup is a step or two instead of a full binary search.
   */
  readonly prefixFirst: Uint32Array;
}

/** Builds a table from ranges; throws if they are unsorted, overlapping or out of range. */
export function buildRegionTable(
  ranges: ReadonlyArray<{ start: number; end: number; region: string }>,
): RegionTable {
  // Known provinces first, in their fixed order, so region ids do not depend on the file.
  const names: string[] = [...PROVINCES];
  const idOf = new Map<string, number>(names.map((n, i) => [n, i]));
  const starts = new Uint32Array(ranges.length);
  const ends = new Uint32Array(ranges.length);
  const rangeRegion = new Uint16Array(ranges.length);
  ranges.forEach((r, i) => {
    const ok = Number.isInteger(r.start) && Number.isInteger(r.end) && r.start >= 0 && r.end <= 0xffffffff;
    if (!ok || r.start > r.end) throw new Error(`region range ${i}: bad bounds ${r.start}..${r.end}`);
    if (i > 0 && r.start <= ends[i - 1]) throw new Error(`region range ${i}: not sorted or overlapping`);
    if (r.region === UNKNOWN) throw new Error(`region range ${i}: '${UNKNOWN}' is reserved`);
    let id = idOf.get(r.region);
    if (id === undefined) {
      id = names.length;
      names.push(r.region);
      idOf.set(r.region, id);
    }
    starts[i] = r.start;
    ends[i] = r.end;
    rangeRegion[i] = id;
  });
  const unknownId = names.length;
  names.push(UNKNOWN);
  idOf.set(UNKNOWN, unknownId);
  const prefixFirst = new Uint32Array(65_537);
  for (let p = 0, i = 0; p <= 65_536; p++) {
    while (i < ends.length && ends[i] < p * 65_536) i++;
    prefixFirst[p] = i;
  }
  const enc = new TextEncoder();
  return {
    starts,
    ends,
    rangeRegion,
    names,
    encoded: names.map((n) => enc.encode(n)),
    unknownId,
    idOf,
    prefixFirst,
  };
}

/** Parses the CSV form (`start,end,region` header, dotted-quad inclusive bounds). */
export function parseRegionCsv(text: string): RegionTable {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== 'start,end,region') throw new Error(`region CSV: expected header 'start,end,region'`);
  const ranges = lines.slice(1).map((line, i) => {
    const [a, b, region, extra] = line.split(',');
    const start = parseIpv4String(a ?? '');
    const end = parseIpv4String(b ?? '');
    if (start < 0 || end < 0 || !region || extra !== undefined) {
      throw new Error(`region CSV line ${i + 2}: expected 'start,end,region', got '${line}'`);
    }
    return { start, end, region };
  });
  return buildRegionTable(ranges);
}

/**
 * Where the shipped CSV is: beside this module when run from source, or in the package's
 * examples/cdn/ when run compiled from dist/examples/cdn/ (tsc does not copy data files).
 */
export function regionCsvPath(): string {
  const candidates = ['./ip-regions.csv', '../../../examples/cdn/ip-regions.csv'];
  for (const c of candidates) {
    const path = fileURLToPath(new URL(c, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`ip-regions.csv not found beside ${fileURLToPath(import.meta.url)}`);
}

let cached: RegionTable | undefined;

/** The shipped table, read and parsed once per process. */
export function defaultRegionTable(): RegionTable {
  cached ??= parseRegionCsv(readFileSync(regionCsvPath(), 'utf8'));
  return cached;
}

/**
 * Region id of an address (a number from the IPv4 parsers); `unknownId` for -1 or unlisted.
 * Binary search over the ranges of the address's /16 (see `prefixFirst`).
 */
export function lookupRegionId(table: RegionTable, ip: number): number {
  if (ip < 0) return table.unknownId;
  const { starts, ends, prefixFirst } = table;
  // The first range ending at or after ip lies in [prefixFirst[p], prefixFirst[p + 1]] for its
  // /16 prefix p (the upper bound may be one past the last range): binary search that span.
  const p = ip >>> 16;
  let lo = prefixFirst[p];
  let hi = prefixFirst[p + 1];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid] < ip) lo = mid + 1;
    else hi = mid;
  }
  return lo < starts.length && starts[lo] <= ip ? table.rangeRegion[lo] : table.unknownId;
}
