/**
 * Flink's `UserDefinedFunctions` transform payload → vecudf's serializable `Plan` (the same
 * shape: one top-level call per output column, inputs by offset into the UDF input row,
 * constants, nested calls). What differs from PyFlink is only what the bytes name:
 *
 * - `UserDefinedFunction.payload` is UTF-8 JSON `{"module": "...", "export": "..."}`, optionally
 *   with `kind`, `inputTypes`, `resultType` (Flink SQL type strings) and `name` — the plan's
 *   `UdfRef` — instead of a pickled Python function;
 * - `Input.inputConstant` is one tag byte (0) then UTF-8 JSON `{"type": "<SQL type>", "value": …}`
 *   (the plan's JSON constant form); Flink's own pickled literals are read too (pickled-constant.ts).
 *
 * @example
 * const plan = planFromUdfs(UserDefinedFunctions.decode(payload), inputFields, outputFields);
 */
import type { ArgSpec, CallSpec, Plan, UdfRef } from '../exec/plan.js';
import type { JsonValue } from '../exec/plan-constants.js';
import type { Input, UserDefinedFunction, UserDefinedFunctions } from '../proto/flink.js';
import type { RowField } from '../types/data-types.js';
import { UDF_KINDS } from '../udf/types.js';
import { pickledConstant } from './pickled-constant.js';

