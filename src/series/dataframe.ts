/**
 * `DataFrame`: named `Series` of one length, over one Arrow record batch (or built from columns).
 * Immutable: every operation returns a new frame sharing the untouched columns (no copies).
 *
 * @example
 * import { DataFrame } from 'vecudf';
 * const df = DataFrame.fromSeries({ city: ['a', 'b', 'a'], bytes: Float64Array.of(1, 2, 3) });
 * const big = df.filter(df.col('bytes').gt(1));                      // rows 1 and 2
 * const withKb = df.assign({ kb: df.col('bytes').div(1024) });
 * const perCity = df.groupBy('city').agg({ total: ['bytes', 'sum'], n: ['bytes', 'count'] });
 * console.log(perCity.toString());
 */
import * as arrow from 'apache-arrow';
import { fromArrowField } from '../types/arrow-mapping.js';
import type { DataType } from '../types/data-types.js';
import { DataTypes as T } from '../types/data-types.js';
import { recordBatchOf } from '../util/record-batch.js';
import { type FormatColumn, type FormatOptions, formatTable } from './format-table.js';
import { AGG_NAMES, type AggName, groupedAggregate, hasGroupedKernel } from './group-agg.js';
import { type Grouping, groupRows, rowsOfGroup } from './group-by.js';
import { Series } from './series.js';
import { take } from './take.js';

export type { AggName } from './group-agg.js';

/** What a column may be given as: a Series, an Arrow vector, a typed array or a plain array. */
export type ColumnInput =
  | Series
  | arrow.Vector
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | readonly unknown[];

/**
 * One output column of `groupBy(…).agg`: a built-in aggregation of a column, or a function of the
 * group's rows returning one value (optionally with its result type; inferred from the values
 * otherwise).
 */
export type AggSpec =
  | readonly [column: string, op: AggName]
  | ((group: DataFrame) => unknown)
  | { readonly fn: (group: DataFrame) => unknown; readonly type: DataType };

/**
 * A column gathered on first use: `take` and `filter` defer each column's gather, so a frame of
 * many columns pays only for those read (a per-group aggregate reading one column, say).
 */
class Deferred {
  #series: Series | undefined;
  constructor(
    readonly name: string,
    readonly length: number,
    readonly make: () => Series,
  ) {}
  get series(): Series {
    this.#series ??= this.make();
    return this.#series;
  }
  get resolved(): boolean {
    return this.#series !== undefined;
  }
}

type Column = Series | Deferred;

const resolve = (c: Column): Series => (c instanceof Deferred ? c.series : c);

export class DataFrame {
  readonly #columns: readonly Column[];
  readonly #byName: ReadonlyMap<string, number>;
  /** Number of rows. */
  readonly length: number;

  private constructor(columns: readonly Column[], length: number) {
    const byName = new Map<string, number>();
    columns.forEach((s, i) => {
      if (byName.has(s.name)) throw new Error(`DataFrame: two columns named '${s.name}'`);
      if (s.length !== length) {
        throw new RangeError(`DataFrame: column '${s.name}' has ${s.length} rows, expected ${length}`);
      }
      byName.set(s.name, i);
    });
    this.#columns = columns;
    this.#byName = byName;
    this.length = length;
  }

  /**
   * A frame over the columns of a record batch, zero-copy.
   *
   * @example
   * const df = DataFrame.fromRecordBatch(table.batches[0]);
   */
  static fromRecordBatch(batch: arrow.RecordBatch): DataFrame {
    const columns = batch.schema.fields.map(
      (f, i) => new Series(new arrow.Vector([batch.data.children[i]!]), f.name, declaredType(f)),
    );
    return new DataFrame(columns, batch.numRows);
  }

  /** A frame over the columns of a table; columns keep the table's chunks (zero-copy). */
  static fromTable(table: arrow.Table): DataFrame {
    const columns = table.schema.fields.map(
      (f, i) => new Series(table.getChildAt(i)!, f.name, declaredType(f)),
    );
    return new DataFrame(columns, table.numRows);
  }

