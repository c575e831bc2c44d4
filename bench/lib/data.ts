/**
 * The benchmark data: seeded columns with nulls, kept as plain buffers (typed arrays, UTF-8 bytes
 * + offsets, validity bitmaps), then cut into Arrow record batches of any size — every batch a
 * fresh copy starting at row 0, as the worker gets them — and handed to the peers in their own
 * shapes (NaN for null numbers, JS strings, raw files for Python). Every implementation of a
 * computation sees the same rows.
 *
 * Nothing here makes one JS object per row on the Arrow side: columns are built from typed arrays
 * and bytes (design.md §6).
 *
 * @example
 * const ds = numericData(1_000_000, 1);
 * const batches = toBatches(ds, ['a', 'b'], 10_000);
 * const a = nanArray(ds.columns.a!); // Float64Array, NaN where null
 */
import * as arrow from 'apache-arrow';
import { cdnLogBatches } from '../../examples/cdn/generate.js';
import { makeBatch } from '../../src/exec/batch.js';
import { toArrowType } from '../../src/types/arrow-mapping.js';
import { type DataType, DataTypes as T } from '../../src/types/data-types.js';
import { type Rng, rng } from '../../test/helpers/random.js';

/** A DOUBLE column. */
export interface F64Column {
  readonly kind: 'f64';
  readonly values: Float64Array;
  /** Validity bitmap (bit i = row i, LSB first), null when there are no nulls. */
  readonly valid: Uint8Array | null;
}

/** A TIMESTAMP(3) column: milliseconds since the epoch. */
export interface TimestampColumn {
  readonly kind: 'ts';
  readonly ms: Float64Array;
  readonly valid: Uint8Array | null;
}

/** A STRING column: UTF-8 bytes and offsets. */
export interface Utf8Column {
  readonly kind: 'utf8';
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
  readonly valid: Uint8Array | null;
}

export type Column = F64Column | TimestampColumn | Utf8Column;

/** Named columns of the same number of rows. */
export interface Dataset {
  readonly rows: number;
  readonly columns: Readonly<Record<string, Column>>;
}

/** The DataType of a column (Flink's). */
export function columnType(c: Column): DataType {
  return c.kind === 'f64' ? T.DOUBLE() : c.kind === 'ts' ? T.TIMESTAMP(3) : T.STRING();
}

export function isValid(c: Column, i: number): boolean {
  return c.valid === null || (c.valid[i >> 3]! & (1 << (i & 7))) !== 0;
}

/** A validity bitmap with each row null with probability `rate` (null when rate is 0). */
function randomValidity(n: number, r: Rng, rate: number): Uint8Array | null {
  if (rate <= 0) return null;
  const bits = new Uint8Array(((n + 63) >> 6) << 3);
  for (let i = 0; i < n; i++) if (!r.chance(rate)) bits[i >> 3]! |= 1 << (i & 7);
  return bits;
}

/** Uniform DOUBLEs in [lo, hi) with ~`nullRate` nulls (null slots hold 0). */
export function f64Column(n: number, r: Rng, lo: number, hi: number, nullRate: number): F64Column {
  const values = new Float64Array(n);
  const valid = randomValidity(n, r, nullRate);
  for (let i = 0; i < n; i++) {
    const v = lo + (hi - lo) * r.float();
    if (valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0) values[i] = v;
  }
  return { kind: 'f64', values, valid };
}

/** A STRING column drawing each row from `choices` (UTF-8 bytes), ~`nullRate` nulls. */
export function utf8Column(n: number, r: Rng, choices: readonly Uint8Array[], nullRate: number): Utf8Column {
  const valid = randomValidity(n, r, nullRate);
  const pick = new Int32Array(n);
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    pick[i] = r.int(0, choices.length - 1);
    const ok = valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0;
    offsets[i + 1] = offsets[i]! + (ok ? choices[pick[i]!]!.length : 0);
  }
  const bytes = new Uint8Array(offsets[n]!);
  for (let i = 0; i < n; i++) if (offsets[i + 1]! > offsets[i]!) bytes.set(choices[pick[i]!]!, offsets[i]!);
  return { kind: 'utf8', offsets, bytes, valid };
}

