/**
 * Which bundle the code running right now belongs to: log lines and console output of a UDF are
 * tagged with the bundle's instruction id (and transform id) without the UDF passing anything
 * along. UDF calls carry it as their UDF context (src/exec/udf-context.ts: a plain variable for
 * synchronous calls, AsyncLocalStorage only while an async UDF is pending — async hooks left on
 * for the whole worker cost 17% of its CPU); the harness's own synchronous code uses `inBundle`.
 *
 * @example
 * inBundle({ instructionId: '7', transformId: 'transform' }, () => startStage());
 * currentBundle()?.instructionId; // '7' inside, undefined outside
 */
import { currentUdfContext } from '../exec/udf-context.js';

export interface BundleContext {
  readonly instructionId: string;
  readonly transformId?: string | undefined;
}

let current: BundleContext | undefined;

/** Runs `fn` as part of the given bundle (its synchronous part: no context is kept across awaits). */
export function inBundle<T>(ctx: BundleContext, fn: () => T): T {
  const prev = current;
  current = ctx;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/** The bundle of the running code, if any. */
export function currentBundle(): BundleContext | undefined {
  if (current) return current;
  const c = currentUdfContext();
  if (typeof c === 'string') return { instructionId: c };
  if (c !== null && typeof c === 'object' && typeof (c as BundleContext).instructionId === 'string')
    return c as BundleContext;
  return undefined;
}
