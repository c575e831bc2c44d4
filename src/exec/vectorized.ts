/**
 * The vectorized executor: each call runs once per batch over whole columns (`Series`), inner
 * calls first; its result is checked (column, length, values fit the type) and becomes one Arrow
 * column of the output batch, named after the call (`f0`, `f1`, … unless the plan names it).
 * Constants arrive as Series of the batch length (built once per length and reused). A row UDF in
 * the plan is run row by row over its argument columns, so any scalar plan runs here.
 *
 * @example
 * const plus = vectorizedUdf((a, b) => a.add(b), { inputTypes: ['DOUBLE', 'DOUBLE'], resultType: 'DOUBLE' });
 * const plan = compilePlan({ calls: [{ udf: plus, args: [{ column: 0 }, { column: 1 }] }] });
 * const out = await runVectorized(plan, batch); // one column 'f0'
 */
import * as arrow from 'apache-arrow';
import type { DeferredColumn } from '../codec/ipc-writer.js';
import { makeVectorGetter } from '../series/accessors.js';
import { createColumnBuilder } from '../series/column-builder.js';
import { DataFrame } from '../series/dataframe.js';
import { Series } from '../series/series.js';
import { type DataType, typeToString } from '../types/data-types.js';
import { arrowTypeText, toResultVector, UdfResultError, udfLabel } from '../udf/check-result.js';
import {
  columnsOfBatch,
  inputData,
  inputType,
  makeBatch,
  makeColumns,
  type NamedColumn,
  type ResultColumns,
} from './batch.js';
import { toResultColumn } from './deferred-column.js';
import { wrapUdfError } from './errors.js';
import { type CallMetrics, recordBatch } from './metrics.js';
import type { CompiledArg, CompiledCall, CompiledPlan } from './plan.js';
import { compileRowCall, fillColumn, isThenable } from './row-eval.js';
import { noteAsyncUdf, withUdfContext } from './udf-context.js';

/** A value, or the promise of it when a UDF on the way returned a promise. */
export type MaybePromise<T> = T | Promise<T>;

// The DataType of each input column, for the last input schema a plan saw: the decoder hands out
// the same Schema object while elements repeat it, so the mapping of Arrow fields to DataTypes
// (and its range check) runs once per schema rather than per batch.
const columnTypes = new WeakMap<CompiledPlan, { schema: arrow.Schema; types: DataType[] }>();

function columnType(plan: CompiledPlan, batch: arrow.RecordBatch, i: number): DataType {
  let known = columnTypes.get(plan);
  if (known?.schema !== batch.schema) {
    known = { schema: batch.schema, types: [] };
    columnTypes.set(plan, known);
  }
  return (known.types[i] ??= inputType(plan, batch, i)); // inputType does the range check
}

/** Per-batch state: input columns as Series (made on first use), the batch length. */
export class BatchContext {
  readonly n: number;
  readonly #columns: (Series | undefined)[] = [];
  /** Vectors handed to the UDFs that nothing changes while the batch lives: inputs, constants. */
  readonly #stable: arrow.Vector[] = [];
  constructor(
    readonly plan: CompiledPlan,
    readonly batch: arrow.RecordBatch,
    /** What the UDF calls work for (see udf-context.ts); undefined outside a worker. */
    readonly context?: unknown,
  ) {
    this.n = batch.numRows;
  }

  /** Input column i as a Series (zero-copy over the batch's Data). */
  column(i: number): Series {
    let s = this.#columns[i];
    if (!s) {
      const type = columnType(this.plan, this.batch, i);
      const data = inputData(this.batch, i);
      s = new Series(new arrow.Vector([data]), this.batch.schema.fields[i]!.name, type);
      this.#columns[i] = s;
      this.#stable.push(s.vector);
    }
    return s;
  }

