/**
 * Console output of UDFs on pool threads, tagged with the bundle it belongs to. A thread's
 * stdout reaches the worker's main thread asynchronously, often after the bundle has ended, so
 * the main thread cannot tell whose output it is by timing. Instead each line written by
 * `console.*` inside a task carries the task's group (the bundle's instruction id) and severity
 * in a prefix of control characters that the worker's console capture reads off again
 * (src/harness/console-capture.ts); untagged lines stay as they are.
 *
 * @example
 * installThreadConsole();                         // once per thread
 * await inGroup('bundle-7', () => runUdf());      // console.warn('x') → "\x1ebundle-7\x1fwarn\x1fx"
 * parseThreadLine('\x1ebundle-7\x1fwarn\x1fx');   // { group: 'bundle-7', severity: 'warn', text: 'x' }
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';

export type ConsoleSeverity = 'info' | 'debug' | 'warn' | 'error' | 'trace';

const START = '\x1e';
const SEP = '\x1f';
const METHODS = { log: 'info', info: 'info', debug: 'debug', warn: 'warn', error: 'error' } as const;

const group = new AsyncLocalStorage<string>();
let installed = false;

/** Runs `fn` (and everything it awaits) as part of `id`'s output; without an id, untagged. */
export function inGroup<T>(id: string | undefined, fn: () => T): T {
  return id === undefined ? fn() : group.run(id, fn);
}

/** Replaces this thread's console methods by ones that tag each line (idempotent). */
export function installThreadConsole(): void {
  if (installed) return;
  installed = true;
  for (const [name, severity] of Object.entries(METHODS) as [keyof typeof METHODS, ConsoleSeverity][]) {
    const original = console[name].bind(console);
    console[name] = (...args: unknown[]) => {
      const id = group.getStore();
      if (id === undefined) return original(...args);
      // One write per line, so that a multi-line message keeps its tag on every line.
      const lines = format(...args).split('\n');
      process.stdout.write(lines.map((l) => `${START}${id}${SEP}${severity}${SEP}${l}\n`).join(''));
    };
  }
}

/** Reads the tag off a line written by a tagged console; undefined for any other line. */
export function parseThreadLine(
  line: string,
): { group: string; severity: ConsoleSeverity; text: string } | undefined {
  if (!line.startsWith(START)) return undefined;
  const a = line.indexOf(SEP, 1);
  const b = a < 0 ? -1 : line.indexOf(SEP, a + 1);
  if (b < 0) return undefined;
  const severity = line.slice(a + 1, b) as ConsoleSeverity;
  if (!['info', 'debug', 'warn', 'error', 'trace'].includes(severity)) return undefined;
  return { group: line.slice(1, a), severity, text: line.slice(b + 1) };
}
