/**
 * The factory the harness and the runner call: one interface, with or without threads.
 */
import { MainThreadPool } from './main-thread-pool.js';
import { type ExecutorPoolOptions, resolvePoolOptions } from './options.js';
import { ThreadPool } from './thread-pool.js';
import type { ExecutorPool } from './types.js';

/**
 * Creates the executor pool: `threads` worker threads (default: one per core), or the calling
 * thread when `threads` is 0.
 *
 * @example
 * const pool = createExecutorPool({ threads: 2, udfTimeoutMs: 30_000 });
 * const out = await pool.run('bundle-descriptor-1/transform', plan, elementBytes, 'arrow');
 * if (pool.saturated) await pool.whenReady(); // backpressure: pause reading meanwhile
 * await pool.close();
 */
export function createExecutorPool(options: ExecutorPoolOptions = {}): ExecutorPool {
  const o = resolvePoolOptions(options);
  return o.threads === 0 ? new MainThreadPool(o) : new ThreadPool(o);
}
