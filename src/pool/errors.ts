/**
 * The errors a pool task can fail with, besides the UDF's own (which the executors raise as
 * `UdfError` naming the UDF and the rows, and which cross the thread boundary unchanged):
 * the thread died under the task, the task ran past the timeout, or the pool was closed.
 * Each names the thread and the UDFs of the plan, so the bundle's error can be acted on.
 */

/** A worker thread died while it held this task (process.exit in a UDF, out of memory, a crash). */
export class ThreadDiedError extends Error {
  override readonly name = 'ThreadDiedError';
  constructor(
    message: string,
    readonly threadId: number | undefined,
    readonly udfNames: readonly string[],
    readonly reason: string,
  ) {
    super(message);
  }
}

/** A task ran past `udfTimeoutMs`; its thread was terminated (and replaced). */
export class UdfTimeoutError extends Error {
  override readonly name = 'UdfTimeoutError';
  constructor(
    message: string,
    readonly threadId: number | undefined,
    readonly udfNames: readonly string[],
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}

/** The pool was closed before the task could run. */
export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
}

/** `UDF 'a'` or `UDFs 'a', 'b'` — for messages. */
export function describeUdfs(names: readonly string[]): string {
  if (names.length === 0) return 'the plan';
  return `${names.length === 1 ? 'UDF' : 'UDFs'} ${names.map((n) => `'${n}'`).join(', ')}`;
}

/**
 * Why a thread went away, in words, from what piscina and worker_threads report: an exit code
 * (`process.exit(n)` in a UDF), `ERR_WORKER_OUT_OF_MEMORY`, or an uncaught error.
 */
export function describeThreadDeath(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_WORKER_OUT_OF_MEMORY') return `out of memory (${e.message})`;
    const exit = /worker exited with code: (-?\d+)/.exec(e.message);
    if (exit) return `the thread exited with code ${exit[1]} (process.exit() called by the UDF?)`;
    if (e.message === 'Terminating worker thread') return 'the thread was terminated';
    return `uncaught ${e.name}: ${e.message}`;
  }
  return `uncaught ${String(e)}`;
}
