/**
 * The public API of UDFs and their execution, re-exported by src/index.ts: the UDF factories,
 * loading by `module#export`, plans, the in-process executors, and the row coder of row-wise mode.
 */
export { decodeRows, decodeRowsToColumns, encodeRows } from '../codec/row-coder.js';
export { runRowWiseCoded } from '../codec/row-coder-exec.js';
export { UdfResultError } from '../udf/check-result.js';
export { mapBatches, udf, vectorizedUdaf, vectorizedUdf } from '../udf/define.js';
export { loadUdf, parseUdfRef, type UdfRef } from '../udf/load.js';
export { isUdf, type Udf, type UdfKind, type UdfSpec } from '../udf/types.js';
export { runAggregate } from './aggregate.js';
export { UdfError } from './errors.js';
export { type CallMetrics, copyMetrics, resetMetrics } from './metrics.js';
export {
  type ArgSpec,
  type CallSpec,
  type CompiledPlan,
  compilePlan,
  loadPlan,
  type MemCallSpec,
  type MemPlan,
  type Plan,
} from './plan.js';
export { runRowWise } from './row-wise.js';
export { runVectorized } from './vectorized.js';
