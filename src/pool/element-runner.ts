/**
 * Runs one data-plane element through a plan: the work of one pool task, the same on a worker
 * thread and on the main thread. In Arrow mode the bytes are one data-plane element's payload
 * (the IPC stream of schema + one record batch that follows the varint length prefix, see
 * codec/arrow-frame.ts): decoded zero-copy (after one copy if not 8-byte aligned), run by the
 * vectorized or aggregate executor, encoded as a payload of the same shape (the caller writes the
 * prefix). In row mode the bytes are one or more whole framed rows, run by the row-wise coded
 * executor, which reads and writes the framing itself (one result row per input row). Each plan
 * is loaded (UDF modules imported) and compiled once per key, on first use, and keeps its own
 * encoder (which caches the result schema's bytes).
 */
import type * as arrow from 'apache-arrow';
import { ArrowFrameEncoder, decodeArrowPayload, type PlannedElement } from '../codec/arrow-frame.js';
import { runRowWiseCoded } from '../codec/row-coder-exec.js';
import { runAggregate } from '../exec/aggregate.js';
import { columnsOfBatch, type ResultColumns } from '../exec/batch.js';
import { checkInputSchema } from '../exec/input-schema.js';
import { type CallMetrics, copyMetrics, resetMetrics } from '../exec/metrics.js';
import { type CompiledPlan, type LoadPlanOptions, loadPlan, type Plan } from '../exec/plan.js';
import { withAsyncUdfContext } from '../exec/udf-context.js';
import { evaluateVectorized, evaluateVectorizedColumns } from '../exec/vectorized.js';
import type { ElementMode } from './options.js';
import type { DeferredElement } from './types.js';

export interface ElementOutput {
  bytes: Uint8Array;
  rowsOut: number;
  /** Per-call UDF metrics counted since the previous output (or `takeMetrics`) of this plan. */
  metrics: CallMetrics[];
}

/** An Arrow element's result, not encoded yet (see `ElementRunner.runDeferred`). */
export interface DeferredOutput {
  element: DeferredElement;
  rowsOut: number;
  metrics: CallMetrics[];
}

export interface ElementRunnerOptions {
  /**
   * Where encoded results are written (at least `n` bytes, 8-byte aligned; default fresh memory):
   * a pool whose buffers the caller recycles once it has copied the result out.
   */
  allocateOutput?: (n: number) => Uint8Array;
}

export class ElementRunner {
  readonly #opts: LoadPlanOptions;
  readonly #allocate: ((n: number) => Uint8Array) | undefined;
  readonly #plans = new Map<string, Promise<CompiledPlan>>();
  readonly #loaded = new Map<string, CompiledPlan>();
  readonly #encoders = new Map<string, ArrowFrameEncoder>();

  constructor(opts: LoadPlanOptions, runnerOpts: ElementRunnerOptions = {}) {
    this.#opts = opts;
    this.#allocate = runnerOpts.allocateOutput;
  }

