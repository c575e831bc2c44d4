/**
 * Row-wise mode over the data plane, with no Arrow in between: decode a row of the input elements,
 * call the row UDFs on its values, encode the result row, next. This is what the worker runs for a
 * `flink:transform:scalar_function:v1` whose UDFs are not vectorized (`is_pandas_udf = false`),
 * where the runner sends flatten-row elements (see row-coder.ts for the format).
 *
 * One values array is reused for the input row and one for the result row; the only per-row
 * allocations are the decoded values themselves (strings, bigints, …) and what the UDF makes.
 *
 * @example
 * const out = await runRowWiseCoded(compiled, bytes, { inputTypes: [T.DOUBLE(), T.DOUBLE()] });
 * // out: one element (varint length + row) per input row, fields = the plan's top-level calls
 */
import { UdfError } from '../exec/errors.js';
import { recordBatch } from '../exec/metrics.js';
import type { CompiledPlan } from '../exec/plan.js';
import { compileRowCall, isThenable, type RowFn, udfFns } from '../exec/row-eval.js';
import { withUdfContext } from '../exec/udf-context.js';
import type { DataType } from '../types/data-types.js';
import { typeToString } from '../types/data-types.js';
import { UdfResultError, udfLabel } from '../udf/check-result.js';
import { codecClock } from './codec-clock.js';
import { createRowCodec, RowCodecError, RowFieldError, readRow, writeRow } from './row-coder.js';
import { ByteReader, borrowWriter, returnWriter } from './row-coder-io.js';

export interface RowWiseCodedOptions {
  /** Types of the input row's fields; defaults to the plan's `inputTypes`. */
  inputTypes?: readonly DataType[];
  /** What the UDF calls work for (see exec/udf-context.ts). */
  context?: unknown;
}

/**
 * Runs a scalar plan of row UDFs over row-coder elements; returns the result elements (one per
 * input row, in order). The plan's metrics get the rows and batches of every call. Timing each
 * step of each row would cost more than a cheap UDF itself, so every 32nd row is timed step by
 * step (decode, calls, encode), and the loop's elapsed time is split in those proportions: the
 * calls' share goes to the top-level calls equally, the rest to `codecClock` (decode / encode).
 */
export async function runRowWiseCoded(
  plan: CompiledPlan,
  input: Uint8Array,
  opts: RowWiseCodedOptions = {},
): Promise<Uint8Array> {
  if (plan.mode !== 'scalar')
    throw new TypeError(`runRowWiseCoded runs scalar plans; this plan is ${plan.mode}`);
  const inputTypes = opts.inputTypes ?? plan.inputTypes;
  if (!inputTypes)
    throw new TypeError(
      'runRowWiseCoded: the input row types are needed (plan.inputTypes or opts.inputTypes)',
    );
  const inCodec = createRowCodec(inputTypes);
  const outCodec = createRowCodec(plan.calls.map((c) => c.resultType));
  const values = new Array<unknown>(inputTypes.length).fill(null);
  const results = new Array<unknown>(plan.calls.length).fill(null);
  const column = (k: number): RowFn => {
    if (k >= inputTypes.length) {
      throw new RangeError(
        `the plan reads input column ${k}, but the input row has ${inputTypes.length} field(s)`,
      );
    }
    return () => values[k];
  };
  const rowFns = plan.calls.map((c) => compileRowCall(c, column));
  const calls = plan.calls;
  const nCalls = calls.length;
  const r = new ByteReader(input);
  const w = borrowWriter(Math.max(1024, input.byteLength));
  const end = input.byteLength;
  const t0 = performance.now();
  let row = 0;
  // time of the sampled rows' steps
  let sDecode = 0;
  let sCalls = 0;
  let sEncode = 0;
  let out: Uint8Array;
  try {
    await withUdfContext(opts.context, plan.calls.flatMap(udfFns), runRows);
    out = w.finish();
  } finally {
    returnWriter(w);
  }
  const elapsed = performance.now() - t0;
  const sampled = sDecode + sCalls + sEncode;
  const callMs = sampled > 0 ? (elapsed * sCalls) / sampled : elapsed;
  if (sampled > 0) {
    codecClock.decodeMs += (elapsed * sDecode) / sampled;
    codecClock.encodeMs += (elapsed * sEncode) / sampled;
  }
  const share = callMs / Math.max(1, nCalls);
  for (const m of plan.metrics) recordBatch(m, row, 0);
  for (const c of calls) c.metrics.ms += share;
  return out;

  async function runRows(): Promise<void> {
    while (r.pos < end) {
      const sample = (row & 31) === 0;
      const ta = sample ? performance.now() : 0;
      try {
        readRow(r, inCodec, values, end);
      } catch (e) {
        throw new RowCodecError(`input row ${row}: ${(e as Error).message}`);
      }
      const tb = sample ? performance.now() : 0;
      for (let c = 0; c < nCalls; c++) {
        let v = rowFns[c]!(row);
        if (isThenable(v)) v = await v;
        results[c] = v;
      }
      const tc = sample ? performance.now() : 0;
      try {
        writeRow(w, outCodec, results);
      } catch (e) {
        if (!(e instanceof RowFieldError)) throw e;
        const call = calls[e.field]!;
        const cause = new UdfResultError(
          `The result of ${udfLabel('row', call.udf.name)} does not fit its result type ${typeToString(call.resultType)} at row ${row}: ${(e.cause as Error).message}`,
        );
        throw new UdfError(call.udf.name, row, row, cause);
      }
      if (sample) {
        const td = performance.now();
        sDecode += tb - ta;
        sCalls += tc - tb;
        sEncode += td - tc;
      }
      row++;
    }
  }
}
