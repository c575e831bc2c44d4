/**
 * Which of the worker's monitoring infos hold the time spent in UDFs. Beam's standard
 * per-transform execution time (`ptransform_execution_time:total_msecs`) is used: the worker
 * reports it for the UDF transform.
 */
import type { MonitoringTotals } from './monitoring.js';

export const EXECUTION_TIME_URN = 'beam:metric:ptransform_execution_time:total_msecs:v1';

/** UDF time in ms from the summed worker metrics. */
export function udfTimeMs(totals: MonitoringTotals): number {
  return totals.sum(EXECUTION_TIME_URN, { PTRANSFORM: 'transform' });
}
