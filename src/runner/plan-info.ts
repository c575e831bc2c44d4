/**
 * What the runner needs to know about a plan before it can build a descriptor: it loads the
 * plan once (as Flink's planner knows each Python function's kind and result type) and derives
 * the execution mode, the result column names and types, and each call's UDF kind.
 *
 * - all calls vectorized → `vectorized` (Arrow coder, `is_pandas_udf`);
 * - all row-wise → `row` (row coder);
 * - aggregate UDFs at the top level → `aggregate` (Arrow, one batch per group);
 * - a plan mixing vectorized and row-wise UDFs is refused: Flink runs those as two operators, and
 *   so should the caller.
 */
import { type CallSpec, type CompiledCall, loadPlan, type Plan } from '../exec/plan.js';
import type { DataType } from '../types/data-types.js';
import type { UdfKind } from '../udf/types.js';

export type RunMode = 'vectorized' | 'row' | 'aggregate';

export interface PlanInfo {
  mode: RunMode;
  /** Output column names of the top-level calls (`result` for a single unnamed call). */
  resultNames: string[];
  resultTypes: DataType[];
  /** Kind of each call (nested ones included) of the plan. */
  kinds: Map<CallSpec, UdfKind>;
}

/** Loads `plan` (each UDF module imported once, from `baseDir`) and describes how to run it. */
export async function describePlan(plan: Plan, baseDir: string): Promise<PlanInfo> {
  const compiled = await loadPlan(plan, { baseDir });
  const kinds = new Map<CallSpec, UdfKind>();
  const walk = (spec: CallSpec, c: CompiledCall): void => {
    kinds.set(spec, c.udf.kind);
    spec.args.forEach((a, i) => {
      const ca = c.args[i];
      if ('call' in a && ca?.kind === 'call') walk(a.call, ca.call);
    });
  };
  plan.calls.forEach((spec, i) => {
    walk(spec, compiled.calls[i]!);
  });
  let mode: RunMode;
  if (compiled.mode === 'map_batches') {
    throw new Error(
      'mapBatches UDFs run in process only (vecudf run --in-process); the runner takes scalar and aggregate UDFs',
    );
  }
  if (compiled.mode === 'aggregate') {
    for (const [spec, k] of kinds) {
      if (k === 'row') {
        throw new Error(
          `UDF '${spec.udf.export}' is row-wise and cannot feed a vectorized aggregate; run it as its own step first`,
        );
      }
    }
    mode = 'aggregate';
  } else {
    const set = new Set(kinds.values());
    if (set.has('vectorized') && set.has('row')) {
      throw new Error(
        'the plan mixes vectorized and row-wise UDFs; run them as separate steps (Flink runs them as separate operators)',
      );
    }
    mode = set.has('row') ? 'row' : 'vectorized';
  }
  const single = compiled.calls.length === 1 && plan.calls[0]!.name === undefined;
  return {
    mode,
    resultNames: single ? ['result'] : compiled.calls.map((c) => c.output),
    resultTypes: compiled.calls.map((c) => c.resultType),
    kinds,
  };
}
