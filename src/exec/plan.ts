/**
 * The plan: a serializable description of one transform, mirroring Flink's
 * `UserDefinedFunctions` / `Input` messages (inputs by offset into the UDF input row, constants,
 * nested UDFs for chaining; one output column per top-level call, in order). Threads and worker
 * processes receive the plan, never functions, and load it once with `loadPlan`.
 *
 * @example
 * const plan: Plan = { calls: [
 *   { udf: { module: './udfs.ts', export: 'plus' }, args: [{ column: 0 }, { column: 1 }] },
 *   { udf: { module: './udfs.ts', export: 'scale' },
 *     args: [{ call: { udf: { module: './udfs.ts', export: 'plus' }, args: [{ column: 0 }, { column: 1 }] } },
 *            { constant: 2, type: 'DOUBLE' }] },
 * ] };
 * const compiled = await loadPlan(plan, { baseDir: process.cwd() });
 * const out = await runVectorized(compiled, batch);   // columns f0, f1
 */
import { type DataType, typeToString, withNullable } from '../types/data-types.js';
import { resolveType } from '../udf/define.js';
import { loadUdf, type UdfRef } from '../udf/load.js';
import type { Udf, UdfKind } from '../udf/types.js';
import { canonicalizer } from './canonical.js';
import { type CallMetrics, newCallMetrics } from './metrics.js';
import { constantFromJson, type JsonValue } from './plan-constants.js';

export type { UdfRef } from '../udf/load.js';

/** One argument of a call: a column of the UDF input row, a constant, or a nested call. */
export type ArgSpec =
  | { column: number }
  | { constant: JsonValue; type: DataType | string }
  | { call: CallSpec };

/** A UDF applied to arguments. `name` names the output column of a top-level call (default `f<i>`). */
export interface CallSpec {
  udf: UdfRef;
  args: ArgSpec[];
  name?: string;
}

/** A transform: one output column per top-level call. `inputTypes` types the UDF input row (needed by the row coder). */
export interface Plan {
  calls: CallSpec[];
  inputTypes?: (DataType | string)[];
}

/** The in-process twin of `Plan`: UDF objects instead of references, constants as JS values. */
export type MemArgSpec =
  | { column: number }
  | { constant: unknown; type: DataType | string }
  | { call: MemCallSpec };

export interface MemCallSpec {
  udf: Udf;
  args: MemArgSpec[];
  name?: string;
}

export interface MemPlan {
  calls: MemCallSpec[];
  inputTypes?: (DataType | string)[];
}

export type CompiledArg =
  | { readonly kind: 'column'; readonly index: number }
  | { readonly kind: 'constant'; readonly value: unknown; readonly type: DataType }
  | { readonly kind: 'call'; readonly call: CompiledCall };

export interface CompiledCall {
  readonly udf: Udf;
  readonly args: readonly CompiledArg[];
  /** Output column name for a top-level call; a path like `f0.arg1` for a nested one. */
  readonly output: string;
  readonly resultType: DataType;
  readonly metrics: CallMetrics;
}

/** What the executors run: `scalar` (vectorized and row UDFs), `aggregate`, or `map_batches`. */
export interface CompiledPlan {
  readonly mode: 'scalar' | 'aggregate' | 'map_batches';
  readonly calls: readonly CompiledCall[];
  readonly inputTypes: readonly DataType[] | undefined;
  /** One entry per call, nested ones included, in evaluation order; accumulated across batches. */
  readonly metrics: readonly CallMetrics[];
}

export interface LoadPlanOptions {
  /** Directory that relative module paths are resolved against. */
  baseDir: string;
  /** When given, UDF modules must live inside these directories (see `LoadUdfOptions.allowedDirs`). */
  allowedDirs?: readonly string[] | undefined;
}

/**
 * Loads every UDF the plan references (each module imported once) and compiles the plan.
 * Constants are decoded from their JSON form (see plan-constants.ts).
 */
export async function loadPlan(plan: Plan, opts: LoadPlanOptions): Promise<CompiledPlan> {
  if (plan === null || typeof plan !== 'object' || !Array.isArray(plan.calls)) {
    throw new TypeError('plan: expected { calls: CallSpec[] }');
  }
  const toMem = async (c: CallSpec, where: string): Promise<MemCallSpec> => {
    if (c === null || typeof c !== 'object' || !Array.isArray(c.args)) {
      throw new TypeError(`${where}: expected { udf, args: [] }`);
    }
    const udfObj = await loadUdf(c.udf, opts);
    const args: MemArgSpec[] = [];
    for (let i = 0; i < c.args.length; i++) {
      const a = c.args[i] as ArgSpec;
      if (a !== null && typeof a === 'object' && 'call' in a) {
        args.push({ call: await toMem(a.call, `${where}.args[${i}]`) });
      } else if (a !== null && typeof a === 'object' && 'constant' in a) {
        const type = resolveType(a.type, `${where}.args[${i}] constant type`);
        args.push({ constant: decodeConstant(a.constant, type, `${where}.args[${i}]`), type });
      } else {
        args.push(a as MemArgSpec);
      }
    }
    return c.name === undefined ? { udf: udfObj, args } : { udf: udfObj, args, name: c.name };
  };
  const calls: MemCallSpec[] = [];
  for (let i = 0; i < plan.calls.length; i++)
    calls.push(await toMem(plan.calls[i] as CallSpec, `plan.calls[${i}]`));
  return compilePlan(plan.inputTypes === undefined ? { calls } : { calls, inputTypes: plan.inputTypes });
}

