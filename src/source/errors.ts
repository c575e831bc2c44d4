/**
 * Errors of input sources. A malformed CSV line is a {@link CsvLineError}: its message is
 * `line N: reason`, with N the 1-based line where the record starts (the header is line 1).
 *
 * @example
 * try { for await (const b of csvBatches(stream, opts)) … }
 * catch (e) { if (e instanceof CsvLineError) console.error(e.line, e.reason); }
 */

/** A CSV record that cannot be read (field count, a value of the wrong type, bad quoting, bad UTF-8). */
export class CsvLineError extends Error {
  override name = 'CsvLineError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** An input that cannot be read at all (no header, unknown format, a schema that does not fit). */
export class SourceError extends Error {
  override name = 'SourceError';
}
