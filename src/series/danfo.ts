/**
 * Optional danfo.js adapter, for UDF authors who prefer its API: `toDanfo` turns a vecudf
 * `DataFrame` or `Series` into a danfo one, `fromDanfo` turns danfo's back. danfo.js is not on the
 * hot path (it copies every value into JS arrays and is far slower than typed arrays), and it is
 * an optional peer dependency: `npm install danfojs-node` to use this.
 *
 * danfo guesses dtypes from values; here they are mapped explicitly, in both directions:
 *
 * | vecudf DataType | danfo dtype | missing value in danfo |
 * | --- | --- | --- |
 * | TINYINT, SMALLINT, INT, BIGINT (as a number; must be a safe integer) | `int32` | NaN |
 * | FLOAT, DOUBLE | `float32` (danfo keeps JS doubles) | NaN |
 * | DATE (days), TIME, TIMESTAMP, TIMESTAMP_LTZ (ms) — contracts.md's numbers | `int32` or `float32` | NaN |
 * | CHAR, VARCHAR, STRING; DECIMAL as its exact decimal string | `string` | null |
 * | BOOLEAN | `boolean` | null |
 *
 * (danfo counts null, undefined and NaN as missing alike; null rather than undefined because danfo
 * cannot build a Series whose first value is undefined.)
 *
 * Back from danfo without types: `int32` → INT, `float32` → DOUBLE, `string` → STRING,
 * `boolean` → BOOLEAN; null, undefined and NaN become null. Pass `types` to choose (BIGINT, FLOAT,
 * DECIMAL, DATE, TIMESTAMP, …); the values are then checked by that type's column builder.
 *
 * @example
 * const d = await toDanfo(df);                         // danfo DataFrame
 * const back = fromDanfo(d.query(d['bytes'].gt(0)), { types: { bytes: T.BIGINT() } });
 */
// Types only (erased at run time): the module itself is imported lazily, when first needed.
import type { DataFrame as DanfoDataFrame, Series as DanfoSeries } from 'danfojs-node';
import type { DataType } from '../types/data-types.js';
import { DataTypes as T, typeToString } from '../types/data-types.js';
import { DataFrame } from './dataframe.js';
import { Series } from './series.js';

/** The parts of a danfo Series this adapter reads. */
export interface DanfoSeriesLike {
  readonly values: readonly unknown[];
  readonly dtype: string;
  readonly columns?: readonly string[];
}

/** The parts of a danfo DataFrame this adapter reads. */
export interface DanfoFrameLike {
  readonly columns: readonly string[];
  readonly dtypes: readonly string[];
  /** Row-major values, one array per row (read instead of `column(name)`, which fails on a leading undefined). */
  readonly values: readonly unknown[];
}

/** What `import('danfojs-node')` gives (the constructors this adapter uses). */
export interface DanfoModule {
  DataFrame: new (data: unknown, options?: { columns?: string[]; dtypes?: string[] }) => DanfoDataFrame;
  Series: new (data: unknown, options?: { columns?: string[]; dtypes?: string[] }) => DanfoSeries;
}

const loaded = new Map<string, Promise<DanfoModule>>();

/**
 * Loads danfojs-node once; a clear error when it is not installed. (`specifier` is for tests and
 * for builds that ship danfo under another name.)
 */
export function loadDanfo(specifier = 'danfojs-node'): Promise<DanfoModule> {
  let p = loaded.get(specifier);
  if (p === undefined) {
    p = import(specifier).then(
      (m: { default?: DanfoModule } & Partial<DanfoModule>) => {
        const mod = (m.DataFrame ? m : m.default) as DanfoModule | undefined;
        if (!mod?.DataFrame || !mod.Series)
          throw new Error(`${specifier} loaded, but has no DataFrame / Series export`);
        return mod;
      },
      (e: unknown) => {
        loaded.delete(specifier);
        const code = (e as { code?: string }).code;
        if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
          throw new Error(
            `the danfo.js adapter needs the optional package ${specifier}, which is not installed: ` +
              `run \`npm install ${specifier}\``,
          );
        }
        throw e;
      },
    );
    loaded.set(specifier, p);
  }
  return p;
}

/**
 * A danfo DataFrame (from a vecudf DataFrame) or Series (from a Series), with explicit dtypes.
 * Values are copied into JS arrays, as danfo holds them.
 *
 * @example
 * const d = await toDanfo(DataFrame.fromSeries({ x: Float64Array.of(1, 2) }));
 * d.print();
 */
export async function toDanfo(x: DataFrame): Promise<DanfoDataFrame>;
export async function toDanfo(x: Series): Promise<DanfoSeries>;
export async function toDanfo(x: DataFrame | Series): Promise<DanfoDataFrame | DanfoSeries> {
  const dfd = await loadDanfo();
  if (x instanceof Series) {
    const { dtype, values } = danfoColumn(x);
    return new dfd.Series(values, { columns: [x.name], dtypes: [dtype] });
  }
  if (!(x instanceof DataFrame)) throw new TypeError('toDanfo expects a vecudf DataFrame or Series');
  const columns = x.columns;
  const dtypes: string[] = [];
  const data: Record<string, unknown[]> = {};
  for (const name of columns) {
    const { dtype, values } = danfoColumn(x.col(name));
    dtypes.push(dtype);
    data[name] = values;
  }
  // danfo cannot build a frame from empty column arrays, but takes an empty row list
  return new dfd.DataFrame(x.length === 0 ? [] : data, { columns, dtypes });
}

