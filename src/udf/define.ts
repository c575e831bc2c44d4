/**
 * The four UDF factories. Each returns a plain, branded UDF object carrying `kind`, `fn`, `name`,
 * `inputTypes` and `resultType`; the executors in src/exec run them.
 *
 * @example
 * import { udf, vectorizedUdf, vectorizedUdaf, mapBatches, DataTypes as T } from 'vecudf';
 * export const plus = vectorizedUdf((a, b) => a.add(b),
 *   { inputTypes: [T.DOUBLE(), T.DOUBLE()], resultType: T.DOUBLE() });
 * export const plusRow = udf((a, b) => (a == null || b == null ? null : a + b),
 *   { inputTypes: ['DOUBLE', 'DOUBLE'], resultType: 'DOUBLE' });
 */
import type { Vector } from 'apache-arrow';
import type { DataFrame } from '../series/dataframe.js';
import type { Series } from '../series/series.js';
import { type DataType, typeToString } from '../types/data-types.js';
import { parseDataType } from '../types/parse.js';
import { type AnyFn, UDF_BRAND, type Udf, type UdfKind, type UdfSpec } from './types.js';

type MaybePromise<T> = T | Promise<T>;

/**
 * What a vectorized UDF may return, of the input length: a Series, an apache-arrow Vector, a typed
 * array, or a plain array.
 */
export type VectorizedResult =
  | Series
  | Vector
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | readonly unknown[];

/** Resolves a DataType given as an object or as Flink SQL text (`'DECIMAL(10, 2)'`, `'ARRAY<STRING>'`). */
export function resolveType(t: DataType | string, what: string): DataType {
  if (typeof t === 'string') {
    try {
      return parseDataType(t);
    } catch (e) {
      throw new TypeError(`${what}: cannot parse type '${t}': ${(e as Error).message}`);
    }
  }
  if (typeof t !== 'object' || t === null || typeof (t as { kind?: unknown }).kind !== 'string') {
    throw new TypeError(`${what}: expected a DataType or a type string, got ${describe(t)}`);
  }
  return t;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  return typeof x;
}

/** Builds a UDF object; shared by the factories and by `loadUdf` for plain functions. */
export function makeUdf<F extends AnyFn>(kind: UdfKind, fn: F, spec: UdfSpec): Udf<F> {
  if (typeof fn !== 'function') {
    throw new TypeError(`A ${kind} UDF needs a function, got ${describe(fn)}`);
  }
  if (spec === null || typeof spec !== 'object') {
    throw new TypeError(`A ${kind} UDF needs a spec with at least a resultType, got ${describe(spec)}`);
  }
  const name = spec.name ?? (fn.name || 'anonymous');
  const where = `UDF '${name}'`;
  if (spec.resultType === undefined) throw new TypeError(`${where}: the spec has no resultType`);
  const resultType = resolveType(spec.resultType, `${where} resultType`);
  let inputTypes: DataType[] | undefined;
  if (spec.inputTypes !== undefined) {
    if (!Array.isArray(spec.inputTypes)) throw new TypeError(`${where}: inputTypes must be an array`);
    inputTypes = spec.inputTypes.map((t, i) => resolveType(t, `${where} inputTypes[${i}]`));
  }
  if (kind === 'map_batches' && resultType.kind !== 'ROW') {
    throw new TypeError(
      `${where}: the resultType of mapBatches must be a ROW of the output columns, got ${typeToString(resultType)}`,
    );
  }
  return Object.freeze({ [UDF_BRAND]: true as const, kind, fn, name, inputTypes, resultType });
}

/**
 * A row-wise UDF: called once per row with the JS value of each argument (null for SQL NULL; see
 * docs/dev/contracts.md for the value of each type) and returns one value. May be async.
 * The baseline that vectorized UDFs are measured against, and the right tool for row-shaped logic.
 *
 * @example
 * const plusRow = udf((a, b) => (a == null || b == null ? null : a + b),
 *   { inputTypes: [T.DOUBLE(), T.DOUBLE()], resultType: T.DOUBLE() });
 */
// biome-ignore lint/suspicious/noExplicitAny: row values are of any JS type
export function udf<F extends (...args: any[]) => MaybePromise<unknown>>(fn: F, spec: UdfSpec): Udf<F> {
  return makeUdf('row', fn, spec);
}

/**
 * A vectorized UDF: called once per batch with one Series per argument (constants arrive as
 * Series of the batch length) and returns a Series, a typed array or a plain array of exactly
 * the input length, whose values fit `resultType`. May be async.
 *
 * @example
 * const isVideo = vectorizedUdf((uri) => uri.str.lower().str.contains('video'),
 *   { inputTypes: ['STRING'], resultType: 'BOOLEAN' });
 */
export function vectorizedUdf<F extends (...args: Series[]) => MaybePromise<VectorizedResult>>(
  fn: F,
  spec: UdfSpec,
): Udf<F> {
  return makeUdf('vectorized', fn, spec);
}

/**
 * A vectorized aggregate: called once per group (or once over everything) with one Series per
 * argument, returns one scalar of `resultType`. May be async.
 *
 * @example
 * const meanSpeed = vectorizedUdaf((bytes, ms) => bytes.sum() / ms.sum(), { resultType: T.DOUBLE() });
 */
export function vectorizedUdaf<F extends (...args: Series[]) => MaybePromise<unknown>>(
  fn: F,
  spec: UdfSpec,
): Udf<F> {
  return makeUdf('aggregate', fn, spec);
}

/**
 * DataFrame in, DataFrame out: called once per batch with a DataFrame of the argument columns;
 * returns a DataFrame (or a record of Series / arrays by column name) with the columns of the
 * ROW `resultType`, of the input length. May be async.
 *
 * @example
 * const normalize = mapBatches((df) => df.assign({ z: df.col('x').sub(df.col('x').mean()) }).select(['z']),
 *   { resultType: T.ROW([T.FIELD('z', T.DOUBLE())]) });
 */
export function mapBatches<F extends (df: DataFrame) => MaybePromise<unknown>>(fn: F, spec: UdfSpec): Udf<F> {
  return makeUdf('map_batches', fn, spec);
}
