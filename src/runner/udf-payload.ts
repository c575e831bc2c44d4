/**
 * The transform payload: Flink's `UserDefinedFunctions` message built from a plan, as
 * `ProtoUtils.createUserDefinedFunctionsProto` builds it — one `UserDefinedFunction` per
 * top-level call (one output column each, in order), inputs by offset into the UDF input row,
 * constants, and nested functions for chained calls; `is_pandas_udf` true for vectorized and
 * aggregate UDFs, false for row-wise ones.
 *
 * The one difference from Flink: `UserDefinedFunction.payload` is UTF-8 JSON naming the UDF,
 * `{"module": "/abs/path.ts", "export": "plus"}` plus `kind`, `inputTypes`, `resultType` (Flink
 * SQL type strings) and `name` when the plan gives them (a plain function needs kind and
 * resultType). Module paths are made absolute here, so the worker finds them whatever its
 * working directory. A constant is `inputConstant` = one tag byte (0) + UTF-8 JSON
 * `{"type": "<Flink SQL type>", "value": <the plan's JSON form of the value>}`.
 *
 * @example
 * const udfs = buildUserDefinedFunctions(plan, { baseDir: process.cwd() });
 * const payload = UserDefinedFunctions.encode(udfs).finish();
 */
import { isAbsolute, resolve } from 'node:path';
import type { ArgSpec, CallSpec, Plan } from '../exec/plan.js';
import type { Input, UserDefinedFunction, UserDefinedFunctions } from '../proto/flink.js';
import { type DataType, typeToString } from '../types/data-types.js';
import type { UdfKind } from '../udf/types.js';

export interface PayloadOptions {
  /** Directory relative module paths are resolved against. */
  baseDir: string;
  /** Kind of each call's UDF, as loaded. */
  kindOf: (call: CallSpec) => UdfKind;
  /** Flink's `metric_enabled` (default true: the worker reports per-UDF metrics). */
  metricEnabled?: boolean;
  /** Global job parameters, passed to the UDFs' open(). */
  jobParameters?: Record<string, string>;
}

const encoder = new TextEncoder();

function typeText(t: DataType | string): string {
  return typeof t === 'string' ? t : typeToString(t);
}

/** Absolute path (or file: URL kept as is) of a module reference. */
export function absoluteModule(module: string, baseDir: string): string {
  if (module.startsWith('file:')) return module;
  return isAbsolute(module) ? module : resolve(baseDir, module);
}

/** The JSON payload of one UDF reference. */
export function udfPayloadJson(call: CallSpec, baseDir: string): Record<string, unknown> {
  const ref = call.udf;
  const json: Record<string, unknown> = { module: absoluteModule(ref.module, baseDir), export: ref.export };
  if (ref.kind !== undefined) json.kind = ref.kind;
  if (ref.inputTypes !== undefined) json.inputTypes = ref.inputTypes.map(typeText);
  if (ref.resultType !== undefined) json.resultType = typeText(ref.resultType);
  if (ref.name !== undefined) json.name = ref.name;
  return json;
}

function constantBytes(value: unknown, type: DataType | string): Uint8Array {
  const body = encoder.encode(JSON.stringify({ type: typeText(type), value }));
  const out = new Uint8Array(body.length + 1);
  out[0] = 0; // Flink's tag 0: a plain value (1–3 are DATE/TIME/TIMESTAMP in Flink's pickled form)
  out.set(body, 1);
  return out;
}

function buildFunction(call: CallSpec, opts: PayloadOptions): UserDefinedFunction {
  const inputs: Input[] = call.args.map((a: ArgSpec): Input => {
    if ('column' in a) return { inputOffset: a.column };
    if ('constant' in a) return { inputConstant: constantBytes(a.constant, a.type) };
    return { udf: buildFunction(a.call, opts) };
  });
  return {
    payload: encoder.encode(JSON.stringify(udfPayloadJson(call, opts.baseDir))),
    inputs,
    windowIndex: 0,
    takesRowAsInput: false,
    isPandasUdf: opts.kindOf(call) !== 'row',
  };
}

/** Builds the `UserDefinedFunctions` payload of a plan. */
export function buildUserDefinedFunctions(plan: Plan, opts: PayloadOptions): UserDefinedFunctions {
  return {
    udfs: plan.calls.map((c) => buildFunction(c, opts)),
    metricEnabled: opts.metricEnabled ?? true,
    windows: [],
    profileEnabled: false,
    jobParameters: Object.entries(opts.jobParameters ?? {}).map(([key, value]) => ({ key, value })),
  };
}
