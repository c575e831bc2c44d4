/**
 * A seeded generator of synthetic CDN access-log rows, as Arrow record batches built straight
 * from typed arrays and offsets+bytes (no JS string or object per row).
 *
 * Columns (Flink types): `uuid` STRING, `client_ip` STRING, `request_time` BIGINT (ms),
 * `response_size` BIGINT (bytes), `uri` STRING, `event_ts` TIMESTAMP(3).
 *
 * Shape of the data: clients are drawn from a pool of addresses with a Zipf-like popularity
 * (a few addresses make many requests), each address in a region drawn by a Zipf law over the
 * provinces (Guangdong ≫ Macau); URIs are drawn by popularity too, and their kind sets the
 * response size (API calls of a few KB … downloads of tens of MB); request time is latency
 * plus size over a per-region bandwidth; ~1% of client_ip values are malformed (bad octets,
 * wrong count, IPv6, junk, empty) or null. Event times rise by ~3.6 ms per row.
 *
 * Each column draws from its own random stream, so the rows do not depend on the batch size:
 * the same seed and row count give the same bytes whatever the batching.
 *
 * @example
 * for await (const batch of cdnLogStream({ rows: 1_000_000, seed: 42 })) {
 *   // batch.numRows === 10_000, batch.getChild('client_ip') …
 * }
 */
import * as arrow from 'apache-arrow';
import { toArrowSchema } from '../../src/types/arrow-mapping.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { writeIpv4 } from './ip-parse.js';
import { Sfc32, sampleCdf, zipfCdf } from './prng.js';
import { PROVINCES } from './provinces.js';
import { defaultRegionTable, type RegionTable } from './regions.js';
import { Utf8Dictionary } from './string-column.js';

export interface CdnLogOptions {
  /** Total number of rows. */
  rows: number;
  /** Seed of every random stream (default 42). */
  seed?: number;
  /** Rows per record batch (default 10,000; the last batch may be shorter). */
  batchSize?: number;
  /** Share of client_ip values that are malformed or null (default 0.01). */
  malformedRate?: number;
  /** Number of distinct client addresses (default 50,000). */
  distinctIps?: number;
  /** Event time of the first row, ms since the epoch (default 2024-06-01T00:00:00Z). */
  startTime?: number;
  /** Range table the addresses are drawn from (default: the shipped one). */
  table?: RegionTable;
}

/** The columns of the generated logs and their Flink types. */
export const CDN_LOG_COLUMNS = [
  { name: 'uuid', type: T.STRING() },
  { name: 'client_ip', type: T.STRING() },
  { name: 'request_time', type: T.BIGINT() },
  { name: 'response_size', type: T.BIGINT() },
  { name: 'uri', type: T.STRING() },
  { name: 'event_ts', type: T.TIMESTAMP(3) },
] as const;

/** The Arrow schema of the generated batches (Flink's mapping of the column types). */
export const CDN_LOG_SCHEMA: arrow.Schema = toArrowSchema(CDN_LOG_COLUMNS);

const HEX = new TextEncoder().encode('0123456789abcdef');

/** URI kinds: path pattern, median response size (bytes), spread factor. */
const URI_KINDS: ReadonlyArray<{ weight: number; make: (r: Sfc32) => string; size: number }> = [
  { weight: 30, make: (r) => `/api/v1/items/${r.below(100_000)}`, size: 2_000 },
  { weight: 25, make: (r) => `/images/${hex8(r)}.jpg`, size: 120_000 },
  { weight: 20, make: (r) => `/static/js/app.${hex8(r)}.js`, size: 60_000 },
  { weight: 15, make: (r) => `/video/${hex8(r)}/seg-${r.below(600)}.ts`, size: 1_800_000 },
  { weight: 7, make: (r) => `/static/css/site.${hex8(r)}.css`, size: 25_000 },
  { weight: 3, make: (r) => `/downloads/pkg-${r.below(5000)}.zip`, size: 20_000_000 },
];

