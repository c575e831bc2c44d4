/**
 * Sends what UDFs print to the Logging service instead of the worker's stdout/stderr:
 * `console.log/info/debug/warn/error/trace` with their severity, and raw writes to
 * `process.stdout` / `process.stderr` line by line (INFO / ERROR) — which also catches the output
 * of UDFs on worker threads, since Node pipes a thread's stdout into the parent's. Each line is
 * tagged with the bundle it belongs to: the running bundle (AsyncLocalStorage); for a pool
 * thread's console, the bundle the thread wrote into the line (src/pool/thread-console.ts); for
 * other output from a thread, the single bundle in flight when there is exactly one.
 *
 * @example
 * const restore = captureConsole(sink, () => worker.soleActiveBundle());
 * console.warn('slow lookup'); // → LogEntry{severity: WARN, message: 'slow lookup', instruction_id: …}
 * restore();
 */
import { format } from 'node:util';
import { parseThreadLine } from '../pool/thread-console.js';
import { type BundleContext, currentBundle } from './bundle-context.js';
import type { LogSink, Severity } from './log-sink.js';

type ConsoleMethod = 'log' | 'info' | 'debug' | 'warn' | 'error' | 'trace';

const METHODS: Record<ConsoleMethod, Severity> = {
  log: 'info',
  info: 'info',
  debug: 'debug',
  warn: 'warn',
  error: 'error',
  trace: 'trace',
};

/**
 * Captures console and stdout/stderr output into `sink` until the returned function is called.
 * `fallbackContext` names the bundle for output that carries no context of its own.
 */
export function captureConsole(sink: LogSink, fallbackContext: () => BundleContext | undefined): () => void {
  const context = () => currentBundle() ?? fallbackContext();
  const saved = new Map<ConsoleMethod, (...args: unknown[]) => void>();
  for (const [name, severity] of Object.entries(METHODS) as [ConsoleMethod, Severity][]) {
    saved.set(name, console[name]);
    console[name] = (...args: unknown[]) => {
      const ctx = context();
      const message = format(...args);
      const trace = name === 'trace' ? new Error(message).stack?.split('\n').slice(2).join('\n') : undefined;
      sink.log(severity, message, {
        instructionId: ctx?.instructionId,
        transformId: ctx?.transformId,
        trace,
        location: 'console',
      });
    };
  }
  const restoreOut = captureStream(process.stdout, 'info', 'stdout', sink, context);
  const restoreErr = captureStream(process.stderr, 'error', 'stderr', sink, context);
  return () => {
    for (const [name, fn] of saved) console[name] = fn;
    restoreOut();
    restoreErr();
  };
}

/** Replaces `stream.write` with a line splitter feeding `sink`; returns the restore function. */
function captureStream(
  stream: NodeJS.WriteStream,
  severity: Severity,
  location: string,
  sink: LogSink,
  context: () => BundleContext | undefined,
): () => void {
  const original = stream.write;
  let partial = '';
  const emit = (line: string) => {
    // A pool thread's console line names its bundle itself (it may arrive after the bundle ended).
    const tagged = parseThreadLine(line);
    if (tagged) {
      sink.log(tagged.severity, tagged.text, { instructionId: tagged.group, location: 'console' });
      return;
    }
    const ctx = context();
    sink.log(severity, line, { instructionId: ctx?.instructionId, transformId: ctx?.transformId, location });
  };
  stream.write = ((chunk: unknown, encodingOrCb?: unknown, cb?: unknown): boolean => {
    const text =
      typeof chunk === 'string'
        ? chunk
        : Buffer.from(chunk as Uint8Array).toString(
            typeof encodingOrCb === 'string' ? (encodingOrCb as BufferEncoding) : 'utf8',
          );
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) emit(l);
    // Very long output without newlines still goes out, in pieces.
    if (partial.length > 64 * 1024) {
      emit(partial);
      partial = '';
    }
    const done = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof stream.write;
  return () => {
    if (partial) emit(partial);
    partial = '';
    stream.write = original;
  };
}
