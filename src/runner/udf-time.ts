/**
 * Which of the worker's monitoring infos hold the time spent in UDFs: the vecudf worker reports,
 * per UDF call, a user counter `udf_ns` (nanoseconds inside the UDF) on the UDF transform (see
 * src/harness/metrics.ts). The sum over calls and bundles is the run's UDF time.
 */
import type { MonitoringTotals } from './monitoring.js';

export const USER_SUM_INT64 = 'beam:metric:user:sum_int64:v1';

/** The labels of the UDF time (frozen: the totals remember which metrics match it). */
const UDF_NS = Object.freeze({ PTRANSFORM: 'transform', NAME: 'udf_ns' });

/** UDF time in ms from the summed worker metrics. */
export function udfTimeMs(totals: MonitoringTotals): number {
  return totals.sum(USER_SUM_INT64, UDF_NS) / 1e6;
}
