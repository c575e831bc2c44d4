/**
 * Where the thread entry lives and how to start it. Built (dist/…/pool/pool-thread.js), it is
 * plain JS next to this file. Run from the TypeScript sources (vitest, `tsx bench/…`), this
 * file is a .ts and so is the entry: the thread then loads tsx first, which is a dev dependency
 * and present exactly in that case. Either way the thread runs the same code as this module, so
 * tests never run a stale build.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ThreadEntry {
  filename: string;
  /** undefined: inherit the process's execArgv. */
  execArgv: string[] | undefined;
}

/** Locates the thread entry beside the module at `here` (defaults to this module). */
export function locateThreadEntry(here: string = import.meta.url): ThreadEntry {
  if (here.endsWith('.ts')) {
    const tsx = createRequire(here).resolve('tsx');
    return {
      filename: fileURLToPath(new URL('./pool-thread.ts', here)),
      // Only tsx: the parent's execArgv may hold a test runner's own loader flags.
      execArgv: ['--import', pathToFileURL(tsx).href],
    };
  }
  return { filename: fileURLToPath(new URL('./pool-thread.js', here)), execArgv: undefined };
}
