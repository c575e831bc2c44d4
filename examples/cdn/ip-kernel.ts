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
  const unknown = table.unknownId;
  let row = 0;
  for (const d of chunks) {
    // valueOffsets is already positioned at the chunk's first row; the validity bitmap is not
    // (it may be shared with a parent and is indexed from d.offset).
    const offsets = d.valueOffsets;
    const bytes = d.values;
    const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
    const bit0 = d.offset;
    const n = d.length;
    for (let i = 0; i < n; i++) {
      if (bitmap) {
        const b = bit0 + i;
        if ((bitmap[b >>> 3] & (1 << (b & 7))) === 0) {
          ids[row++] = unknown;
          continue;
        }
      }
      ids[row++] = lookupRegionId(table, parseIpv4Bytes(bytes, offsets[i], offsets[i + 1]));
    }
  }
  return ids;
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