  /**
   * A frame from named columns of equal length. Series are renamed to their key; typed arrays and
   * plain arrays become Series (with the type given in `types`, or inferred).
   *
   * @example
   * DataFrame.fromSeries({ id: Int32Array.of(1, 2), name: ['x', null] }, { types: { name: T.STRING() } });
   */
  static fromSeries(
    columns: Readonly<Record<string, ColumnInput>>,
    opts: { types?: Readonly<Record<string, DataType>> } = {},
  ): DataFrame {
    const series = Object.entries(columns).map(([name, c]) => toSeries(name, c, opts.types?.[name]));
    const length = series[0]?.length ?? 0;
    return new DataFrame(series, length);
  }

  /**
   * A frame from Series, named by their own names (which must differ).
   *
   * @example
   * DataFrame.fromColumns([ids.rename('id'), scores]);
   */
  static fromColumns(columns: readonly Series[]): DataFrame {
    return new DataFrame([...columns], columns[0]?.length ?? 0);
  }

  /** Column names, in order. */
  get columns(): string[] {
    return this.#columns.map((s) => s.name);
  }

  /** Each column's name and DataType, in order. */
  get schema(): { name: string; type: DataType }[] {
    return this.#columns.map((c) => ({ name: c.name, type: resolve(c).type }));
  }

  /** Number of columns. */
  get width(): number {
    return this.#columns.length;
  }

  /** True when there is a column of this name. */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** The column named `name`; throws, listing the columns, when there is none. */
  col(name: string): Series {
    const i = this.#byName.get(name);
    if (i === undefined) {
      throw new RangeError(
        `DataFrame has no column '${name}'; columns: ${this.columns.join(', ') || '(none)'}`,
      );
    }
    return resolve(this.#columns[i]!);
  }

  /** The columns as Series, in order. */
  series(): Series[] {
    return this.#columns.map(resolve);
  }

  /** A frame with only these columns, in this order. */
  select(...names: string[]): DataFrame {
    return new DataFrame(
      names.map((n) => this.col(n)),
      this.length,
    );
  }

  /** A frame without these columns (each must exist). */
  drop(...names: string[]): DataFrame {
    for (const n of names) this.col(n);
    const gone = new Set(names);
    return new DataFrame(
      this.#columns.filter((s) => !gone.has(s.name)),
      this.length,
    );
  }

  /**
   * Adds columns, or replaces those of the same name (which keep their position). Values must
   * have the frame's length.
   *
   * @example
   * df.assign({ z: df.col('x').sub(df.col('x').mean()), flag: new Uint8Array(df.length) });
   */
  assign(
    columns: Readonly<Record<string, ColumnInput>>,
    opts: { types?: Readonly<Record<string, DataType>> } = {},
  ): DataFrame {
    const next = [...this.#columns];
    for (const [name, c] of Object.entries(columns)) {
      const s = toSeries(name, c, opts.types?.[name]);
      if (s.length !== this.length && this.#columns.length > 0) {
        throw new RangeError(`assign: column '${name}' has ${s.length} rows, the frame has ${this.length}`);
      }
      const at = this.#byName.get(name);
      if (at === undefined) next.push(s);
      else next[at] = s;
    }
    return new DataFrame(next, next[0]?.length ?? 0);
  }

  /**
   * The rows where `mask` is true; a null in the mask drops the row (as SQL's WHERE does).
   *
   * @example
   * df.filter(df.col('status').eq(200).and(df.col('bytes').gt(0)));
   */
  filter(mask: Series | arrow.Vector): DataFrame {
    const vector = mask instanceof arrow.Vector ? mask : mask.vector;
    if (vector.type.typeId !== arrow.Type.Bool) {
      throw new TypeError(`filter: the mask must be a BOOLEAN column, got Arrow type ${vector.type}`);
    }
    if (vector.length !== this.length) {
      throw new RangeError(`filter: the mask has ${vector.length} rows, the frame has ${this.length}`);
    }
    const indices = selectedRows(vector);
    if (indices.length === this.length) return this;
    return this.#gather(indices);
  }

  /**
   * The rows at `indices`, in that order (repeats allowed; -1 gives a row of nulls).
   *
   * @example
   * df.take(Int32Array.of(2, 0)); // third row, then first
   */
  take(indices: Int32Array): DataFrame {
    for (let i = 0; i < indices.length; i++) {
      if (indices[i]! >= this.length) {
        throw new RangeError(`take: index ${indices[i]} is out of range for a frame of ${this.length} rows`);
      }
    }
    // a copy, since the columns are gathered later
    return this.#gather(indices.slice());
  }

  /** Each column gathered at `indices` (owned by the new frame) when first read. */
  #gather(indices: Int32Array): DataFrame {
    return new DataFrame(
      this.#columns.map(
        (c) =>
          new Deferred(c.name, indices.length, () => {
            const s = resolve(c);
            return sameType(s, take(s.vector, indices), s.name);
          }),
      ),
      indices.length,
    );
  }

