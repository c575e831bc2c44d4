/**
 * Where the thread entry lives and how to start it. Built (dist/…/pool/pool-thread.js), it is
 * plain JS next to this file. Run from the TypeScript sources (vitest, `tsx bench/…`), this
 * file is a .ts and the entry is ts-thread.mjs beside it, which registers tsx's ESM hooks in
 * the thread and imports pool-thread.ts (see that file for why not `--import tsx`). Either way
 * the thread runs the same code as this module, so tests never run a stale build.
 */
import { fileURLToPath } from 'node:url';

export interface ThreadEntry {
  filename: string;
  /** undefined: inherit the process's execArgv. */
  execArgv: string[] | undefined;
}

/** Profiling flags a thread should share with its process (the rest may be a test runner's loaders). */
const PASSED_ON = /^--(cpu-prof|heap-prof)/;

/** Locates the thread entry beside the module at `here` (defaults to this module). */
export function locateThreadEntry(here: string = import.meta.url, execArgv = process.execArgv): ThreadEntry {
  if (here.endsWith('.ts')) {
    return {
      filename: fileURLToPath(new URL('./ts-thread.mjs', here)),
      execArgv: execArgv.filter((a) => PASSED_ON.test(a)),
    };
  }
  return { filename: fileURLToPath(new URL('./pool-thread.js', here)), execArgv: undefined };
}
