/**
 * The shapes every UDF object shares. A UDF is a plain object with a brand, so that a module
 * loaded by `module#export` can be told apart from any other export, and so that it survives
 * being re-exported or spread into a registry.
 */
import type { DataType } from '../types/data-types.js';

/** How a UDF is called: row-wise (scalars), vectorized (Series), aggregate (Series → scalar), map_batches (DataFrame). */
export type UdfKind = 'vectorized' | 'row' | 'aggregate' | 'map_batches';

export const UDF_KINDS: readonly UdfKind[] = ['vectorized', 'row', 'aggregate', 'map_batches'];

/** Marks objects built by `udf`, `vectorizedUdf`, `vectorizedUdaf`, `mapBatches`. */
export const UDF_BRAND: unique symbol = Symbol.for('vecudf.udf');

/** What a UDF author writes in the second argument of the factories. Types may be DataTypes or Flink SQL strings. */
export interface UdfSpec {
  /** Used in errors and metrics; defaults to the function's own name. */
  name?: string;
  /** One per argument. Optional: when left out, the types come from the argument columns. */
  inputTypes?: readonly (DataType | string)[];
  /** The type of the result (for `mapBatches`: a ROW whose fields are the output columns). */
  resultType: DataType | string;
}

// biome-ignore lint/suspicious/noExplicitAny: user functions take any arguments
export type AnyFn = (...args: any[]) => unknown;

/** A UDF object: what the executors run. */
export interface Udf<F extends AnyFn = AnyFn> {
  readonly [UDF_BRAND]: true;
  readonly kind: UdfKind;
  readonly fn: F;
  readonly name: string;
  /** Undefined when the spec gave none: the argument columns' types are used. */
  readonly inputTypes: readonly DataType[] | undefined;
  readonly resultType: DataType;
}

/** True for objects made by the UDF factories (in this or another copy of vecudf). */
export function isUdf(x: unknown): x is Udf {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[UDF_BRAND] === true;
}
