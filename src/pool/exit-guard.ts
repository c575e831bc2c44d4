/**
 * While a UDF batch runs on the worker's own thread (adaptive dispatch of a cheap synchronous
 * plan), `process.exit` would end the whole worker, where on a pool thread it ends only that
 * thread. So for the duration of such batches `process.exit` throws instead: the UDF's batch and
 * bundle fail with an error saying what it did, and the worker goes on.
 *
 * @example
 * const out = await withExitGuard(() => runner.run(planKey, plan, bytes, mode, info));
 */

let running = 0;
let installed = false;

export class ProcessExitError extends Error {
  override readonly name = 'ProcessExitError';
}

function install(): void {
  if (installed) return;
  installed = true;
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    if (running > 0) {
      throw new ProcessExitError(
        `process.exit(${code ?? ''}) was called on the worker's own thread, where it would end the worker; ` +
          'the batch fails instead (a UDF should throw, not exit)',
      );
    }
    return exit(code as number | undefined);
  }) as typeof process.exit;
}

/**
 * Runs `work` with `process.exit` turned into a thrown ProcessExitError, for as long as it runs:
 * until it returns, or until the promise it returns settles.
 */
export function withExitGuard<T>(work: () => T): T {
  install();
  running++;
  let r: T;
  try {
    r = work();
  } catch (e) {
    running--;
    throw e;
  }
  if (r instanceof Promise) {
    const done = () => {
      running--;
    };
    r.then(done, done);
  } else running--;
  return r;
}
