/**
 * The per-province aggregation of the CDN job, incremental and on typed arrays:
 *
 * ```sql
 * SELECT province, COUNT(uuid) AS access_count, SUM(response_size) AS total_download,
 *        SUM(response_size) * 1.0 / SUM(request_time) AS download_speed
 * FROM logs GROUP BY province
 * ```
 *
 * Feed it result batches as they come (`update`); the current table is `toRecordBatch()`, and
 * `takeChanges()` gives just the provinces updated since the last call, which is what an upsert
 * sink wants (upsert by province). SQL semantics: COUNT counts non-null uuids; SUM skips nulls
 * and is NULL when every input is null; download_speed is NULL when the time sum is NULL or 0.
 * Sums are exact 64-bit integers (kept as two 32-bit word sums per batch, folded into bigint).
 *
 * @example
 * const agg = new CdnAggregator();
 * for (const batch of results) agg.update(batch); // batches with province, uuid, response_size, request_time
 * await sink.upsert(agg.takeChanges(), ['province']);
 * agg.rows(); // [{ province: '广东', access_count: 231405n, total_download: …, download_speed: … }, …]
 */
import * as arrow from 'apache-arrow';
import { toArrowSchema } from '../../src/types/arrow-mapping.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { BytesInterner } from './bytes-interner.js';
import { type Utf8Column, utf8Chunks } from './ip-kernel.js';

/** The schema of the statistic table `cdn_access_statistic`. */
export const CDN_STATISTIC_SCHEMA: arrow.Schema = toArrowSchema([
  { name: 'province', type: T.STRING() },
  { name: 'access_count', type: T.BIGINT(false) },
  { name: 'total_download', type: T.BIGINT() },
  { name: 'download_speed', type: T.DOUBLE() },
]);

export interface ProvinceStatistic {
  province: string | null;
  access_count: bigint;
  total_download: bigint | null;
  download_speed: number | null;
}

/** Column names read by `update` (defaults as in the job). */
export interface AggregateColumns {
  province?: string;
  uuid?: string;
  responseSize?: string;
  requestTime?: string;
}

type Int64Column = arrow.Vector<arrow.Int64> | arrow.Data<arrow.Int64>;

const TWO_32 = 4294967296n;

/** Per-group 64-bit sum state. */
class GroupSums {
  total: bigint[] = [];
  nonNull: number[] = [];
  // per batch: low and high 32-bit word sums (exact in float64 for < 2^21 rows per fold)
  lo = new Float64Array(8);
  hi = new Float64Array(8);
  nn = new Float64Array(8);

  ensure(groups: number): void {
    if (groups > this.lo.length) {
      const n = Math.max(groups, this.lo.length * 2);
      this.lo = grown(this.lo, n);
      this.hi = grown(this.hi, n);
      this.nn = grown(this.nn, n);
    }
    while (this.total.length < groups) {
      this.total.push(0n);
      this.nonNull.push(0);
    }
  }

  /** Adds the batch's word sums into the exact totals, and clears them. */
  fold(groups: number): void {
    for (let g = 0; g < groups; g++) {
      if (this.nn[g] === 0) continue;
      this.total[g] += BigInt(this.hi[g]) * TWO_32 + BigInt(this.lo[g]);
      this.nonNull[g] += this.nn[g];
      this.lo[g] = 0;
      this.hi[g] = 0;
      this.nn[g] = 0;
    }
  }
}

