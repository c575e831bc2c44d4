/**
 * The sink interface: where result batches go. Every sink takes appends (`write`); sinks that can
 * replace rows by key also take upserts (`upsert`), which is what a continuously updated
 * aggregate table (upsert by province, in the CDN job) needs.
 *
 * `write` and `upsert` may be called in any order, never concurrently (await each); `close`
 * flushes and releases the target and must be called once, also after an error.
 *
 * @example
 * const sink = await openSink('out/stats.duckdb', { table: 'cdn_access_statistic' });
 * try {
 *   await sink.upsert?.(changes, ['province']);
 * } finally {
 *   await sink.close();
 * }
 */
import type * as arrow from 'apache-arrow';

export interface Sink {
  /** What the sink writes to, for messages (a path, or a URL without its password). */
  readonly target: string;
  /** Appends the rows of a batch. All batches of one sink must have the same columns. */
  write(batch: arrow.RecordBatch): Promise<void>;
  /**
   * Inserts the rows of a batch, replacing any earlier row with the same values in
   * `keyColumns`. Within one batch, the last row of a key wins.
   */
  upsert?(batch: arrow.RecordBatch, keyColumns: readonly string[]): Promise<void>;
  /** Flushes everything and releases the target. */
  close(): Promise<void>;
}

/** Thrown when a batch does not fit the sink (other columns than the first batch, a missing key column…). */
export class SinkSchemaError extends Error {
  override name = 'SinkSchemaError';
}

/** Checks that `batch` has the column names and types of `schema`, naming the first difference. */
export function checkSameSchema(target: string, schema: arrow.Schema, batch: arrow.RecordBatch): void {
  const a = schema.fields;
  const b = batch.schema.fields;
  const describe = (fs: readonly arrow.Field[]) => fs.map((f) => `${f.name}: ${f.type}`).join(', ');
  if (
    a.length !== b.length ||
    a.some((f, i) => f.name !== b[i]!.name || String(f.type) !== String(b[i]!.type))
  ) {
    throw new SinkSchemaError(
      `${target}: batch columns (${describe(b)}) differ from the sink's (${describe(a)})`,
    );
  }
}

/** Checks that every key column exists in the batch. */
export function checkKeyColumns(target: string, schema: arrow.Schema, keyColumns: readonly string[]): void {
  if (keyColumns.length === 0)
    throw new SinkSchemaError(`${target}: an upsert needs at least one key column`);
  for (const k of keyColumns) {
    if (!schema.fields.some((f) => f.name === k)) {
      throw new SinkSchemaError(`${target}: key column '${k}' is not among ${schema.names.join(', ')}`);
    }
  }
}
