/**
 * The batched lookup behind `ipToProvinceLookup`: parse every address of a UTF-8 column from its
 * bytes, ask the lookup service once for the batch's distinct valid addresses, then build the
 * result column from region ids. Null and malformed rows are "Unknown" without being asked about.
 *
 * @example
 * const regions = await lookupProvinceColumn(ips, service.url); // one HTTP request per call
 */
import type * as arrow from 'apache-arrow';
import { type Utf8Column, utf8Chunks } from './ip-kernel.js';
import { formatIpv4, parseIpv4Bytes } from './ip-parse.js';
import { lookupRegions } from './lookup-client.js';
import { UNKNOWN } from './provinces.js';
import { Utf8Dictionary } from './string-column.js';

/** Address of every row (−1 for null or malformed), parsed from the bytes. */
export function parseColumn(column: Utf8Column): Float64Array {
  const chunks = utf8Chunks(column, 'ipToProvinceLookup');
  const out = new Float64Array(chunks.reduce((n, d) => n + d.length, 0));
  let row = 0;
  for (const d of chunks) {
    const offsets = d.valueOffsets;
    const bytes = d.values;
    const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
    for (let i = 0; i < d.length; i++) {
      const b = d.offset + i;
      out[row++] =
        bitmap && (bitmap[b >>> 3] & (1 << (b & 7))) === 0
          ? -1
          : parseIpv4Bytes(bytes, offsets[i], offsets[i + 1]);
    }
  }
  return out;
}

export async function lookupProvinceColumn(
  column: Utf8Column,
  baseUrl: string,
): Promise<arrow.Vector<arrow.Utf8>> {
  const ips = parseColumn(column);
  const n = ips.length;
  // Distinct addresses: slot of each row, address of each slot.
  const slotOf = new Map<number, number>();
  const rowSlot = new Int32Array(n);
  const distinct: string[] = [];
  for (let i = 0; i < n; i++) {
    const ip = ips[i];
    if (ip < 0) {
      rowSlot[i] = -1;
      continue;
    }
    let s = slotOf.get(ip);
    if (s === undefined) {
      s = distinct.length;
      slotOf.set(ip, s);
      distinct.push(formatIpv4(ip));
    }
    rowSlot[i] = s;
  }
  const answer = distinct.length > 0 ? await lookupRegions(baseUrl, distinct) : {};
  // Region names the service answered, as dictionary ids (id 0 is Unknown).
  const enc = new TextEncoder();
  const names = new Map<string, number>([[UNKNOWN, 0]]);
  const entries = [enc.encode(UNKNOWN)];
  const slotRegion = new Uint16Array(distinct.length);
  for (let s = 0; s < distinct.length; s++) {
    const region = answer[distinct[s]];
    if (typeof region !== 'string') {
      throw new Error(`lookup service ${baseUrl} gave no region for ${distinct[s]}`);
    }
    let id = names.get(region);
    if (id === undefined) {
      id = entries.length;
      if (id > 0xffff) throw new Error(`lookup service ${baseUrl} answered more than 65535 distinct regions`);
      names.set(region, id);
      entries.push(enc.encode(region));
    }
    slotRegion[s] = id;
  }
  const ids = new Uint16Array(n);
  for (let i = 0; i < n; i++) ids[i] = rowSlot[i] < 0 ? 0 : slotRegion[rowSlot[i]];
  return new Utf8Dictionary(entries).column(ids);
}