function grown(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/** The largest number of rows summed in float64 words before folding into bigints. */
const FOLD_ROWS = 1 << 20;

export class CdnAggregator {
  private readonly keys = new BytesInterner();
  /** Group id of the null province, or -1 until one is seen. */
  private nullGroup = -1;
  private groups = 0;
  private counts = new Float64Array(8);
  private readonly size = new GroupSums();
  private readonly time = new GroupSums();
  private changed = new Uint8Array(8);
  private rowIds = new Int32Array(0);
  private rowsSeen = 0;

  /** Rows consumed so far. */
  get rowsRead(): number {
    return this.rowsSeen;
  }

  /** Updates the groups with a batch holding the province, uuid, response_size and request_time columns. */
  update(batch: arrow.RecordBatch, names: AggregateColumns = {}): void {
    const col = (name: string) => {
      const c = batch.getChild(name);
      if (!c)
        throw new Error(
          `CdnAggregator: batch has no column '${name}' (has ${batch.schema.names.join(', ')})`,
        );
      return c;
    };
    this.updateColumns(
      col(names.province ?? 'province'),
      col(names.uuid ?? 'uuid'),
      col(names.responseSize ?? 'response_size'),
      col(names.requestTime ?? 'request_time'),
    );
  }

  /**
   * The same, from columns. `uuid` may be null to count every row (COUNT(*)). Columns of one
   * call must have equal lengths.
   */
  updateColumns(
    province: Utf8Column,
    uuid: arrow.Vector | arrow.Data | null,
    responseSize: Int64Column,
    requestTime: Int64Column,
  ): void {
    const n = province.length;
    for (const [name, c] of [
      ['uuid', uuid],
      ['response_size', responseSize],
      ['request_time', requestTime],
    ] as const) {
      if (c && c.length !== n)
        throw new RangeError(`CdnAggregator: ${name} has ${c.length} rows, province ${n}`);
    }
    for (let start = 0; start < n; start += FOLD_ROWS) {
      const end = Math.min(n, start + FOLD_ROWS);
      this.assignGroups(province, start, end);
      this.countRows(uuid, start, end);
      this.sumInt64(this.size, responseSize, start, end);
      this.sumInt64(this.time, requestTime, start, end);
      this.size.fold(this.groups);
      this.time.fold(this.groups);
      this.rowsSeen += end - start;
    }
  }

  /** Fills rowIds[0, end-start) with the group id of each row in [start, end). */
  private assignGroups(province: Utf8Column, start: number, end: number): void {
    if (this.rowIds.length < end - start) this.rowIds = new Int32Array(end - start);
    const ids = this.rowIds;
    forEachChunk(utf8Chunks(province, 'CdnAggregator (province)'), start, end, (d, from, to, out) => {
      const offsets = d.valueOffsets;
      const bytes = d.values;
      const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
      for (let i = from; i < to; i++, out++) {
        const b = d.offset + i;
        if (bitmap && (bitmap[b >>> 3] & (1 << (b & 7))) === 0) {
          if (this.nullGroup < 0) this.nullGroup = this.newGroup();
          ids[out] = this.nullGroup;
          continue;
        }
        const before = this.keys.size;
        const key = this.keys.intern(bytes, offsets[i], offsets[i + 1]);
        if (this.keys.size > before) {
          const g = this.newGroup();
          this.keyGroup.push(g);
          this.groupKey[g] = key;
        }
        ids[out] = this.keyGroup[key];
      }
    });
  }

  /** Interned key id → group id, and back (the null group takes a group id but no key). */
  private readonly keyGroup: number[] = [];
  private readonly groupKey: number[] = [];

  private newGroup(): number {
    const g = this.groups++;
    if (g >= this.counts.length) {
      this.counts = grown(this.counts, this.counts.length * 2);
      const changed = new Uint8Array(this.counts.length);
      changed.set(this.changed);
      this.changed = changed;
    }
    this.size.ensure(this.groups);
    this.time.ensure(this.groups);
    return g;
  }

  private countRows(uuid: arrow.Vector | arrow.Data | null, start: number, end: number): void {
    const ids = this.rowIds;
    const counts = this.counts;
    const changed = this.changed;
    for (let r = 0; r < end - start; r++) changed[ids[r]] = 1;
    if (!uuid || uuid.nullCount === 0) {
      for (let r = 0; r < end - start; r++) counts[ids[r]]++;
      return;
    }
    const chunks = uuid instanceof arrow.Data ? [uuid] : uuid.data;
    forEachChunk(chunks, start, end, (d, from, to, out) => {
      const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
      for (let i = from; i < to; i++, out++) {
        const b = d.offset + i;
        if (bitmap === null || (bitmap[b >>> 3] & (1 << (b & 7))) !== 0) counts[ids[out]]++;
      }
    });
  }

  private sumInt64(sums: GroupSums, column: Int64Column, start: number, end: number): void {
    const ids = this.rowIds;
    const chunks = column instanceof arrow.Data ? [column] : column.data;
    const { lo, hi, nn } = sums;
    forEachChunk(chunks, start, end, (d, from, to, out) => {
      const values = d.values as unknown as BigInt64Array;
      if (!arrow.DataType.isInt(d.type) || !(values instanceof BigInt64Array))
        throw new TypeError(`CdnAggregator: expected BIGINT, got ${String(d.type)}`);
      // Read each int64 as two 32-bit words instead of a bigint per element.
      const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
      const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
      for (let i = from; i < to; i++, out++) {
        if (bitmap) {
          const b = d.offset + i;
          if ((bitmap[b >>> 3] & (1 << (b & 7))) === 0) continue;
        }
        const g = ids[out];
        lo[g] += words[2 * i] >>> 0;
        hi[g] += words[2 * i + 1];
        nn[g]++;
      }
    });
  }

  /** The statistic of every province seen so far, by descending access count (then province). */
  rows(): ProvinceStatistic[] {
    const all: ProvinceStatistic[] = [];
    for (let g = 0; g < this.groups; g++) all.push(this.statistic(g));
    return all.sort(
      (a, b) =>
        (a.access_count < b.access_count ? 1 : a.access_count > b.access_count ? -1 : 0) ||
        (a.province ?? '').localeCompare(b.province ?? ''),
    );
  }

  /** The whole current table as a record batch (same order as `rows()`). */
  toRecordBatch(): arrow.RecordBatch {
    return statisticsToBatch(this.rows());
  }

  /** The provinces updated since the last call, as a record batch for an upsert; clears the marks. */
  takeChanges(): arrow.RecordBatch {
    const out: ProvinceStatistic[] = [];
    for (let g = 0; g < this.groups; g++) {
      if (this.changed[g]) {
        out.push(this.statistic(g));
        this.changed[g] = 0;
      }
    }
    return statisticsToBatch(out);
  }

  private statistic(g: number): ProvinceStatistic {
    const province = g === this.nullGroup ? null : this.keys.keyString(this.groupKey[g]);
    const totalDownload = this.size.nonNull[g] > 0 ? this.size.total[g] : null;
    const totalTime = this.time.nonNull[g] > 0 ? this.time.total[g] : null;
    return {
      province,
      access_count: BigInt(this.counts[g]),
      total_download: totalDownload,
      download_speed:
        totalDownload === null || totalTime === null || totalTime === 0n
          ? null
          : Number(totalDownload) / Number(totalTime),
    };
  }
}

/**
 * Calls `fn(chunk, from, to, out)` for the part of each chunk that overlaps rows [start, end)
 * of the whole column; `out` is the position of `from` relative to `start`.
 */
function forEachChunk<D extends arrow.Data>(
  chunks: readonly D[],
  start: number,
  end: number,
  fn: (d: D, from: number, to: number, out: number) => void,
): void {
  let base = 0;
  for (const d of chunks) {
    const from = Math.max(start, base);
    const to = Math.min(end, base + d.length);
    if (from < to) fn(d, from - base, to - base, from - start);
    base += d.length;
    if (base >= end) break;
  }
}

/** Statistic rows → a record batch of `CDN_STATISTIC_SCHEMA` (cold path: one row per province). */
export function statisticsToBatch(rows: readonly ProvinceStatistic[]): arrow.RecordBatch {
  const column = (values: unknown[], type: arrow.DataType) => arrow.vectorFromArray(values, type).data[0]!;
  const children = [
    column(
      rows.map((r) => r.province),
      new arrow.Utf8(),
    ),
    column(
      rows.map((r) => r.access_count),
      new arrow.Int64(),
    ),
    column(
      rows.map((r) => r.total_download),
      new arrow.Int64(),
    ),
    column(
      rows.map((r) => r.download_speed),
      new arrow.Float64(),
    ),
  ];
  const type = new arrow.Struct(CDN_STATISTIC_SCHEMA.fields);
  return new arrow.RecordBatch(
    CDN_STATISTIC_SCHEMA,
    arrow.makeData({ type, length: rows.length, nullCount: 0, children }),
  );
}
