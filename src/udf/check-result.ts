/**
 * Result checks, as PyFlink's `check_pandas_udf_result` does them and a little more: a vectorized
 * result must be a column (Series, typed array or array) of exactly the input length, and its
 * values must fit the result type. Every check names the UDF, what was expected and what came.
 * The checked result comes back as one Arrow vector of the result type, ready for the output batch:
 * a typed array of the matching storage and a Series of the same Arrow type are passed through
 * without a copy; a Series of another numeric type is converted only when no value changes.
 */
import * as arrow from 'apache-arrow';
import { makeVectorGetter } from '../series/accessors.js';
import {
  type ColumnBuilder,
  columnFromTypedArray,
  createColumnBuilder,
  describeValue,
} from '../series/column-builder.js';
import { take } from '../series/take.js';
import { fromArrowType, toArrowType } from '../types/arrow-mapping.js';
import { type DataType, isNumericKind, typeToString } from '../types/data-types.js';
import type { UdfKind } from './types.js';

/** How errors name a UDF of each kind. */
export function udfLabel(kind: UdfKind, name: string): string {
  switch (kind) {
    case 'vectorized':
      return `vectorized UDF '${name}'`;
    case 'aggregate':
      return `vectorized UDAF '${name}'`;
    case 'map_batches':
      return `mapBatches UDF '${name}'`;
    default:
      return `UDF '${name}'`;
  }
}

/** A result that is not usable (wrong shape, length or values). */
export class UdfResultError extends TypeError {
  override readonly name = 'UdfResultError';
}

/** The Arrow vector inside a Series (of any copy of vecudf), or the vector itself; undefined otherwise. */
export function vectorOf(x: unknown): arrow.Vector | undefined {
  if (x instanceof arrow.Vector) return x;
  if (typeof x === 'object' && x !== null && 'vector' in x) {
    const v = (x as { vector: unknown }).vector;
    if (v instanceof arrow.Vector) return v;
  }
  return undefined;
}

type TypedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

function isTypedArray(x: unknown): x is TypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof Uint8ClampedArray);
}

/** `number`, `null`, `Map`, `Promise`… as PyFlink names the type of a bad result. */
function kindOf(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return (x as object).constructor?.name ?? 'object';
}

const ROW_PREFIX = /^row (\d+): /;

/** A result value that does not fit its type, `where` a row number or a phrase (or empty). */
export function misfit(label: string, t: DataType, row: number | string, message: string): UdfResultError {
  const where = typeof row === 'number' ? `at row ${row}` : row;
  return new UdfResultError(
    `The result of ${label} does not fit its result type ${typeToString(t)} ${where}: ${message}`,
  );
}