  /** The first `n` rows (zero-copy). */
  head(n = 5): DataFrame {
    return this.slice(0, Math.max(0, Math.min(n, this.length)));
  }

  /** Rows `[begin, end)` (zero-copy); negative positions count from the end, as `Array#slice`. */
  slice(begin = 0, end = this.length): DataFrame {
    const clamp = (x: number) => Math.max(0, Math.min(this.length, x < 0 ? this.length + x : x));
    const b = clamp(begin);
    const e = Math.max(b, clamp(end));
    return new DataFrame(
      this.#columns.map((c) =>
        c instanceof Deferred && !c.resolved
          ? new Deferred(c.name, e - b, () => c.series.slice(b, e))
          : resolve(c).slice(b, e),
      ),
      e - b,
    );
  }

  /**
   * Groups rows by the values of the key columns (nulls form a group of their own).
   *
   * @example
   * df.groupBy('city', 'status').agg({ n: ['bytes', 'count'], p95: (g) => quantile(g.col('ms'), 0.95) });
   */
  groupBy(...keys: string[]): GroupBy {
    if (keys.length === 0) throw new RangeError('groupBy needs at least one key column');
    for (const k of keys) this.col(k);
    return new GroupBy(this, keys);
  }

  /**
   * The frame as one Arrow record batch (columns with several chunks are made contiguous).
   *
   * @example
   * const ipc = arrow.tableToIPC(new arrow.Table(df.toRecordBatch()));
   */
  toRecordBatch(): arrow.RecordBatch {
    const columns = this.#columns.map(resolve);
    const children = columns.map(singleChunk);
    // nullable unless declared NOT NULL (reading `type` would throw for Arrow types without one)
    const fields = columns.map(
      (s, i) =>
        new arrow.Field(
          s.name,
          children[i]!.type,
          (s.declaredType?.nullable ?? true) || children[i]!.nullCount > 0,
        ),
    );
    const schema = new arrow.Schema(fields);
    const data = arrow.makeData({
      type: new arrow.Struct(fields),
      length: this.length,
      nullCount: 0,
      children,
    });
    return recordBatchOf(schema, data);
  }

  /** The rows as plain objects (a slow path, for tests and small frames). */
  toObjects(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    const columns = this.#columns.map(resolve);
    for (let i = 0; i < this.length; i++) {
      const row: Record<string, unknown> = {};
      for (const s of columns) row[s.name] = s.get(i);
      out.push(row);
    }
    return out;
  }

  /**
   * An aligned text table: names and types on top, `null` for nulls, long frames cut to their
   * first and last rows around a `…` row.
   */
  toString(opts?: FormatOptions): string {
    return formatTable(this.#columns.map(resolve).map(formatColumn), this.length, opts);
  }

  /** Lets `console.log(df)` print the table. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * Rows of a DataFrame grouped by key columns; `agg` makes one row per group, keys first, groups in
 * the order their keys first appear.
 */
export class GroupBy {
  #grouping: Grouping | undefined;

  constructor(
    readonly frame: DataFrame,
    readonly keys: readonly string[],
  ) {}

  /** Group id of each row, number of groups and first row of each group. */
  get grouping(): Grouping {
    this.#grouping ??= groupRows(this.keys.map((k) => this.frame.col(k)));
    return this.#grouping;
  }

  get numGroups(): number {
    return this.grouping.numGroups;
  }

  /**
   * One row per group: the keys, then one column per entry of `spec`.
   *
   * Built-in aggregations (`[column, 'sum' | 'mean' | 'count' | 'min' | 'max' | 'var' | 'std']`)
   * skip nulls as SQL does; `count` is BIGINT, `sum` of integers is BIGINT, of floats DOUBLE;
   * `mean`, `var`, `std` (sample, n − 1) are DOUBLE; `min`/`max` keep the column's type. A function
   * gets each group's rows as a DataFrame and returns one value.
   *
   * @example
   * df.groupBy('city').agg({
   *   total: ['bytes', 'sum'],
   *   mean_ms: ['ms', 'mean'],
   *   top: (g) => g.col('bytes').max(),
   * });
   */
  agg(spec: Readonly<Record<string, AggSpec>>): DataFrame {
    const { groupIds, numGroups, firstRow } = this.grouping;
    const out = new Map<string, Series>();
    for (const k of this.keys) {
      const key = this.frame.col(k);
      out.set(k, sameType(key, take(key.vector, firstRow), k));
    }
    let sorted: { frame: DataFrame; offsets: Int32Array } | undefined;
    const groupSlices = () => {
      if (sorted === undefined) {
        const { offsets, indices } = rowsOfGroup(groupIds, numGroups);
        sorted = { frame: this.frame.take(indices), offsets };
      }
      return sorted;
    };
    for (const [name, s] of Object.entries(spec)) {
      if (out.has(name)) throw new Error(`agg: output column '${name}' is also a key or named twice`);
      if (Array.isArray(s)) {
        const [column, op] = s as readonly [string, AggName];
        if (!AGG_NAMES.includes(op)) {
          throw new RangeError(
            `agg '${name}': unknown aggregation '${op}'; use one of ${AGG_NAMES.join(', ')}`,
          );
        }
        const col = this.frame.col(column);
        if (hasGroupedKernel(col.vector, op)) {
          const result = groupedAggregate(col.vector, op, groupIds, numGroups);
          // min/max keep the column's own type (e.g. TIMESTAMP_LTZ, which Arrow alone cannot tell)
          out.set(
            name,
            op === 'min' || op === 'max'
              ? sameType(col, result, name)
              : new Series(result, name, op === 'count' ? T.BIGINT(false) : undefined),
          );
        } else {
          const { frame, offsets } = groupSlices();
          out.set(name, perGroup(name, frame.col(column), offsets, op));
        }
        continue;
      }
      const fn = typeof s === 'function' ? s : (s as { fn: (g: DataFrame) => unknown }).fn;
      const type = typeof s === 'function' ? undefined : (s as { type: DataType }).type;
      if (typeof fn !== 'function')
        throw new TypeError(`agg '${name}': expected [column, op], a function or { fn, type }`);
      const { frame, offsets } = groupSlices();
      const values: unknown[] = new Array(numGroups);
      for (let g = 0; g < numGroups; g++) {
        const v = fn(frame.slice(offsets[g]!, offsets[g + 1]!));
        checkScalar(name, v);
        values[g] = v;
      }
      out.set(name, toSeries(name, values, type));
    }
    // (not through an object: integer-like names would move ahead of the keys)
    return DataFrame.fromColumns([...out.values()]);
  }
}

/** A built-in aggregation without a grouped kernel (strings, decimals, …): Series methods per group. */
function perGroup(name: string, sortedColumn: Series, offsets: Int32Array, op: AggName): Series {
  const numGroups = offsets.length - 1;
  const values: unknown[] = new Array(numGroups);
  for (let g = 0; g < numGroups; g++) {
    const part = sortedColumn.slice(offsets[g]!, offsets[g + 1]!);
    const v = part[op]() as unknown;
    values[g] = op === 'count' ? BigInt(v as number) : v;
  }
  return toSeries(name, values, resultType(op, sortedColumn.type));
}

function resultType(op: AggName, t: DataType): DataType | undefined {
  switch (op) {
    case 'count':
      return T.BIGINT(false);
    case 'mean':
    case 'var':
    case 'std':
      return T.DOUBLE();
    case 'min':
    case 'max':
      return { ...t, nullable: true };
    case 'sum':
      return t.kind === 'DECIMAL' ? T.DECIMAL(38, t.scale) : undefined;
  }
}

function checkScalar(name: string, v: unknown): void {
  if (
    v instanceof Promise ||
    (typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function')
  ) {
    throw new TypeError(
      `agg '${name}': the function returned a Promise; aggregate functions must be synchronous`,
    );
  }
  if (v instanceof Series) {
    throw new TypeError(
      `agg '${name}': the function must return one value per group, got a Series of ${v.length}`,
    );
  }
}

/** A column for the table printer; one whose Arrow type has no DataType prints apache-arrow's values. */
function formatColumn(s: Series): FormatColumn {
  try {
    const type = s.type;
    return { name: s.name, type, get: (i) => s.get(i) };
  } catch {
    const v = s.vector;
    return { name: s.name, type: String(v.type), get: (i) => v.get(i) };
  }
}

/**
 * A Series over `vector` (gathered or aggregated from `like`) with `like`'s declared DataType, made
 * nullable when the new column has nulls.
 */
function sameType(like: Series, vector: arrow.Vector, name: string): Series {
  const declared = like.declaredType;
  if (declared === null) return new Series(vector, name);
  return new Series(
    vector,
    name,
    vector.nullCount > 0 && !declared.nullable ? { ...declared, nullable: true } : declared,
  );
}

/**
 * The DataType a NOT NULL field declares (a nullable field's type is derived lazily from the Arrow
 * type, so that columns without a DataType still load and fail only when their type is asked for).
 */
function declaredType(f: arrow.Field): DataType | undefined {
  if (f.nullable) return undefined;
  try {
    return fromArrowField(f);
  } catch {
    return undefined;
  }
}

function toSeries(name: string, c: ColumnInput, type?: DataType): Series {
  if (c instanceof Series) return c.name === name ? c : c.rename(name);
  if (c instanceof arrow.Vector) return new Series(c, name);
  return Series.from(c as never, { name, ...(type ? { type } : {}) });
}

/** The column as one Arrow Data (a copy only when it has several chunks). */
function singleChunk(s: Series): arrow.Data {
  const chunks = s.vector.data;
  if (chunks.length === 1) return chunks[0]!;
  if (chunks.length === 0) return arrow.makeBuilder({ type: s.vector.type }).finish().flush();
  const all = new Int32Array(s.length);
  for (let i = 0; i < all.length; i++) all[i] = i;
  return take(s.vector, all).data[0]!;
}

/** Indices of the rows whose mask bit is set and valid, read from the Arrow bitmaps. */
function selectedRows(mask: arrow.Vector): Int32Array {
  const out = new Int32Array(mask.length);
  let n = 0;
  let base = 0;
  for (const d of mask.data) {
    const values = d.values as Uint8Array;
    const validity = d.nullCount > 0 ? d.nullBitmap : null;
    const off = d.offset;
    for (let i = 0; i < d.length; i++) {
      const bit = off + i;
      const byte = bit >> 3;
      const m = 1 << (bit & 7);
      if ((values[byte]! & m) !== 0 && (validity === null || (validity[byte]! & m) !== 0))
        out[n++] = base + i;
    }
    base += d.length;
  }
  return out.subarray(0, n);
}