  /** A constant argument column (cached across batches, read-only). */
  constant(arg: CompiledArg & { kind: 'constant' }): Series {
    const s = constantSeries(arg, this.n);
    if (!this.#stable.includes(s.vector)) this.#stable.push(s.vector);
    return s;
  }

  /**
   * Whether `v` is an input or constant column of this batch: memory no UDF owns, so a result
   * computed from it can wait until it is written (a UDF's own typed array may be reused by its
   * next call).
   */
  isStable = (v: arrow.Vector): boolean => this.#stable.includes(v);
}

// Constant columns, cached per compiled argument and length: building one is a loop of appends,
// reusing it costs nothing. (Arguments are read-only to UDFs.)
const constantCache = new WeakMap<CompiledArg, Map<number, Series>>();
const MAX_CACHED_LENGTHS = 8;

/** A Series of `length` copies of a constant argument. */
export function constantSeries(arg: CompiledArg & { kind: 'constant' }, length: number): Series {
  let byLength = constantCache.get(arg);
  if (!byLength) {
    byLength = new Map();
    constantCache.set(arg, byLength);
  }
  let s = byLength.get(length);
  if (!s) {
    const b = createColumnBuilder(arg.type, length);
    for (let i = 0; i < length; i++) b.append(arg.value);
    s = new Series(b.finish(), 'constant', arg.type);
    if (byLength.size >= MAX_CACHED_LENGTHS) byLength.clear();
    byLength.set(length, s);
  }
  return s;
}

// Arrow types found to have the layout of a declared type: the decoder reuses its type objects
// while the schema repeats, so the type texts are compared once per schema, not per batch.
const matched = new WeakMap<arrow.DataType, DataType>();

/** Checks that an argument column has the Arrow layout the UDF declares for it. */
export function checkArgType(
  call: CompiledCall,
  k: number,
  what: string,
  got: arrow.DataType,
  n: number,
): void {
  const declared = call.udf.inputTypes?.[k];
  if (!declared || matched.get(got) === declared) return;
  const want = arrowTypeText(declared);
  if (want === String(got)) matched.set(got, declared);
  else {
    throw wrapUdfError(
      call.udf.name,
      0,
      n - 1,
      new TypeError(
        `argument ${k} of ${udfLabel(call.udf.kind, call.udf.name)} is declared ${typeToString(declared)} (Arrow ${want}), but ${what} is Arrow ${String(got)}`,
      ),
    );
  }
}

/**
 * Evaluates one argument over the whole batch: synchronously, unless it is a call whose UDFs
 * returned a promise.
 */
export function evalArg(call: CompiledCall, k: number, ctx: BatchContext): MaybePromise<Series> {
  const a = call.args[k]!;
  if (a.kind === 'column') {
    const s = ctx.column(a.index);
    checkArgType(call, k, `input column ${a.index}`, s.vector.type, ctx.n);
    return s;
  }
  if (a.kind === 'constant') return ctx.constant(a);
  const inner = a.call;
  const asArg = (v: arrow.Vector): Series => {
    checkArgType(call, k, `the result of '${inner.udf.name}'`, v.type, ctx.n);
    return new Series(v, inner.output, inner.resultType);
  };
  const v = evalCall(inner, ctx);
  return v instanceof Promise ? v.then(asArg) : asArg(v);
}

/**
 * Evaluates a scalar call (vectorized or row UDF) over the batch; returns its checked result
 * column. Synchronous while every UDF involved returns synchronously — a batch of a plain UDF
 * costs no promise and no trip through the microtask queue — else a promise. Throws (or
 * rejects) with the UdfError of the call that failed.
 */
export function evalCall(call: CompiledCall, ctx: BatchContext): MaybePromise<arrow.Vector> {
  // toResultVector gives vectors only
  return evalCallTo(call, ctx, toResultVector) as MaybePromise<arrow.Vector>;
}

/** How a UDF's return value becomes a result column (checked): a vector, or a deferred column too. */
type ResultCheck = (
  label: string,
  result: unknown,
  n: number,
  type: DataType,
  stable: (v: arrow.Vector) => boolean,
  metrics: CallMetrics,
) => ResultColumn;
type ResultColumn = arrow.Vector | DeferredColumn;

/** {@link evalCall} with the result made a column by `check`. */
function evalCallTo(call: CompiledCall, ctx: BatchContext, check: ResultCheck): MaybePromise<ResultColumn> {
  const args: Series[] = [];
  for (let k = 0; k < call.args.length; k++) {
    const a = evalArg(call, k, ctx);
    if (a instanceof Promise)
      return restOfArgs(call, ctx, args, a).then((all) => applyCall(call, all, ctx, check));
    args.push(a);
  }
  return applyCall(call, args, ctx, check);
}

/** The arguments from the first one that returned a promise on, in order. */
async function restOfArgs(
  call: CompiledCall,
  ctx: BatchContext,
  args: Series[],
  pending: Promise<Series>,
): Promise<Series[]> {
  args.push(await pending);
  for (let k = args.length; k < call.args.length; k++) args.push(await evalArg(call, k, ctx));
  return args;
}

/** Calls the UDF of `call` over its evaluated arguments and checks what it returns. */
function applyCall(
  call: CompiledCall,
  args: Series[],
  ctx: BatchContext,
  check: ResultCheck,
): MaybePromise<ResultColumn> {
  const { udf } = call;
  const n = ctx.n;
  const t0 = performance.now();
  const done = (vector: ResultColumn): ResultColumn => {
    recordBatch(call.metrics, n, performance.now() - t0);
    return vector;
  };
  if (udf.kind === 'row') return rowUdfOverColumns(call, args, n, ctx.context).then(done);
  if (udf.kind !== 'vectorized') {
    throw new TypeError(`UDF '${udf.name}' is ${udf.kind}; it cannot be called as a scalar function`);
  }
  const label = udfLabel('vectorized', udf.name);
  let r: unknown;
  try {
    r = withUdfContext(ctx.context, [udf.fn], () => udf.fn(...args));
    if (!isThenable(r)) return done(check(label, r, n, call.resultType, ctx.isStable, call.metrics));
  } catch (e) {
    throw wrapUdfError(udf.name, 0, n - 1, e);
  }
  noteAsyncUdf(udf.fn);
  return Promise.resolve(r).then(
    (value) => {
      try {
        return done(check(label, value, n, call.resultType, ctx.isStable, call.metrics));
      } catch (e) {
        throw wrapUdfError(udf.name, 0, n - 1, e);
      }
    },
    (e: unknown) => {
      throw wrapUdfError(udf.name, 0, n - 1, e);
    },
  );
}

/** A row UDF inside a vectorized plan: its (already evaluated) argument columns read row by row. */
async function rowUdfOverColumns(
  call: CompiledCall,
  args: Series[],
  n: number,
  context: unknown,
): Promise<arrow.Vector> {
  const getters = args.map((s) => makeVectorGetter(s.vector, s.type));
  const flat: CompiledCall = { ...call, args: args.map((_, k) => ({ kind: 'column', index: k }) as const) };
  const rowFn = compileRowCall(flat, (k) => getters[k]!);
  const builder = createColumnBuilder(call.resultType, n);
  await withUdfContext(context, [call.udf.fn], () => fillColumn(call, rowFn, n, builder));
  return builder.finish();
}

/** Runs a scalar or mapBatches plan over one record batch. */
export async function runVectorized(
  plan: CompiledPlan,
  batch: arrow.RecordBatch,
  context?: unknown,
): Promise<arrow.RecordBatch> {
  return evaluateVectorized(plan, batch, context);
}

/**
 * `runVectorized` without a promise when every UDF of the plan returns synchronously (the
 * worker's path: one batch per data-plane element, where promise hops add up); with a promise
 * otherwise. Throws or rejects as `runVectorized` rejects.
 */
export function evaluateVectorized(
  plan: CompiledPlan,
  batch: arrow.RecordBatch,
  context?: unknown,
): MaybePromise<arrow.RecordBatch> {
  const ctx = newContext(plan, batch, context);
  if (plan.mode === 'map_batches') return runMapBatches(plan.calls[0]!, ctx);
  const out = evaluateCalls(plan, ctx, toResultVector) as MaybePromise<NamedColumn[]>;
  return out instanceof Promise ? out.then((o) => makeBatch(o, ctx.n, plan)) : makeBatch(out, ctx.n, plan);
}

/**
 * {@link evaluateVectorized} for a writer that encodes the result at once (the worker's element
 * runner): a top-level result that is a lazy float Series of the result type comes back as a
 * deferred column, computed straight into the outgoing message when it is written (see
 * deferred-column.ts); the inputs of `batch` must stay valid until then.
 */
export function evaluateVectorizedColumns(
  plan: CompiledPlan,
  batch: arrow.RecordBatch,
  context?: unknown,
): MaybePromise<ResultColumns> {
  const ctx = newContext(plan, batch, context);
  if (plan.mode === 'map_batches') return runMapBatches(plan.calls[0]!, ctx).then(columnsOfBatch);
  const out = evaluateCalls(plan, ctx, toResultColumn);
  return out instanceof Promise
    ? out.then((o) => makeColumns(o, ctx.n, plan))
    : makeColumns(out, ctx.n, plan);
}

function newContext(plan: CompiledPlan, batch: arrow.RecordBatch, context: unknown): BatchContext {
  if (plan.mode === 'aggregate') {
    throw new TypeError(
      'runVectorized runs scalar and mapBatches plans; use runAggregate for aggregate UDFs',
    );
  }
  return new BatchContext(plan, batch, context);
}

type OutputColumn = NamedColumn<ResultColumn>;

/** The top-level calls of a scalar plan, in order: synchronously while their UDFs are. */
function evaluateCalls(
  plan: CompiledPlan,
  ctx: BatchContext,
  check: ResultCheck,
): MaybePromise<OutputColumn[]> {
  const out: OutputColumn[] = [];
  for (let i = 0; i < plan.calls.length; i++) {
    const call = plan.calls[i]!;
    const v = evalCallTo(call, ctx, check);
    if (v instanceof Promise) return restOfCalls(plan, ctx, out, v, check);
    out.push({ name: call.output, type: call.resultType, vector: v });
  }
  return out;
}

/** The calls from the first one that returned a promise on. */
async function restOfCalls(
  plan: CompiledPlan,
  ctx: BatchContext,
  out: OutputColumn[],
  pending: Promise<ResultColumn>,
  check: ResultCheck,
): Promise<OutputColumn[]> {
  const first = plan.calls[out.length]!;
  out.push({ name: first.output, type: first.resultType, vector: await pending });
  for (let i = out.length; i < plan.calls.length; i++) {
    const call = plan.calls[i]!;
    out.push({ name: call.output, type: call.resultType, vector: await evalCallTo(call, ctx, check) });
  }
  return out;
}

/** A mapBatches call: a DataFrame of its arguments in, the columns of its ROW result type out. */
async function runMapBatches(call: CompiledCall, ctx: BatchContext): Promise<arrow.RecordBatch> {
  const { udf } = call;
  const n = ctx.n;
  const label = udfLabel('map_batches', udf.name);
  const columns: Record<string, Series> = {};
  for (let k = 0; k < call.args.length; k++) {
    const a = call.args[k]!;
    const s = await evalArg(call, k, ctx);
    let name =
      a.kind === 'column'
        ? ctx.batch.schema.fields[a.index]!.name
        : a.kind === 'call'
          ? a.call.output
          : `arg${k}`;
    if (name in columns) name = `${name}_${k}`;
    columns[name] = s;
  }
  const t0 = performance.now();
  const out: NamedColumn[] = [];
  try {
    const df = DataFrame.fromSeries(columns);
    let r: unknown = withUdfContext(ctx.context, [udf.fn], () => udf.fn(df));
    if (isThenable(r)) {
      noteAsyncUdf(udf.fn);
      r = await r;
    }
    const pick = columnPicker(label, r);
    const row = call.resultType as DataType & { kind: 'ROW' };
    for (const f of row.fields) {
      out.push({
        name: f.name,
        type: f.type,
        vector: toResultVector(`${label} (column '${f.name}')`, pick(f.name), n, f.type),
      });
    }
  } catch (e) {
    throw wrapUdfError(udf.name, 0, n - 1, e);
  }
  recordBatch(call.metrics, n, performance.now() - t0);
  return makeBatch(out, n, call);
}

/** Reads result columns by name from a DataFrame (any copy of vecudf) or a record of columns. */
function columnPicker(label: string, r: unknown): (name: string) => unknown {
  if (r !== null && typeof r === 'object') {
    const df = r as { col?: unknown; has?: unknown; columns?: unknown };
    if (typeof df.col === 'function' && typeof df.has === 'function') {
      return (name) => {
        if (!(df.has as (n: string) => boolean).call(r, name)) {
          throw new UdfResultError(
            `The result of ${label} has no column '${name}' (columns: ${String(df.columns)})`,
          );
        }
        return (df.col as (n: string) => unknown).call(r, name);
      };
    }
    if (!Array.isArray(r) && !ArrayBuffer.isView(r)) {
      return (name) => {
        if (!(name in r)) {
          throw new UdfResultError(
            `The result of ${label} has no column '${name}' (columns: ${Object.keys(r).join(', ')})`,
          );
        }
        return (r as Record<string, unknown>)[name];
      };
    }
  }
  const kind =
    r === null ? 'null' : typeof r === 'object' ? ((r as object).constructor?.name ?? 'object') : typeof r;
  throw new UdfResultError(
    `The result type of ${label} must be a DataFrame or a record of columns, got ${kind}`,
  );
}