const NULL_RATE = 0.1;

/** `a`, `b`: DOUBLE in [0, 1000), 10% nulls each. */
export function numericData(rows: number, seed: number): Dataset {
  const r = rng(seed);
  return {
    rows,
    columns: { a: f64Column(rows, r, 0, 1000, NULL_RATE), b: f64Column(rows, r, 0, 1000, NULL_RATE) },
  };
}

/** `lat1`, `lon1`, `lat2`, `lon2`: coordinates in degrees, 2% nulls each. */
export function geoData(rows: number, seed: number): Dataset {
  const r = rng(seed);
  return {
    rows,
    columns: {
      lat1: f64Column(rows, r, -90, 90, 0.02),
      lon1: f64Column(rows, r, -180, 180, 0.02),
      lat2: f64Column(rows, r, -90, 90, 0.02),
      lon2: f64Column(rows, r, -180, 180, 0.02),
    },
  };
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

/**
 * `uri`: request URLs from 200 templates whose paths take turns, 3 of 7 with some case of "video"
 * (~43% of rows match), 10% nulls. (Until 2026-11-26 every template took the first path, so every
 * valid row matched.)
 */
export function uriData(rows: number, seed: number): Dataset {
  const enc = new TextEncoder();
  const templates = Array.from({ length: 200 }, (_, k) =>
    enc.encode(`https://${HOSTS[k % HOSTS.length]}${PATHS[k % PATHS.length]}asset-${k}.bin?v=${k * 31}`),
  );
  return { rows, columns: { uri: utf8Column(rows, rng(seed), templates, NULL_RATE) } };
}

/**
 * `client_ip`: the CDN example's generated addresses (Zipf-popular clients across the provinces,
 * ~1% malformed or null), concatenated from its batches into one column.
 */
export function ipData(rows: number, seed: number): Dataset {
  const parts: arrow.Data<arrow.Utf8>[] = [];
  for (const b of cdnLogBatches({ rows, seed, batchSize: 65_536 })) {
    for (const d of (b.getChild('client_ip') as arrow.Vector<arrow.Utf8>).data) parts.push(d);
  }
  const offsets = new Int32Array(rows + 1);
  const valid = new Uint8Array(((rows + 63) >> 6) << 3);
  let total = 0;
  for (const d of parts) {
    // the generator builds each batch's buffers from row 0
    if (d.offset !== 0) throw new Error('ipData: expected unsliced client_ip columns');
    total += d.valueOffsets[d.length]! - d.valueOffsets[0]!;
  }
  const bytes = new Uint8Array(total);
  let row = 0;
  let nulls = 0;
  for (const d of parts) {
    for (let i = 0; i < d.length; i++, row++) {
      const ok = d.nullCount === 0 || (d.nullBitmap![i >> 3]! & (1 << (i & 7))) !== 0;
      const s = d.valueOffsets[i]!;
      const e = ok ? d.valueOffsets[i + 1]! : s;
      bytes.set(d.values.subarray(s, e), offsets[row]!);
      offsets[row + 1] = offsets[row]! + (e - s);
      if (ok) valid[row >> 3]! |= 1 << (row & 7);
      else nulls++;
    }
  }
  return {
    rows,
    columns: {
      client_ip: {
        kind: 'utf8',
        offsets,
        bytes: bytes.subarray(0, offsets[rows]),
        valid: nulls ? valid : null,
      },
    },
  };
}

/** `ts`: TIMESTAMP(3) spread over 2024, 10% nulls. */
export function timestampData(rows: number, seed: number): Dataset {
  const r = rng(seed);
  const start = Date.UTC(2024, 0, 1);
  const span = 366 * 86_400_000;
  const valid = randomValidity(rows, r, NULL_RATE);
  const ms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = start + Math.floor(r.float() * span);
    if (valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0) ms[i] = v;
  }
  return { rows, columns: { ts: { kind: 'ts', ms, valid } } };
}