export class UdfPayloadError extends Error {
  override readonly name = 'UdfPayloadError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(bytes: Uint8Array, what: string): unknown {
  if (bytes.byteLength > 0 && bytes[0] === 0x80) {
    throw new UdfPayloadError(
      `${what} is a Python pickle (PyFlink's encoding); vecudf expects UTF-8 JSON (see docs/protocol.md)`,
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new UdfPayloadError(`${what} is not UTF-8 text`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UdfPayloadError(`${what} is not JSON (${(e as Error).message}): ${text.slice(0, 200)}`);
  }
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** The UDF reference a `UserDefinedFunction.payload` holds. */
export function udfRefOf(payload: Uint8Array, where: string): UdfRef {
  const j = parseJson(payload, `${where}: the UDF payload`) as Record<string, unknown>;
  if (j === null || typeof j !== 'object' || Array.isArray(j)) {
    throw new UdfPayloadError(`${where}: the UDF payload must be a JSON object {"module", "export"}`);
  }
  if (typeof j.module !== 'string' || j.module === '' || typeof j.export !== 'string' || j.export === '') {
    throw new UdfPayloadError(`${where}: the UDF payload needs string fields "module" and "export"`);
  }
  const ref: UdfRef = { module: j.module, export: j.export };
  if (j.kind !== undefined) {
    if (typeof j.kind !== 'string' || !(UDF_KINDS as readonly string[]).includes(j.kind)) {
      throw new UdfPayloadError(`${where}: "kind" must be one of ${UDF_KINDS.join(', ')}`);
    }
    ref.kind = j.kind as UdfRef['kind'] & string;
  }
  if (j.inputTypes !== undefined) {
    if (!isStringArray(j.inputTypes))
      throw new UdfPayloadError(`${where}: "inputTypes" must be an array of type strings`);
    ref.inputTypes = j.inputTypes;
  }
  if (j.resultType !== undefined) {
    if (typeof j.resultType !== 'string')
      throw new UdfPayloadError(`${where}: "resultType" must be a type string`);
    ref.resultType = j.resultType;
  }
  if (j.name !== undefined) {
    if (typeof j.name !== 'string') throw new UdfPayloadError(`${where}: "name" must be a string`);
    ref.name = j.name;
  }
  return ref;
}

/**
 * A constant argument: tag byte 0 then JSON `{type, value}` (vecudf's runner), or Flink's own
 * form, a tag byte (0 plain, 1 DATE, 2 TIME, 3 TIMESTAMP) then the literal pickled by Pyrolite.
 */
export function constantOf(bytes: Uint8Array, where: string): ArgSpec {
  if (bytes.byteLength < 2) throw new UdfPayloadError(`${where}: constant of ${bytes.byteLength} byte(s)`);
  const tag = bytes[0];
  if (bytes[1] !== 0x7b /* '{' */) {
    try {
      return pickledConstant(bytes);
    } catch (e) {
      throw new UdfPayloadError(
        `${where}: cannot read the constant (tag ${tag}, pickled): ${(e as Error).message}`,
      );
    }
  }
  if (tag !== 0) throw new UdfPayloadError(`${where}: a JSON constant must have tag 0, got ${tag}`);
  const j = parseJson(bytes.subarray(1), `${where}: the constant`) as Record<string, unknown>;
  if (j === null || typeof j !== 'object' || typeof j.type !== 'string' || !('value' in j)) {
    throw new UdfPayloadError(`${where}: a constant must be JSON {"type": "<SQL type>", "value": …}`);
  }
  return { constant: j.value as JsonValue, type: j.type };
}

function argOf(input: Input, where: string, depth: number): ArgSpec {
  if (input.udf) return { call: callOf(input.udf, where, depth + 1) };
  if (input.inputOffset !== undefined) {
    if (input.inputOffset < 0)
      throw new UdfPayloadError(`${where}: negative input offset ${input.inputOffset}`);
    return { column: input.inputOffset };
  }
  if (input.inputConstant !== undefined) return constantOf(input.inputConstant, where);
  throw new UdfPayloadError(`${where}: an Input must be a udf, an inputOffset or an inputConstant`);
}

/** Nested calls deeper than this are refused (a malformed payload must not blow the stack). */
const MAX_DEPTH = 64;

function callOf(u: UserDefinedFunction, where: string, depth: number): CallSpec {
  if (depth > MAX_DEPTH) throw new UdfPayloadError(`${where}: UDF calls nested deeper than ${MAX_DEPTH}`);
  if (u.takesRowAsInput) {
    throw new UdfPayloadError(
      `${where}: takes_row_as_input is not supported (pass the columns as arguments)`,
    );
  }
  const udf = udfRefOf(u.payload, where);
  return { udf, args: u.inputs.map((inp, i) => argOf(inp, `${where}.inputs[${i}]`, depth)) };
}

/** Whether the payload's UDFs are vectorized (`is_pandas_udf`); all top-level UDFs must agree. */
export function isVectorized(udfs: UserDefinedFunctions, where: string): boolean {
  if (udfs.udfs.length === 0) throw new UdfPayloadError(`${where}: the payload holds no UDF`);
  const v = udfs.udfs[0]!.isPandasUdf;
  if (udfs.udfs.some((u) => u.isPandasUdf !== v)) {
    throw new UdfPayloadError(`${where}: vectorized and row-wise UDFs are mixed in one transform`);
  }
  return v;
}

/**
 * The plan of a transform. `inputFields` types the UDF input row; `outputFields` names the
 * result columns (one per top-level call, as the output coder's schema says).
 */
export function planFromUdfs(
  udfs: UserDefinedFunctions,
  inputFields: readonly RowField[],
  outputFields: readonly RowField[],
  where = 'transform',
): Plan {
  if (udfs.udfs.length === 0) throw new UdfPayloadError(`${where}: the payload holds no UDF`);
  const calls = udfs.udfs.map((u, i) => {
    const c = callOf(u, `${where}.udfs[${i}]`, 0);
    const name = udfs.udfs.length === outputFields.length ? outputFields[i]?.name : undefined;
    return name ? { ...c, name } : c;
  });
  const names = new Set(calls.map((c) => c.name));
  // Output names must be distinct for the plan; fall back to f0, f1, … if the schema repeats one.
  const planCalls = names.size === calls.length ? calls : calls.map(({ name: _n, ...c }) => c);
  return { calls: planCalls, inputTypes: inputFields.map((f) => f.type) };
}

/** Names of the UDFs a plan calls, top-level first (for messages and metrics). */
export function udfNamesOf(plan: Plan): string[] {
  const out: string[] = [];
  const visit = (c: CallSpec) => {
    out.push(c.udf.name ?? c.udf.export);
    for (const a of c.args) if ('call' in a) visit(a.call);
  };
  for (const c of plan.calls) visit(c);
  return out;
}
