/**
 * What a UDF call is working for (the bundle, on a worker), readable from inside the UDF while it
 * runs — so that what it prints can be tagged — without paying for async hooks on every promise.
 *
 * Node 20's AsyncLocalStorage works by async hooks: while any store is enabled, every promise,
 * tick, immediate and socket callback of the process runs an init hook. Kept on for the whole
 * worker, that cost 17% of its CPU on plus(a, b) end to end (82 vs 99 ms per 1M rows, measured
 * side by side). So a synchronous UDF call runs inside a plain variable's scope (set before the
 * call, restored after it), and only calls of UDFs known to be asynchronous — async functions, or
 * functions that have returned a promise once — run inside an AsyncLocalStorage, which is
 * disabled again (hooks off) as soon as no such call is pending. The first call of a plain
 * function that returns a promise keeps the context only up to its first await.
 *
 * @example
 * const r = withUdfContext('bundle-7', [udf.fn], () => udf.fn(a, b));
 * currentUdfContext(); // 'bundle-7' inside the call (and its awaits, if async), undefined outside
 */
import { AsyncLocalStorage } from 'node:async_hooks';

let current: unknown;
const storage = new AsyncLocalStorage<unknown>();
/** Calls running inside `storage` that have not settled yet; the storage is disabled at 0. */
let pendingAsync = 0;
/** Functions known to continue after returning: true (async), false (checked: a plain function). */
const asyncKind = new WeakMap<object, boolean>();

/** A promise or any object with a `then` method. */
export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as { then?: unknown }).then === 'function';
}

/** Whether calls of `fn` need the async context (an async function, or one seen returning a promise). */
function needsAsync(fn: object): boolean {
  let k = asyncKind.get(fn);
  if (k === undefined) {
    k = Object.prototype.toString.call(fn) === '[object AsyncFunction]';
    asyncKind.set(fn, k);
  }
  return k;
}

/** Notes that `fn` returned a promise: its later calls keep their context across awaits. */
export function noteAsyncUdf(fn: object): void {
  asyncKind.set(fn, true);
}

/** The context of the UDF call running now, if any. */
export function currentUdfContext(): unknown {
  return current !== undefined ? current : pendingAsync > 0 ? storage.getStore() : undefined;
}

/**
 * Runs `run` (which calls the user functions `fns`) with `context` as the current UDF context;
 * without a context, just runs it. Callers note a user function that returned a promise
 * (`noteAsyncUdf`), so that its next calls keep their context across awaits.
 */
export function withUdfContext<T>(context: unknown, fns: readonly object[], run: () => T): T {
  if (context === undefined) return run();
  for (const fn of fns) if (needsAsync(fn)) return withAsyncUdfContext(context, run);
  const prev = current;
  current = context;
  try {
    return run();
  } finally {
    current = prev;
  }
}

/**
 * Runs `run` with `context` as the current UDF context across everything it awaits (module
 * loading, async UDFs); the async hooks this needs are on only until it settles.
 */
export function withAsyncUdfContext<T>(context: unknown, run: () => T): T {
  pendingAsync++;
  let r: T;
  // a synchronous scope inside would shadow the stored context: none is open while this runs
  const prev = current;
  current = undefined;
  try {
    r = storage.run(context, run);
  } catch (e) {
    settled();
    throw e;
  } finally {
    current = prev;
  }
  if (!isThenable(r)) {
    settled();
    return r;
  }
  return Promise.resolve(r).finally(settled) as T;
}

function settled(): void {
  if (--pendingAsync === 0) storage.disable();
}