function hex8(r: Sfc32): string {
  return r.nextU32().toString(16).padStart(8, '0');
}

/**
 * Malformed client_ip values: wrong octet count, octets over 255, leading zeros, signs,
 * spaces, ports, IPv6, junk, empty. (Nulls are added separately.)
 */
function malformedSamples(r: Sfc32): string[] {
  const o = () => r.below(256);
  const out = ['', '-', 'unknown', 'n/a', 'localhost', '::1', '0', '...', '1.2.3.', '.1.2.3'];
  for (let i = 0; i < 20; i++) {
    out.push(`${o()}.${o()}.${o()}`);
    out.push(`${o()}.${o()}.${o()}.${o()}.${o()}`);
    out.push(`${256 + r.below(744)}.${o()}.${o()}.${o()}`);
    out.push(`${o()}.${o()}.${o()}.${256 + r.below(9744)}`);
    out.push(`0${1 + r.below(9)}.${o()}.${o()}.${o()}`);
    out.push(` ${o()}.${o()}.${o()}.${o()}`);
    out.push(`${o()}.${o()}.${o()}.${o()}:${1024 + r.below(60000)}`);
    out.push(`${o()}.-${o()}.${o()}.${o()}`);
    out.push(`2001:db8::${r.nextU32().toString(16)}`);
    out.push(`${o()}..${o()}.${o()}`);
  }
  return out;
}

/** Everything drawn once per generator: the address pool, URIs, bandwidths. */
interface Setup {
  /** client_ip dictionary: the address pool, then the malformed samples. */
  ipDict: Utf8Dictionary;
  ipCdf: Float64Array;
  poolSize: number;
  malformedCount: number;
  /** Bandwidth in bytes/ms of each pool address's region. */
  ipBandwidth: Float64Array;
  uriDict: Utf8Dictionary;
  uriCdf: Float64Array;
  uriSize: Float64Array;
}

function makeSetup(seed: number, distinctIps: number, table: RegionTable): Setup {
  const r = new Sfc32(seed, 100);
  // Ranges of each region, to draw an address of a chosen region.
  const rangesOf: number[][] = table.names.map(() => []);
  for (let i = 0; i < table.starts.length; i++) rangesOf[table.rangeRegion[i]].push(i);
  const regionCdf = zipfCdf(PROVINCES.length, 1.0);
  const bandwidthOf = table.names.map(() => 2_000 + r.below(18_000)); // 2–20 MB/s
  const ipBandwidth = new Float64Array(distinctIps);
  const encoded: Uint8Array[] = [];
  const buf = new Uint8Array(15);
  for (let k = 0; k < distinctIps; k++) {
    let region = table.idOf.get(PROVINCES[sampleCdf(regionCdf, r.next())]) ?? -1;
    // A custom table may lack a province: fall back to any region that has ranges.
    if (region < 0 || rangesOf[region].length === 0) region = table.rangeRegion[r.below(table.starts.length)];
    const ranges = rangesOf[region];
    const range = ranges[r.below(ranges.length)];
    const span = table.ends[range] - table.starts[range] + 1;
    const ip = table.starts[range] + r.below(span);
    encoded.push(buf.slice(0, writeIpv4(buf, 0, ip)));
    ipBandwidth[k] = bandwidthOf[region];
  }
  const enc = new TextEncoder();
  const malformed = malformedSamples(r).map((s) => enc.encode(s));
  const uriCount = 1000;
  const kindCdf = new Float64Array(URI_KINDS.length);
  let acc = 0;
  URI_KINDS.forEach((k, i) => {
    acc += k.weight;
    kindCdf[i] = acc;
  });
  const uris: Uint8Array[] = [];
  const uriSize = new Float64Array(uriCount);
  for (let u = 0; u < uriCount; u++) {
    const kind = URI_KINDS[sampleCdf(kindCdf, r.next() * acc)];
    uris.push(enc.encode(kind.make(r)));
    // Log-uniform spread of a quarter to four times the kind's median.
    uriSize[u] = Math.round(kind.size * 4 ** (2 * r.next() - 1));
  }
  return {
    ipDict: new Utf8Dictionary([...encoded, ...malformed]),
    ipCdf: zipfCdf(distinctIps, 0.8),
    poolSize: distinctIps,
    malformedCount: malformed.length,
    ipBandwidth,
    uriDict: new Utf8Dictionary(uris),
    uriCdf: zipfCdf(uriCount, 1.0),
    uriSize,
  };
}