/**
 * A vecudf DataFrame from a danfo DataFrame, or a Series from a danfo Series. `types` gives the
 * DataType of some or all columns (a single DataType for a Series); the rest follow the dtype.
 *
 * @example
 * const df = fromDanfo(d, { types: { id: T.BIGINT(), day: T.DATE() } });
 * const s = fromDanfo(d['price'], T.DECIMAL(10, 2));
 */
export function fromDanfo(x: DanfoSeries | DanfoSeriesLike, type?: DataType): Series;
export function fromDanfo(
  x: DanfoDataFrame | DanfoFrameLike,
  types?: Readonly<Record<string, DataType>>,
): DataFrame;
export function fromDanfo(
  x: DanfoDataFrame | DanfoSeries | DanfoFrameLike | DanfoSeriesLike,
  types?: Readonly<Record<string, DataType>> | DataType,
): DataFrame | Series {
  // a danfo Series also has columns, dtypes and values: tell them apart by its dtype first
  if (isSeries(x)) {
    const name = x.columns?.[0] ?? '';
    return fromDanfoValues(name, x.values, x.dtype, types as DataType | undefined);
  }
  if (isFrame(x)) {
    const given = (types ?? {}) as Readonly<Record<string, DataType>>;
    for (const name of Object.keys(given)) {
      if (!x.columns.includes(name)) {
        throw new RangeError(
          `fromDanfo: types names column '${name}', which the danfo DataFrame does not have`,
        );
      }
    }
    const rows = x.values as readonly (readonly unknown[])[];
    const cols: Record<string, Series> = {};
    x.columns.forEach((name, k) => {
      const values = rows.map((r) => r[k]);
      cols[name] = fromDanfoValues(name, values, x.dtypes[k] ?? 'undefined', given[name]);
    });
    return DataFrame.fromSeries(cols);
  }
  throw new TypeError('fromDanfo expects a danfo DataFrame or Series');
}

function isFrame(x: unknown): x is DanfoFrameLike {
  const f = x as DanfoFrameLike;
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray(f.dtypes) &&
    Array.isArray(f.columns) &&
    Array.isArray(f.values)
  );
}

function isSeries(x: unknown): x is DanfoSeriesLike {
  const s = x as DanfoSeriesLike;
  return typeof x === 'object' && x !== null && Array.isArray(s.values) && typeof s.dtype === 'string';
}

/** danfo dtype and values of one column. */
function danfoColumn(s: Series): { dtype: string; values: unknown[] } {
  const t = s.type;
  const n = s.length;
  const values: unknown[] = new Array(n);
  const unsupported = () =>
    new TypeError(
      `toDanfo: column '${s.name}' has type ${typeToString(t)}, which danfo.js has no dtype for; ` +
        'cast it first (e.g. to STRING or DOUBLE)',
    );
  switch (t.kind) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'FLOAT':
    case 'DOUBLE':
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      let integral = t.kind !== 'FLOAT' && t.kind !== 'DOUBLE';
      for (let i = 0; i < n; i++) {
        const v = s.get(i) as number | null;
        values[i] = v === null ? Number.NaN : v;
        if (v !== null && !Number.isInteger(v)) integral = false; // sub-ms timestamps
      }
      return { dtype: integral ? 'int32' : 'float32', values };
    }
    case 'BIGINT':
      for (let i = 0; i < n; i++) {
        const v = s.get(i) as bigint | null;
        if (v === null) values[i] = Number.NaN;
        else {
          const num = Number(v);
          if (!Number.isSafeInteger(num)) {
            throw new RangeError(
              `toDanfo: column '${s.name}' row ${i}: ${v} is beyond 2^53, which danfo.js (JS numbers) cannot hold exactly`,
            );
          }
          values[i] = num;
        }
      }
      return { dtype: 'int32', values };
    case 'CHAR':
    case 'VARCHAR':
    case 'DECIMAL':
      for (let i = 0; i < n; i++) values[i] = s.get(i);
      return { dtype: 'string', values };
    case 'BOOLEAN':
      for (let i = 0; i < n; i++) values[i] = s.get(i);
      return { dtype: 'boolean', values };
    case 'NULL':
      values.fill(null);
      return { dtype: 'string', values };
    default:
      throw unsupported();
  }
}

const DEFAULT_TYPES: Readonly<Record<string, () => DataType>> = {
  int32: () => T.INT(),
  float32: () => T.DOUBLE(),
  string: () => T.STRING(),
  boolean: () => T.BOOLEAN(),
};

const isMissing = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

function fromDanfoValues(
  name: string,
  raw: readonly unknown[],
  dtype: string,
  type: DataType | undefined,
): Series {
  const dt = type ?? DEFAULT_TYPES[dtype]?.();
  if (dt === undefined) {
    throw new TypeError(
      `fromDanfo: column '${name}' has danfo dtype '${dtype}', which has no default DataType; pass its type in types`,
    );
  }
  const values = raw.map((v) => (isMissing(v) ? null : v));
  if (type === undefined && dtype === 'int32') {
    // danfo calls every integer column int32 without checking the range: say so plainly
    const bad = values.findIndex(
      (v) => typeof v === 'number' && (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31),
    );
    if (bad >= 0) {
      throw new RangeError(
        `fromDanfo: column '${name}' (danfo int32) row ${bad} holds ${values[bad]}, which does not fit INT; ` +
          `pass types: { ${JSON.stringify(name)}: DataTypes.BIGINT() } (or DOUBLE)`,
      );
    }
  }
  try {
    return Series.from(values, { type: dt, name });
  } catch (e) {
    throw new TypeError(`fromDanfo: column '${name}' as ${typeToString(dt)}: ${(e as Error).message}`);
  }
}