/** A single-chunk vector (RecordBatch columns are one Data each). */
function oneChunk(v: arrow.Vector): arrow.Vector {
  if (v.data.length === 1) return v;
  const idx = new Int32Array(v.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return take(v, idx);
}

/**
 * Checks a vectorized result and returns it as one Arrow vector of `resultType`.
 *
 * @example
 * toResultVector('vectorized UDF \'plus\'', new Float64Array([1, 2]), 2, T.DOUBLE()); // zero-copy
 */
export function toResultVector(
  label: string,
  result: unknown,
  inputLength: number,
  resultType: DataType,
): arrow.Vector {
  const vec = vectorOf(result);
  const isColumn = vec !== undefined || isTypedArray(result) || Array.isArray(result);
  if (!isColumn) {
    throw new UdfResultError(
      `The result type of ${label} must be a Series, typed array or array, got ${kindOf(result)}`,
    );
  }
  const length = vec ? vec.length : (result as ArrayLike<unknown>).length;
  if (length !== inputLength) {
    throw new UdfResultError(
      `The result length '${length}' of ${label} is not equal to the input length '${inputLength}'`,
    );
  }
  if (vec) return fromVector(label, vec, resultType);
  if (isTypedArray(result)) {
    try {
      return columnFromTypedArray(resultType, result);
    } catch (e) {
      const msg = (e as Error).message;
      const m = ROW_PREFIX.exec(msg);
      throw m
        ? misfit(label, resultType, Number(m[1]), msg.slice(m[0].length))
        : misfit(label, resultType, '', msg);
    }
  }
  return fromValues(label, result as readonly unknown[], resultType);
}

function fromValues(label: string, values: readonly unknown[], resultType: DataType): arrow.Vector {
  const b = createColumnBuilder(resultType, values.length);
  let i = 0;
  try {
    for (; i < values.length; i++) b.append(values[i]);
  } catch (e) {
    throw misfit(label, resultType, i, (e as Error).message);
  }
  return b.finish();
}

// DataTypes are immutable plain objects: their Arrow type's text is computed once per object.
const arrowTextCache = new WeakMap<DataType, string>();

/** `String(toArrowType(t))`, cached per DataType object (checked once per batch and argument). */
export function arrowTypeText(t: DataType): string {
  let s = arrowTextCache.get(t);
  if (s === undefined) {
    s = String(toArrowType(t));
    arrowTextCache.set(t, s);
  }
  return s;
}

function fromVector(label: string, vec: arrow.Vector, resultType: DataType): arrow.Vector {
  if (String(vec.type) === arrowTypeText(resultType)) {
    if (!resultType.nullable && vec.nullCount > 0) {
      throw misfit(
        label,
        resultType,
        '',
        `${vec.nullCount} null(s) where ${typeToString(resultType)} allows none`,
      );
    }
    return oneChunk(vec);
  }
  let got: DataType;
  try {
    got = fromArrowType(vec.type, 'result');
  } catch {
    throw new UdfResultError(
      `The result of ${label} is a column of Arrow type ${String(vec.type)}, expected ${typeToString(resultType)}`,
    );
  }
  if (!(isNumericKind(got.kind) && isNumericKind(resultType.kind))) {
    throw new UdfResultError(
      `The result of ${label} is a Series of ${typeToString(got)}, expected ${typeToString(resultType)} (only numeric Series are cast, and only when no value changes)`,
    );
  }
  // Numeric → numeric: the builders refuse what does not fit (fractions for integers, out of range,
  // unsafe integers); FLOAT also refuses doubles that float32 cannot hold exactly.
  const get = makeVectorGetter(vec, got);
  const b: ColumnBuilder = createColumnBuilder(resultType, vec.length);
  const toFloat = resultType.kind === 'FLOAT';
  const n = vec.length;
  let i = 0;
  try {
    for (; i < n; i++) {
      const v = get(i);
      if (toFloat && typeof v === 'number' && Math.fround(v) !== v && !Number.isNaN(v)) {
        throw new RangeError(`value ${v} (${typeToString(got)}) cannot be held exactly by FLOAT`);
      }
      if (toFloat && typeof v === 'bigint' && BigInt(Math.fround(Number(v))) !== v) {
        throw new RangeError(`value ${v} (${typeToString(got)}) cannot be held exactly by FLOAT`);
      }
      b.append(v);
    }
  } catch (e) {
    throw misfit(
      label,
      resultType,
      i,
      `${(e as Error).message} (a ${typeToString(got)} Series is cast only when no value changes)`,
    );
  }
  return b.finish();
}

/**
 * Checks one aggregate result (a scalar of `resultType`) and appends it to `builder`;
 * `where` says which group (`for group 3`).
 */
export function appendScalarResult(
  label: string,
  value: unknown,
  builder: ColumnBuilder,
  where: string,
): void {
  const t = builder.type;
  if (
    t.kind !== 'ARRAY' &&
    t.kind !== 'BINARY' &&
    t.kind !== 'VARBINARY' &&
    (vectorOf(value) || isTypedArray(value))
  ) {
    throw new UdfResultError(
      `The result of ${label} must be one value of ${typeToString(t)}, got ${kindOf(value)}`,
    );
  }
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { then?: unknown }).then === 'function'
  ) {
    throw new UdfResultError(`The result of ${label} must be one value of ${typeToString(t)}, got Promise`);
  }
  try {
    builder.append(value);
  } catch (e) {
    throw misfit(label, t, where, (e as Error).message);
  }
}

export { describeValue };
