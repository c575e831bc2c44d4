/**
 * The executor pool: runs data-plane elements through plans on worker threads (or on the
 * calling thread with `threads: 0`), moving bytes without copies, keeping results in order,
 * bounding what is queued and surviving UDF faults. See create-pool.ts for the entry point.
 */
export { createExecutorPool } from './create-pool.js';
export { PoolClosedError, ThreadDiedError, UdfTimeoutError } from './errors.js';
export type { ElementMode, ExecutorPoolOptions } from './options.js';
export { OrderedResults } from './ordered.js';
export type { PoolStats, ThreadStats } from './stats.js';
export type { ExecutorPool } from './types.js';