/** `key`: 1,000 distinct URI paths; `x`: DOUBLE in [0, 1e6), 10% nulls. */
export function groupData(rows: number, seed: number): Dataset {
  const r = rng(seed);
  const enc = new TextEncoder();
  const keys = Array.from({ length: 1000 }, (_, k) => enc.encode(`/video/segment-${k}/chunk.ts`));
  return {
    rows,
    columns: { key: utf8Column(rows, r, keys, 0), x: f64Column(rows, r, 0, 1e6, NULL_RATE) },
  };
}

/** Copies bits [start, start + n) of `bits` into a fresh bitmap starting at bit 0. */
function sliceBits(bits: Uint8Array, start: number, n: number): { bits: Uint8Array; nulls: number } {
  const out = new Uint8Array(((n + 63) >> 6) << 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const k = start + i;
    if ((bits[k >> 3]! & (1 << (k & 7))) !== 0) out[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  return { bits: out, nulls };
}

/** Rows [start, start + n) of a column as one Arrow vector whose buffers start at row 0. */
export function columnSlice(c: Column, start: number, n: number): arrow.Vector {
  const v = c.valid ? sliceBits(c.valid, start, n) : null;
  const nullBitmap = v && v.nulls > 0 ? v.bits : undefined;
  const nullCount = v ? v.nulls : 0;
  switch (c.kind) {
    case 'f64':
      return arrow.makeVector(
        arrow.makeData({
          type: new arrow.Float64(),
          length: n,
          data: c.values.slice(start, start + n),
          nullBitmap,
          nullCount,
        }),
      );
    case 'ts': {
      // int64 ms written as two 32-bit words per value (no BigInt per element)
      const words = new Int32Array(2 * n);
      for (let i = 0; i < n; i++) {
        const ms = c.ms[start + i]!;
        const hi = Math.floor(ms / 4294967296);
        words[2 * i] = ms - hi * 4294967296;
        words[2 * i + 1] = hi;
      }
      return arrow.makeVector(
        arrow.makeData({
          type: toArrowType(T.TIMESTAMP(3)) as arrow.Timestamp,
          length: n,
          data: new BigInt64Array(words.buffer),
          nullBitmap,
          nullCount,
        }),
      );
    }
    case 'utf8': {
      const base = c.offsets[start]!;
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) offsets[i] = c.offsets[start + i]! - base;
      return arrow.makeVector(
        arrow.makeData({
          type: new arrow.Utf8(),
          length: n,
          valueOffsets: offsets,
          data: c.bytes.slice(base, c.offsets[start + n]!),
          nullBitmap,
          nullCount,
        }),
      );
    }
  }
}

/** The dataset's named columns cut into record batches of `batchSize` rows (the last may be shorter). */
export function toBatches(ds: Dataset, names: readonly string[], batchSize: number): arrow.RecordBatch[] {
  const out: arrow.RecordBatch[] = [];
  for (let start = 0; start < ds.rows; start += batchSize) {
    const n = Math.min(batchSize, ds.rows - start);
    out.push(
      makeBatch(
        names.map((name) => {
          const c = ds.columns[name];
          if (!c) throw new Error(`no column '${name}' in the dataset`);
          return { name, type: columnType(c), vector: columnSlice(c, start, n) };
        }),
        n,
      ),
    );
  }
  return out;
}

/** A numeric column as a Float64Array with NaN where null (how pandas, danfo and arquero see it). */
export function nanArray(c: F64Column | TimestampColumn): Float64Array {
  const src = c.kind === 'f64' ? c.values : c.ms;
  const out = Float64Array.from(src);
  if (c.valid) for (let i = 0; i < out.length; i++) if (!isValid(c, i)) out[i] = Number.NaN;
  return out;
}

/** A STRING column as JS strings (null where null): what the peers and the row functions take. */
export function stringArray(c: Utf8Column): (string | null)[] {
  const dec = new TextDecoder();
  const out = new Array<string | null>(c.offsets.length - 1);
  for (let i = 0; i < out.length; i++) {
    out[i] = isValid(c, i) ? dec.decode(c.bytes.subarray(c.offsets[i]!, c.offsets[i + 1]!)) : null;
  }
  return out;
}