  /**
   * The compiled plan for `planKey`, loading it on first use (a failed load is retried next time);
   * what the UDF modules print while they load is tagged with `context`.
   */
  compiled(planKey: string, plan: Plan, context?: unknown): CompiledPlan | Promise<CompiledPlan> {
    const done = this.#loaded.get(planKey);
    if (done) return done;
    let p = this.#plans.get(planKey);
    if (!p) {
      p =
        context === undefined
          ? loadPlan(plan, this.#opts)
          : withAsyncUdfContext(context, () => loadPlan(plan, this.#opts));
      this.#plans.set(planKey, p);
      p.then(
        (c) => this.#loaded.set(planKey, c),
        () => this.#plans.delete(planKey),
      );
    }
    return p;
  }

  /**
   * Runs the element; `info.rowsIn` is set as soon as the input is decoded, so that a failing
   * task still reports its size. `context` is what the UDF calls work for (the bundle; see
   * exec/udf-context.ts), for tagging what they print.
   */
  async run(
    planKey: string,
    plan: Plan,
    bytes: Uint8Array,
    mode: ElementMode,
    info: { rowsIn: number },
    context?: unknown,
  ): Promise<ElementOutput> {
    const c = this.compiled(planKey, plan, context);
    const compiled = c instanceof Promise ? await c : c;
    if (mode === 'row') {
      const out = await runRowWiseCoded(compiled, bytes, { context });
      const metrics = this.#take(compiled);
      const rows = metrics[0]?.rows ?? 0;
      info.rowsIn = rows;
      return { bytes: out, rowsOut: rows, metrics };
    }
    const result = await this.#execute(compiled, bytes, info, context);
    const element = this.#encoder(planKey, result.schema).encode(result);
    // The payload without its prefix: a view into the element's own buffer (moved whole, no copy).
    return {
      bytes: element.subarray(prefixSize(element)),
      rowsOut: result.numRows,
      metrics: this.#take(compiled),
    };
  }

  /**
   * Runs an Arrow element and returns its result element to be written later, straight into the
   * message that carries it (no buffer of its own). The result is checked here, and its size
   * known; only the copy of its columns waits for `write`. The output comes synchronously once
   * the plan is loaded, while its UDFs return synchronously (the main thread's per-element path,
   * where each promise hop costs); else as a promise. A failure is thrown or rejected alike.
   */
  runDeferred(
    planKey: string,
    plan: Plan,
    bytes: Uint8Array,
    info: { rowsIn: number },
    context?: unknown,
  ): DeferredOutput | Promise<DeferredOutput> {
    const c = this.compiled(planKey, plan, context);
    if (c instanceof Promise)
      return c.then((compiled) => this.#runDeferred(planKey, compiled, bytes, info, context));
    return this.#runDeferred(planKey, c, bytes, info, context);
  }

  #runDeferred(
    planKey: string,
    compiled: CompiledPlan,
    bytes: Uint8Array,
    info: { rowsIn: number },
    context: unknown,
  ): DeferredOutput | Promise<DeferredOutput> {
    const batch = this.#decode(compiled, bytes, info);
    // a lazy float result stays lazy: computed straight into the message (exec/deferred-column.ts)
    const result =
      compiled.mode === 'aggregate'
        ? runAggregate(compiled, batch, [], context).then(columnsOfBatch)
        : evaluateVectorizedColumns(compiled, batch, context);
    if (result instanceof Promise) return result.then((r) => this.#defer(planKey, compiled, r));
    return this.#defer(planKey, compiled, result);
  }

  #defer(planKey: string, compiled: CompiledPlan, result: ResultColumns): DeferredOutput {
    // planned once: its size now, its bytes when the message is written
    const planned = this.#encoder(planKey, result.schema).planColumns(result.columns, result.numRows);
    return { element: new DeferredResult(planned), rowsOut: result.numRows, metrics: this.#take(compiled) };
  }

  /**
   * Decodes an Arrow element and runs the vectorized or aggregate executor over its batch (the
   * vectorized one without a promise while its UDFs return synchronously).
   */
  #execute(
    compiled: CompiledPlan,
    bytes: Uint8Array,
    info: { rowsIn: number },
    context: unknown,
  ): arrow.RecordBatch | Promise<arrow.RecordBatch> {
    const batch = this.#decode(compiled, bytes, info);
    return compiled.mode === 'aggregate'
      ? runAggregate(compiled, batch, [], context)
      : evaluateVectorized(compiled, batch, context);
  }

  /** The input batch of an Arrow element, its schema checked against the plan's input types. */
  #decode(compiled: CompiledPlan, bytes: Uint8Array, info: { rowsIn: number }): arrow.RecordBatch {
    const batch = decodeOne(bytes);
    info.rowsIn = batch.numRows;
    if (compiled.inputTypes) checkInputSchema(batch, compiled.inputTypes);
    return batch;
  }

  #encoder(planKey: string, schema: arrow.Schema): ArrowFrameEncoder {
    let e = this.#encoders.get(planKey);
    if (!e || !sameLayout(e.schema, schema)) {
      e = new ArrowFrameEncoder(schema, this.#allocate ? { allocate: this.#allocate } : {});
      this.#encoders.set(planKey, e);
    }
    return e;
  }

  /** The plan's metrics since they were last taken (a failed task's share included). */
  takeMetrics(planKey: string): CallMetrics[] {
    const compiled = this.#loaded.get(planKey);
    return compiled ? this.#take(compiled) : [];
  }

  #take(compiled: CompiledPlan): CallMetrics[] {
    const m = copyMetrics(compiled.metrics);
    resetMetrics(compiled.metrics);
    return m;
  }
}

/** The one record batch of an element's payload. */
function decodeOne(bytes: Uint8Array): arrow.RecordBatch {
  // Column buffers are read in place (the runner aligns them in its messages); only a buffer at a
  // misaligned position is copied. The parsed schema is reused while elements repeat it.
  return decodeArrowPayload(bytes);
}

/** Bytes of the varint length prefix the encoder wrote. */
function prefixSize(element: Uint8Array): number {
  let i = 0;
  while (element[i]! >= 128) i++;
  return i + 1;
}

/** A result element planned by the encoder, written when its message is. */
class DeferredResult implements DeferredElement {
  readonly size: number;
  readonly prefix: number;
  readonly #planned: PlannedElement;

  constructor(planned: PlannedElement) {
    this.#planned = planned;
    this.size = planned.size;
    this.prefix = planned.alignAt;
  }

  write(out: Uint8Array, pos: number): number {
    return this.#planned.write(out, pos);
  }
}

/** Same field names, types and nullability: the cached schema bytes still describe the batch. */
function sameLayout(a: arrow.Schema, b: arrow.Schema): boolean {
  if (a === b) return true;
  if (a.fields.length !== b.fields.length) return false;
  for (let i = 0; i < a.fields.length; i++) {
    const x = a.fields[i]!;
    const y = b.fields[i]!;
    if (x.name !== y.name || x.nullable !== y.nullable || String(x.type) !== String(y.type)) return false;
  }
  return true;
}