function decodeConstant(json: JsonValue, type: DataType, where: string): unknown {
  try {
    return constantFromJson(json, type);
  } catch (e) {
    throw new TypeError(`${where}: ${(e as Error).message}`);
  }
}

const SCALAR_KINDS: readonly UdfKind[] = ['vectorized', 'row'];

/**
 * Compiles an in-memory plan (UDF objects, JS constants): checks argument counts, column
 * offsets, kinds, and that every constant fits its type. Used by `loadPlan` and directly by tests
 * and in-process callers.
 *
 * @example
 * const compiled = compilePlan({ calls: [{ udf: plus, args: [{ column: 0 }, { constant: 1, type: 'DOUBLE' }] }] });
 */
export function compilePlan(plan: MemPlan): CompiledPlan {
  if (plan === null || typeof plan !== 'object' || !Array.isArray(plan.calls) || plan.calls.length === 0) {
    throw new TypeError('plan: expected at least one call');
  }
  const inputTypes = plan.inputTypes?.map((t, i) => resolveType(t, `plan.inputTypes[${i}]`));
  const metrics: CallMetrics[] = [];
  const topKinds = new Set(plan.calls.map((c) => c.udf?.kind));
  let mode: CompiledPlan['mode'];
  if (topKinds.has('map_batches')) {
    if (plan.calls.length !== 1)
      throw new TypeError('plan: a mapBatches call must be the only call of its plan');
    mode = 'map_batches';
  } else if (topKinds.has('aggregate')) {
    if (topKinds.size !== 1) {
      throw new TypeError(
        'plan: aggregate UDFs cannot be mixed with scalar UDFs at the top level of one plan',
      );
    }
    mode = 'aggregate';
  } else {
    mode = 'scalar';
  }

  const compileCall = (c: MemCallSpec, output: string, nested: boolean): CompiledCall => {
    const u = c?.udf;
    if (!u || typeof u.fn !== 'function' || typeof u.kind !== 'string') {
      throw new TypeError(
        `${output}: not a UDF object (make one with udf, vectorizedUdf, vectorizedUdaf or mapBatches)`,
      );
    }
    if (nested && !SCALAR_KINDS.includes(u.kind)) {
      throw new TypeError(
        `${output}: UDF '${u.name}' is ${u.kind}; only scalar UDFs can be nested as arguments`,
      );
    }
    if (!Array.isArray(c.args)) throw new TypeError(`${output}: args must be an array`);
    if (u.inputTypes && u.inputTypes.length !== c.args.length) {
      throw new TypeError(
        `${output}: UDF '${u.name}' takes ${u.inputTypes.length} argument(s), the plan gives ${c.args.length}`,
      );
    }
    // Nested calls are compiled (and their metrics registered) before the call that uses them.
    const args = c.args.map((a, i): CompiledArg => compileArg(a, `${output}.arg${i}`, u.inputTypes?.[i]));
    const m = newCallMetrics(output, u.name);
    metrics.push(m);
    return { udf: u, args, output, resultType: u.resultType, metrics: m };
  };

  const compileArg = (a: MemArgSpec, where: string, declared: DataType | undefined): CompiledArg => {
    if (a === null || typeof a !== 'object')
      throw new TypeError(`${where}: expected { column } | { constant, type } | { call }`);
    if ('call' in a) return { kind: 'call', call: compileCall(a.call, where, true) };
    if ('constant' in a) {
      // A constant takes the type the UDF declares for its argument (as Flink casts a literal),
      // and its canonical value for that type, so that every executor passes the same value.
      const type = declared ?? resolveType(a.type, `${where} constant type`);
      let value: unknown;
      try {
        value = canonicalizer(withNullable(type, true))(a.constant);
      } catch (e) {
        throw new TypeError(`${where}: constant does not fit ${typeToString(type)}: ${(e as Error).message}`);
      }
      return { kind: 'constant', value, type };
    }
    if ('column' in a) {
      const i = a.column;
      if (!Number.isInteger(i) || i < 0)
        throw new TypeError(`${where}: column must be a non-negative integer, got ${i}`);
      if (inputTypes && i >= inputTypes.length) {
        throw new TypeError(
          `${where}: column ${i} is out of range; the input row has ${inputTypes.length} column(s)`,
        );
      }
      return { kind: 'column', index: i };
    }
    throw new TypeError(`${where}: expected { column } | { constant, type } | { call }`);
  };

  const names = new Set<string>();
  const calls = plan.calls.map((c, i) => {
    const output = c.name ?? `f${i}`;
    if (names.has(output)) throw new TypeError(`plan: two calls write the output column '${output}'`);
    names.add(output);
    return compileCall(c, output, false);
  });
  return { mode, calls, inputTypes, metrics };
}
