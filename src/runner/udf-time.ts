/**
 * Which of the worker's monitoring infos hold the time spent in UDFs: the vecudf worker reports,
 * per UDF call, a user counter `udf_ns` (nanoseconds inside the UDF) on the UDF transform (see
 * src/harness/metrics.ts). The sum over calls and bundles is the run's UDF time.
 */
import type { MonitoringTotals } from './monitoring.js';

export const USER_SUM_INT64 = 'beam:metric:user:sum_int64:v1';

/** UDF time in ms from the summed worker metrics. */
export function udfTimeMs(totals: MonitoringTotals): number {
  return totals.sum(USER_SUM_INT64, { PTRANSFORM: 'transform', NAME: 'udf_ns' }) / 1e6;
}