/** Per-column random streams; each advances only with its own column's rows. */
interface Streams {
  uuid: Sfc32;
  ip: Sfc32;
  uri: Sfc32;
  time: Sfc32;
  ts: Sfc32;
}

function writeInt64(words: Int32Array, i: number, v: number): void {
  // v is a non-negative integer below 2^53: split into two 32-bit words (little-endian).
  words[2 * i] = v >>> 0;
  words[2 * i + 1] = Math.floor(v / 4294967296);
}

function makeBatch(
  setup: Setup,
  s: Streams,
  firstRow: number,
  n: number,
  malformedRate: number,
  startTime: number,
): arrow.RecordBatch {
  // uuid: 36 ASCII bytes per row, version 4, RFC 4122 variant.
  const uuidBytes = new Uint8Array(n * 36);
  const uuidOffsets = new Int32Array(n + 1);
  for (let i = 0, p = 0; i < n; i++) {
    for (let w = 0; w < 4; w++) {
      let x = s.uuid.nextU32();
      if (w === 1) x = (x & 0xffff0fff) | 0x4000; // version nibble
      if (w === 2) x = ((x & 0x3fffffff) | 0x80000000) >>> 0; // variant bits
      for (let h = 28; h >= 0; h -= 4) {
        uuidBytes[p++] = HEX[(x >>> h) & 15];
        // dashes after hex digits 8, 12, 16, 20
        if ((w === 0 && h === 0) || (w === 1 && (h === 16 || h === 0)) || (w === 2 && h === 16)) {
          uuidBytes[p++] = 45;
        }
      }
    }
    uuidOffsets[i + 1] = p;
  }

  // client_ip: pool index by popularity, or a malformed sample, or null.
  const ipIds = new Uint32Array(n);
  const ipValid = new Uint8Array((n + 7) >>> 3).fill(255);
  let ipNulls = 0;
  const bandwidth = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = s.ip.next();
    if (u < malformedRate) {
      // One malformed value in ten is a null; the rest are bad text.
      const k = s.ip.below(setup.malformedCount + Math.ceil(setup.malformedCount / 9));
      if (k >= setup.malformedCount) {
        ipValid[i >>> 3] &= ~(1 << (i & 7));
        ipNulls++;
      } else ipIds[i] = setup.poolSize + k;
      bandwidth[i] = 5_000;
    } else {
      const k = sampleCdf(setup.ipCdf, s.ip.next());
      ipIds[i] = k;
      bandwidth[i] = setup.ipBandwidth[k];
    }
  }

  // uri, response_size, request_time.
  const uriIds = new Uint16Array(n);
  const sizes = new BigInt64Array(n);
  const times = new BigInt64Array(n);
  const sizeWords = new Int32Array(sizes.buffer);
  const timeWords = new Int32Array(times.buffer);
  for (let i = 0; i < n; i++) {
    const u = sampleCdf(setup.uriCdf, s.uri.next());
    uriIds[i] = u;
    // ±20% around the URI's size (ranges, partial content, compression)
    const size = Math.round(setup.uriSize[u] * (0.8 + 0.4 * s.uri.next()));
    writeInt64(sizeWords, i, size);
    // latency: 5 ms + exponential with mean 40 ms; transfer at the region's bandwidth ±50%
    const latency = 5 - 40 * Math.log(1 - s.time.next());
    const transfer = size / (bandwidth[i] * (0.5 + s.time.next()));
    writeInt64(timeWords, i, Math.max(1, Math.round(latency + transfer)));
  }

  // event_ts: ~3.6 ms per row plus jitter of up to 50 ms.
  const ts = new BigInt64Array(n);
  const tsWords = new Int32Array(ts.buffer);
  for (let i = 0; i < n; i++) {
    writeInt64(tsWords, i, startTime + Math.floor((firstRow + i) * 3.6) + s.ts.below(50));
  }

  const utf8 = (offsets: Int32Array, bytes: Uint8Array) =>
    arrow.makeData({ type: new arrow.Utf8(), length: n, nullCount: 0, valueOffsets: offsets, data: bytes });
  const int64 = (values: BigInt64Array) =>
    arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: 0, data: values });
  const children = [
    utf8(uuidOffsets, uuidBytes),
    setup.ipDict.column(ipIds, n, { bitmap: ipValid, nullCount: ipNulls }).data[0],
    int64(times),
    int64(sizes),
    setup.uriDict.column(uriIds, n).data[0],
    arrow.makeData({
      type: CDN_LOG_SCHEMA.fields[5]!.type as arrow.Timestamp,
      length: n,
      nullCount: 0,
      data: ts,
    }),
  ];
  const struct = arrow.makeData({
    type: new arrow.Struct(CDN_LOG_SCHEMA.fields),
    length: n,
    nullCount: 0,
    children,
  });
  return new arrow.RecordBatch(CDN_LOG_SCHEMA, struct);
}

