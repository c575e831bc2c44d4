/**
 * Carries a task's error from a worker thread to the caller intact. Structured clone keeps only
 * an Error's message and stack (an executor's `UdfError` would arrive as a plain `Error` without
 * its UDF name and row range), so the thread sends a plain record and the caller rebuilds the
 * error with the same class, name, message, stack and fields. With `threads: 0` the original
 * error object is thrown instead; both look the same to the caller.
 */
import { UdfError } from '../exec/errors.js';

/** What crosses the thread boundary. */
export interface ErrorRecord {
  name: string;
  message: string;
  stack: string | undefined;
  /** Own fields with primitive values (`udfName`, `rowStart`, `rowEnd`, `code`, …). */
  fields: Record<string, string | number | boolean | null>;
  cause: ErrorRecord | undefined;
}

/** The plain record of an error (or of anything thrown). */
export function toErrorRecord(e: unknown, depth = 0): ErrorRecord {
  if (!(e instanceof Error)) {
    return { name: 'Error', message: String(e), stack: undefined, fields: {}, cause: undefined };
  }
  const fields: ErrorRecord['fields'] = {};
  for (const k of Object.keys(e)) {
    if (k === 'name' || k === 'message' || k === 'stack' || k === 'cause') continue;
    const v = (e as unknown as Record<string, unknown>)[k];
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
  }
  const cause = e.cause !== undefined && depth < 4 ? toErrorRecord(e.cause, depth + 1) : undefined;
  return { name: e.name, message: e.message, stack: e.stack, fields, cause };
}

// Classes rebuilt by name; anything else becomes an Error carrying the original name.
const CLASSES: Record<string, { prototype: Error }> = { UdfError, TypeError, RangeError };

/** The error a record describes, with its original class where we know it. */
export function fromErrorRecord(r: ErrorRecord): Error {
  const proto = CLASSES[r.name]?.prototype ?? Error.prototype;
  const e = Object.create(proto) as Error;
  const define = (k: string, value: unknown) =>
    Object.defineProperty(e, k, {
      value,
      writable: true,
      configurable: true,
      enumerable: k !== 'stack' && k !== 'message',
    });
  define('message', r.message);
  if (proto === Error.prototype || r.name === 'UdfError') define('name', r.name);
  define('stack', r.stack ?? `${r.name}: ${r.message}`);
  for (const [k, v] of Object.entries(r.fields)) define(k, v);
  if (r.cause)
    Object.defineProperty(e, 'cause', {
      value: fromErrorRecord(r.cause),
      writable: true,
      configurable: true,
    });
  return e;
}
