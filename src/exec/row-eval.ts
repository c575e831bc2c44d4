/**
 * Per-row evaluation of a call tree, shared by the row-wise executors (over Arrow buffers and over
 * row-coder bytes) and by the vectorized executor when a plan holds a row UDF. A call compiles to
 * one closure `(i) => value` specialised by arity, so a row costs the argument reads, one call of
 * the user function and nothing else: no per-row objects, no argument arrays for up to three
 * arguments (one reused array beyond). Async UDFs are awaited only when a promise actually comes
 * back. Nested results are made canonical (see canonical.ts) so both modes agree.
 */

import type { ColumnBuilder } from '../series/column-builder.js';
import { typeToString } from '../types/data-types.js';
import { UdfResultError, udfLabel } from '../udf/check-result.js';
import { canonicalizer } from './canonical.js';
import { UdfError, wrapUdfError } from './errors.js';
import type { CompiledCall } from './plan.js';
import { isThenable, noteAsyncUdf } from './udf-context.js';

/** Value of row i (a promise when an async UDF answered with one). */
export type RowFn = (i: number) => unknown;

export { isThenable };

/**
 * Compiles `call` (and its nested calls) for per-row evaluation. `column(k)` returns the reader of
 * input column k; the row index given to it is the one given to the compiled function.
 */
export function compileRowCall(call: CompiledCall, column: (index: number) => RowFn): RowFn {
  return compile(call, column, false);
}

function compile(call: CompiledCall, column: (index: number) => RowFn, nested: boolean): RowFn {
  const { udf } = call;
  if (udf.kind !== 'row') {
    throw new TypeError(
      `UDF '${udf.name}' is ${udf.kind}: the row-wise executors run row UDFs (made with udf()); run it with runVectorized`,
    );
  }
  const args: RowFn[] = call.args.map((a) => {
    if (a.kind === 'column') return column(a.index);
    if (a.kind === 'constant') {
      const value = a.value;
      return () => value;
    }
    return compile(a.call, column, true);
  });
  const fn = udf.fn;
  const name = udf.name;
  let done: (v: unknown, i: number) => unknown;
  if (nested) {
    const canon = canonicalizer(call.resultType);
    const label = udfLabel('row', name);
    done = (v, i) => {
      try {
        return canon(v);
      } catch (e) {
        throw new UdfError(
          name,
          i,
          i,
          new UdfResultError(
            `The result of ${label} does not fit its result type ${typeToString(call.resultType)} at row ${i}: ${(e as Error).message}`,
          ),
        );
      }
    };
  } else {
    done = (v) => v;
  }
  const settle = (r: unknown, i: number): unknown => {
    if (!isThenable(r)) return done(r, i);
    // its next calls keep their bundle context across awaits (see udf-context.ts)
    noteAsyncUdf(fn);
    return Promise.resolve(r).then(
      (v) => done(v, i),
      (e) => {
        throw wrapUdfError(name, i, i, e);
      },
    );
  };
  const later = (xs: unknown[], i: number): Promise<unknown> =>
    Promise.all(xs).then((ys) => {
      let r: unknown;
      try {
        r = fn(...ys);
      } catch (e) {
        throw wrapUdfError(name, i, i, e);
      }
      return settle(r, i);
    });

  switch (args.length) {
    case 0:
      return (i) => {
        let r: unknown;
        try {
          r = fn();
        } catch (e) {
          throw wrapUdfError(name, i, i, e);
        }
        return settle(r, i);
      };
    case 1: {
      const a0 = args[0]!;
      return (i) => {
        const x0 = a0(i);
        if (isThenable(x0)) return later([x0], i);
        let r: unknown;
        try {
          r = fn(x0);
        } catch (e) {
          throw wrapUdfError(name, i, i, e);
        }
        return isThenable(r) || nested ? settle(r, i) : r;
      };
    }
    case 2: {
      const a0 = args[0]!;
      const a1 = args[1]!;
      return (i) => {
        const x0 = a0(i);
        const x1 = a1(i);
        if (isThenable(x0) || isThenable(x1)) return later([x0, x1], i);
        let r: unknown;
        try {
          r = fn(x0, x1);
        } catch (e) {
          throw wrapUdfError(name, i, i, e);
        }
        return isThenable(r) || nested ? settle(r, i) : r;
      };
    }
    case 3: {
      const a0 = args[0]!;
      const a1 = args[1]!;
      const a2 = args[2]!;
      return (i) => {
        const x0 = a0(i);
        const x1 = a1(i);
        const x2 = a2(i);
        if (isThenable(x0) || isThenable(x1) || isThenable(x2)) return later([x0, x1, x2], i);
        let r: unknown;
        try {
          r = fn(x0, x1, x2);
        } catch (e) {
          throw wrapUdfError(name, i, i, e);
        }
        return isThenable(r) || nested ? settle(r, i) : r;
      };
    }
    default: {
      const n = args.length;
      const xs = new Array<unknown>(n);
      return (i) => {
        let pending = false;
        for (let k = 0; k < n; k++) {
          const x = args[k]!(i);
          xs[k] = x;
          if (isThenable(x)) pending = true;
        }
        if (pending) return later(xs.slice(), i);
        let r: unknown;
        try {
          r = fn.apply(undefined, xs);
        } catch (e) {
          throw wrapUdfError(name, i, i, e);
        }
        return isThenable(r) || nested ? settle(r, i) : r;
      };
    }
  }
}

/**
 * Runs `rowFn` over rows `[0, n)` and appends each result to `builder` (checked against the result
 * type). Stays synchronous until a promise comes back, then awaits row by row, in order.
 */
/** The user functions of a call and of the calls nested in it. */
export function udfFns(call: CompiledCall): object[] {
  const out: object[] = [call.udf.fn];
  for (const a of call.args) if (a.kind === 'call') out.push(...udfFns(a.call));
  return out;
}

export async function fillColumn(
  call: CompiledCall,
  rowFn: RowFn,
  n: number,
  builder: ColumnBuilder,
): Promise<void> {
  const label = udfLabel('row', call.udf.name);
  for (let i = 0; i < n; i++) {
    let v = rowFn(i);
    if (isThenable(v)) v = await v;
    try {
      builder.append(v);
    } catch (e) {
      throw wrapUdfError(call.udf.name, i, i, resultMisfit(label, call, i, e));
    }
  }
}

function resultMisfit(label: string, call: CompiledCall, i: number, e: unknown): UdfResultError {
  return new UdfResultError(
    `The result of ${label} does not fit its result type ${typeToString(call.resultType)} at row ${i}: ${(e as Error).message}`,
  );
}