function resolve(opts: CdnLogOptions) {
  const rows = opts.rows;
  if (!Number.isSafeInteger(rows) || rows < 0)
    throw new RangeError(`rows must be an integer ≥ 0, got ${rows}`);
  const batchSize = opts.batchSize ?? 10_000;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be ≥ 1, got ${batchSize}`);
  const malformedRate = opts.malformedRate ?? 0.01;
  if (!(malformedRate >= 0 && malformedRate <= 1)) throw new RangeError('malformedRate must be in [0, 1]');
  const distinctIps = opts.distinctIps ?? 50_000;
  if (!Number.isInteger(distinctIps) || distinctIps < 1) throw new RangeError('distinctIps must be ≥ 1');
  return {
    rows,
    seed: opts.seed ?? 42,
    batchSize,
    malformedRate,
    distinctIps,
    startTime: opts.startTime ?? Date.UTC(2024, 5, 1),
    table: opts.table ?? defaultRegionTable(),
  };
}

/** The rows as record batches of `batchSize` rows (synchronously). */
export function* cdnLogBatches(opts: CdnLogOptions): Generator<arrow.RecordBatch> {
  const o = resolve(opts);
  const setup = makeSetup(o.seed, o.distinctIps, o.table);
  const streams: Streams = {
    uuid: new Sfc32(o.seed, 1),
    ip: new Sfc32(o.seed, 2),
    uri: new Sfc32(o.seed, 3),
    time: new Sfc32(o.seed, 4),
    ts: new Sfc32(o.seed, 5),
  };
  for (let first = 0; first < o.rows; first += o.batchSize) {
    const n = Math.min(o.batchSize, o.rows - first);
    yield makeBatch(setup, streams, first, n, o.malformedRate, o.startTime);
  }
}

/**
 * The rows as an async iterable of record batches, yielding to the event loop between batches
 * so that a consumer's I/O (gRPC, sinks, progress) keeps flowing while data is generated.
 */
export async function* cdnLogStream(opts: CdnLogOptions): AsyncGenerator<arrow.RecordBatch> {
  for (const batch of cdnLogBatches(opts)) {
    yield batch;
    await new Promise<void>((r) => setImmediate(r));
  }
}

/** All rows as one Arrow table (of `batchSize`-row batches). */
export function cdnLogTable(opts: CdnLogOptions): arrow.Table {
  return new arrow.Table([...cdnLogBatches(opts)]);
}
