/**
 * The error every executor throws when a user function fails or returns something unusable.
 * It names the UDF and the rows, and keeps the user's own stack so that the worker can report
 * it as PyFlink does (the message first, then the traceback of the user code).
 */

/** `rows 0–9999 of the batch` or `row 17 of the batch`. */
export function describeRows(rowStart: number, rowEnd: number): string {
  return rowStart === rowEnd ? `row ${rowStart} of the batch` : `rows ${rowStart}–${rowEnd} of the batch`;
}

/**
 * A UDF failed (threw, rejected, or returned a result that does not pass the checks).
 *
 * @example
 * try { await runVectorized(plan, batch); }
 * catch (e) { if (e instanceof UdfError) console.error(e.udfName, e.rowStart, e.rowEnd, e.stack); }
 */
export class UdfError extends Error {
  override readonly name = 'UdfError';
  readonly udfName: string;
  /** First and last row (inclusive) of the batch the failing call covered. */
  readonly rowStart: number;
  readonly rowEnd: number;

  /**
   * `where` replaces the default `rows a–b of the batch` (aggregates say which group).
   */
  constructor(udfName: string, rowStart: number, rowEnd: number, cause: unknown, where?: string) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super(`UDF '${udfName}' failed on ${where ?? describeRows(rowStart, rowEnd)}: ${inner}`, { cause });
    this.udfName = udfName;
    this.rowStart = rowStart;
    this.rowEnd = rowEnd;
    // Keep the user's stack: it is what points at their code, ours only at the executor.
    if (cause instanceof Error && cause.stack) {
      this.stack = `${this.name}: ${this.message}\nCaused by: ${cause.stack}`;
    }
  }
}

/** Wraps anything thrown by a UDF, keeping an existing UdfError as it is (nested calls). */
export function wrapUdfError(
  udfName: string,
  rowStart: number,
  rowEnd: number,
  e: unknown,
  where?: string,
): UdfError {
  return e instanceof UdfError ? e : new UdfError(udfName, rowStart, Math.max(rowStart, rowEnd), e, where);
}
