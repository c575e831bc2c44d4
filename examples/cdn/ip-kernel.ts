/**
 * The column kernel behind `ipToProvince`: for each row of an Arrow UTF-8 column, parse the
 * address from the bytes between its offsets, binary-search the range table, and record the
 * region id. Null and malformed rows get the "Unknown" id. One pass, no per-row allocation.
 *
 * @example
 * const ips = arrow.vectorFromArray(['1.2.3.4', 'oops', null], new arrow.Utf8());
 * ipToProvinceColumn(ips).toArray(); // e.g. ['浙江', 'Unknown', 'Unknown']
 */
import * as arrow from 'apache-arrow';
import { parseIpv4Bytes } from './ip-parse.js';
import { defaultRegionTable, lookupRegionId, type RegionTable } from './regions.js';
import { Utf8Dictionary } from './string-column.js';

export type Utf8Column = arrow.Vector<arrow.Utf8> | arrow.Data<arrow.Utf8>;

/** The chunks of a UTF-8 column; throws a TypeError for any other type. */
export function utf8Chunks(column: Utf8Column, what: string): readonly arrow.Data<arrow.Utf8>[] {
  const chunks = column instanceof arrow.Data ? [column] : column.data;
  for (const d of chunks) {
    if (d.typeId !== arrow.Type.Utf8) {
      throw new TypeError(`${what} expects a UTF-8 string column, got ${String(d.type)}`);
    }
  }
  return chunks;
}

/** Region id of every row, written into `out` (allocated if not given). */
export function regionIdsOfColumn(
  column: Utf8Column,
  table: RegionTable = defaultRegionTable(),
  out?: Uint16Array,
): Uint16Array {
  const chunks = utf8Chunks(column, 'ipToProvince');
  const length = chunks.reduce((n, d) => n + d.length, 0);
  const ids = out ?? new Uint16Array(length);
  if (ids.length < length)
    throw new RangeError(`regionIdsOfColumn: out has ${ids.length} slots, need ${length}`);
  let row = 0;
  for (const d of chunks) {
    chunkRegionIds(d, table, ids, row);
    row += d.length;
  }
  return ids;
}

/**
 * The region ids of rows `bytes[offsets[i], offsets[i + 1])`, i in [0, n), into `out[at + i]`
 * (null rows are not looked at: the caller overwrites them). Malformed or unlisted addresses give
 * `table.unknownId`; the rules are `parseIpv4Bytes`'s.
 *
 * Parsing is done the fast way for a column: each octet is read as three bytes at once and its
 * length (1–3 digits) and value computed with arithmetic instead of a branch per byte, whose
 * outcome (digit or dot?) the CPU cannot predict, and the checks are folded into one sign bit
 * tested once per row. That reads up to 16 bytes from a row's start whatever its end, so rows
 * starting within 16 bytes of the buffer's end go through `parseIpv4Bytes`; bytes past a row's end
 * never count. Parse and lookup share one loop with the table's arrays hoisted, and the address
 * stays an unsigned 32-bit number on the valid path (a parser returning -1 or an address makes
 * every later comparison a float one).
 */
export function regionIdsOfRows(
  bytes: Uint8Array,
  offsets: Int32Array,
  n: number,
  table: RegionTable,
  out: Uint16Array,
  at: number,
): void {
  const { starts, ends, prefixFirst, rangeRegion, unknownId } = table;
  const ranges = starts.length;
  const windowEnd = bytes.length - 16;
  let i = 0;
  for (; i < n; i++) {
    let q = offsets[i];
    if (q > windowEnd) break;
    const end = offsets[i + 1];
    const len = end - q;
    if (len < 7 || len > 15) {
      out[at + i] = unknownId;
      continue;
    }
    let ip = 0;
    // Negative as soon as any check fails: each term below is negative exactly when its check fails.
    let bad = 0;
    for (let part = 0; part < 4; part++) {
      const x0 = bytes[q] - ZERO;
      const x1 = bytes[q + 1] - ZERO;
      const x2 = bytes[q + 2] - ZERO;
      // d1 / d2: 1 when the 2nd / 3rd byte is a digit inside the row, else 0.
      const d1 = ((x1 | (9 - x1) | (end - q - 2)) >>> 31) ^ 1;
      const d2 = d1 & (((x2 | (9 - x2) | (end - q - 3)) >>> 31) ^ 1);
      const v1 = x0 + d1 * (x0 * 9 + x1);
      const v = v1 + d2 * (v1 * 9 + x2);
      // first byte a digit, octet ≤ 255, no leading zero before another digit
      bad |= x0 | (9 - x0) | (255 - v) | ((x0 - 1) & -d1);
      q += 1 + d1 + d2;
      ip = (ip << 8) | v;
      if (part < 3) {
        bad |= -(bytes[q] ^ DOT); // a dot (a byte past `end` only makes q overshoot, caught below)
        q++;
      }
    }
    if (bad < 0 || q !== end) {
      out[at + i] = unknownId;
      continue;
    }
    ip >>>= 0;
    // lookupRegionId, by hand: binary search over the ranges of the address's /16.
    const p = ip >>> 16;
    let lo = prefixFirst[p];
    let hi = prefixFirst[p + 1];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid] < ip) lo = mid + 1;
      else hi = mid;
    }
    out[at + i] = lo < ranges && starts[lo] <= ip ? rangeRegion[lo] : unknownId;
  }
  for (; i < n; i++) out[at + i] = lookupRegionId(table, parseIpv4Bytes(bytes, offsets[i], offsets[i + 1]));
}

const ZERO = 48;
const DOT = 46;

/** The region ids of one chunk's rows into `ids[at, at + d.length)`. */
function chunkRegionIds(d: arrow.Data<arrow.Utf8>, table: RegionTable, ids: Uint16Array, at: number): void {
  // valueOffsets is already positioned at the chunk's first row; the validity bitmap is not
  // (it may be shared with a parent and is indexed from d.offset).
  const n = d.length;
  regionIdsOfRows(d.values, d.valueOffsets, n, table, ids, at);
  // Null rows may hold any bytes: overwrite them afterwards, skipping bitmap bytes with no null.
  if (d.nullCount > 0 && d.nullBitmap) {
    const bitmap = d.nullBitmap;
    const bit0 = d.offset;
    const unknownId = table.unknownId;
    for (let i = 0; i < n; i++) {
      const b = bit0 + i;
      if ((b & 7) === 0 && i + 8 <= n && bitmap[b >>> 3] === 255) {
        i += 7;
        continue;
      }
      if ((bitmap[b >>> 3] & (1 << (b & 7))) === 0) ids[at + i] = unknownId;
    }
  }
}

const dictionaries = new WeakMap<RegionTable, Utf8Dictionary>();

/** The region names of a table as a dictionary for building columns (made once per table). */
export function regionDictionary(table: RegionTable): Utf8Dictionary {
  let dict = dictionaries.get(table);
  if (!dict) dictionaries.set(table, (dict = new Utf8Dictionary(table.encoded)));
  return dict;
}

/** The region name of every row, as a new non-null UTF-8 column built from region ids. */
export function ipToProvinceColumn(
  column: Utf8Column,
  table: RegionTable = defaultRegionTable(),
): arrow.Vector<arrow.Utf8> {
  return regionDictionary(table).column(regionIdsOfColumn(column, table));
}
