/**
 * What every cast kernel shares: the input's validity, the rule for a value that cannot be
 * converted (throw, naming the row and the value, or null it with `{ invalid: 'null' }`), and the
 * wrapping of the output.
 */
import type * as arrow from 'apache-arrow';
import { type DataType, typeToString } from '../../types/data-types.js';
import { ALL_VALID, copyValidity, type Validity, ValidityEditor, wordsOf } from '../bitmap.js';
import { vectorValidity } from './layout.js';

/** Options of `Series.cast`. */
export interface CastOptions {
  /** What a value that cannot be converted becomes: an error (default) or null (TRY_CAST). */
  readonly invalid?: 'error' | 'null';
}

/** A value that does not convert to the target type. */
export class CastError extends RangeError {
  override readonly name = 'CastError';
}

/** One cast over one vector: input validity, added nulls, errors. */
export class CastRun {
  readonly n: number;
  readonly base: Validity;
  readonly valid: Int32Array | null;
  private readonly nulls: ValidityEditor;
  constructor(
    readonly vector: arrow.Vector,
    readonly from: DataType,
    readonly to: DataType,
    readonly opts: CastOptions,
  ) {
    this.n = vector.length;
    const v = vectorValidity(vector);
    this.base = v ? copyValidity(v, this.n) : ALL_VALID;
    this.valid = v ? wordsOf(v.bits, v.offset, this.n) : null;
    this.nulls = new ValidityEditor(this.base, this.n);
  }

  /** Whether row i of the input is valid. */
  isValid(i: number): boolean {
    const w = this.valid;
    return w === null || ((w[i >>> 5]! >>> (i & 31)) & 1) !== 0;
  }

  /** Row i (a valid row) cannot be converted: throw, or make it null. */
  bad(i: number, why: string): void {
    if (!this.isValid(i)) return;
    if (this.opts.invalid === 'null') this.nulls.clear(i);
    else throw new CastError(`cast ${typeToString(this.from)} to ${typeToString(this.to)}: row ${i}: ${why}`);
  }

  /** The output validity: the input's plus the rows made null. */
  validity(): Validity {
    return this.nulls.finish();
  }
}

/** The double with the fewest significant digits that rounds to the same float32. */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  for (let p = 1; p <= 9; p++) {
    const c = Number(v.toPrecision(p));
    if (Math.fround(c) === v) return c;
  }
  return v;
}
