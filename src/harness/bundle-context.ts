/**
 * Which bundle the code running right now belongs to, carried across awaits with
 * AsyncLocalStorage: log lines and console output of a UDF are tagged with the bundle's
 * instruction id (and transform id) without the UDF passing anything along.
 *
 * @example
 * await inBundle({ instructionId: '7', transformId: 'transform' }, () => runStage());
 * currentBundle()?.instructionId; // '7' inside, undefined outside
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface BundleContext {
  readonly instructionId: string;
  readonly transformId: string;
}

const storage = new AsyncLocalStorage<BundleContext>();

/** Runs `fn` (and everything it awaits or schedules) as part of the given bundle. */
export function inBundle<T>(ctx: BundleContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** The bundle of the running code, if any. */
export function currentBundle(): BundleContext | undefined {
  return storage.getStore();
}
