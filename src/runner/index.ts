/**
 * The runner's public API: `Runner` (servers + a worker, runs plans over record batches through
 * the Fn API), `runInProcess` (the same without gRPC), and the pieces a custom setup needs.
 *
 * @example
 * import { Runner } from 'vecudf';
 * const runner = await Runner.start();
 * for await (const b of runner.run(batches, { plan, columns: ['a', 'b'] })) …
 * await runner.close();
 */
export { BundleError, type Chunk } from './bundle.js';
export type { ColumnRef } from './chunks.js';
export { ARROW_AGGREGATE_URN, buildDescriptor, SCALAR_FUNCTION_URN } from './descriptor.js';
export type { ExternalWorkerOptions } from './external-worker.js';
export { groupByKey } from './group-input.js';
export { runInProcess } from './in-process.js';
export type { RunMetrics } from './metrics.js';
export type { MetricValue } from './monitoring.js';
export { type BundlingOptions, DEFAULT_BUNDLING } from './operator.js';
export type { ProcessWorkerOptions, WorkerHandle } from './process-worker.js';
export { type Run, Runner, type RunnerOptions, type RunSpec, type WorkerEnvironment } from './runner.js';
export type { ServerTuning } from './server-tuning.js';
export { RunnerServers } from './servers.js';
export { WorkerGoneError } from './worker-connection.js';
