/**
 * Results whose values are written straight into the outgoing message. A vectorized UDF that
 * returns a lazy float Series (`a.add(b)`, kernels/fused.ts) has not computed anything yet; on the
 * worker's path its fused loop then runs once, into the message buffer that carries the result
 * element, instead of into a fresh column (8 bytes a row of new external memory) that the writer
 * then copies. The result is checked as any other (length, type, NOT NULL) when the UDF returns:
 * only the value loop waits for the write, and it cannot fail. Only an expression over the
 * batch's own input and constant columns waits: one over a UDF's own typed array is computed at
 * once, since the UDF may refill that array on its next call, before this result is written. The
 * user's Series is left lazy, so if the UDF reads it later it evaluates on its own.
 *
 * @example
 * const col = toResultColumn(label, a.add(b), n, T.DOUBLE()); // a DeferredColumn, nothing computed
 * encoder.planColumns([col], n).write(message, pos);          // values computed into `message`
 */
import * as arrow from 'apache-arrow';
import type { DeferredColumn } from '../codec/ipc-writer.js';
import { countAllValid, writeAndValidity } from '../series/bitmap.js';
import { type Expr, type PreparedExpr, prepare } from '../series/kernels/fused.js';
import { pendingFusedExpr } from '../series/series.js';
import { type DataType, typeToString } from '../types/data-types.js';
import { arrowTypeText, misfit, toResultVector, UdfResultError } from '../udf/check-result.js';
import type { CallMetrics } from './metrics.js';

const FLOAT64 = new arrow.Float64();
const FLOAT32 = new arrow.Float32();

/** Values computed where the message is not aligned for a float view, then copied (reused). */
let scratch = new ArrayBuffer(0);

function scratchOf(bytes: number): ArrayBuffer {
  if (scratch.byteLength < bytes) scratch = new ArrayBuffer(Math.max(bytes, 2 * scratch.byteLength));
  return scratch;
}

/** A prepared fused expression as a column whose values are computed when they are written. */
class FusedColumn implements DeferredColumn {
  readonly type: arrow.Float64 | arrow.Float32;
  readonly length: number;
  readonly nullCount: number;
  readonly valueBytes: number;
  readonly #p: PreparedExpr;
  readonly #metrics: CallMetrics | undefined;

  constructor(p: PreparedExpr, nullCount: number, metrics: CallMetrics | undefined) {
    this.#p = p;
    this.#metrics = metrics;
    this.type = p.kind === 'f64' ? FLOAT64 : FLOAT32;
    this.length = p.length;
    this.nullCount = nullCount;
    this.valueBytes = p.length * (p.kind === 'f64' ? 8 : 4);
  }

  writeValidity(out: Uint8Array, pos: number): void {
    // the bytes evaluate() would build (andValidity), without a bitmap of their own
    writeAndValidity(this.#p.validityInputs, this.length, out, pos);
  }

  writeValues(out: Uint8Array, pos: number): void {
    if (this.length === 0) return;
    // The UDF's work happens here, after it returned: its time goes to the call's UDF time
    // (reported with a later batch of the plan, whichever comes next), not to the encoding.
    const t0 = performance.now();
    this.#writeValues(out, pos);
    if (this.#metrics) this.#metrics.ms += performance.now() - t0;
  }

  #writeValues(out: Uint8Array, pos: number): void {
    const n = this.length;
    const f64 = this.#p.kind === 'f64';
    const at = out.byteOffset + pos;
    if (at % (f64 ? 8 : 4) === 0) {
      // the usual case: the data channel lays out its messages so that this lands aligned
      this.#p.run(f64 ? new Float64Array(out.buffer, at, n) : new Float32Array(out.buffer, at, n));
      return;
    }
    const s = scratchOf(this.valueBytes);
    this.#p.run(f64 ? new Float64Array(s, 0, n) : new Float32Array(s, 0, n));
    out.set(new Uint8Array(s, 0, this.valueBytes), pos);
  }
}

/**
 * The checked result of a vectorized UDF as a column for the element writer: a
 * {@link DeferredColumn} when it is a lazy float Series of exactly the result type (DOUBLE for a
 * float64 expression, FLOAT for float32) over columns that `stable` vouches for (the batch's
 * inputs and constants: a UDF may refill its own typed array on its next call, before this one
 * is written), else the vector `toResultVector` gives — computed now. Throws the same errors as
 * `toResultVector` (wrong length, nulls in a NOT NULL result).
 */
export function toResultColumn(
  label: string,
  result: unknown,
  inputLength: number,
  resultType: DataType,
  stable: (v: arrow.Vector) => boolean = () => false,
  metrics?: CallMetrics,
): arrow.Vector | DeferredColumn {
  const expr = pendingFusedExpr(result);
  if (
    expr !== null &&
    arrowTypeText(resultType) === (expr.kind === 'f64' ? 'Float64' : 'Float32') &&
    leavesAre(expr, stable)
  ) {
    const length = (result as { length: number }).length;
    if (length !== inputLength) {
      throw new UdfResultError(
        `The result length '${length}' of ${label} is not equal to the input length '${inputLength}'`,
      );
    }
    const p = prepare(expr, length);
    const nulls = length - countAllValid(p.validityInputs, length);
    if (!resultType.nullable && nulls > 0) {
      throw misfit(label, resultType, '', `${nulls} null(s) where ${typeToString(resultType)} allows none`);
    }
    return new FusedColumn(p, nulls, metrics);
  }
  return toResultVector(label, result, inputLength, resultType);
}

/** Whether every column leaf of `e` satisfies `ok`. */
function leavesAre(e: Expr, ok: (v: arrow.Vector) => boolean): boolean {
  switch (e.t) {
    case 'leaf':
      return ok(e.vector);
    case 'const':
      return true;
    case 'bin':
      return leavesAre(e.left, ok) && leavesAre(e.right, ok);
    case 'un':
      return leavesAre(e.arg, ok);
  }
}
