/**
 * Embedded database sink: DuckDB through @duckdb/node-api (its native library comes as a
 * per-platform npm package, with no install script or download). The database file is left for
 * the user to query (`duckdb out/cdn.duckdb`, or any DuckDB client).
 *
 * `write` appends rows with DuckDB's appender. `upsert` stages the rows in a temporary table and
 * merges them with `INSERT … ON CONFLICT (keys) DO UPDATE`, in one transaction per call. The
 * table is created on the first batch when it does not exist (with the key columns as PRIMARY
 * KEY if the first call is an upsert, or if `keyColumns` is given at open).
 *
 * @example
 * const sink = await DuckDbSink.open('out/cdn.duckdb', { table: 'cdn_access_statistic' });
 * await sink.upsert(agg.takeChanges(), ['province']);
 * await sink.close();
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type * as arrow from 'apache-arrow';
import { lastRowPerKey } from './dedupe.js';
import { duckDbColumns, loadDuckDb, quoteIdent } from './duckdb-columns.js';
import { checkKeyColumns, checkSameSchema, type Sink, SinkSchemaError } from './sink.js';

export interface DuckDbSinkOptions {
  /** Table to write (created if missing). */
  table: string;
  /** Primary key of the table if this sink creates it (otherwise taken from the first upsert). */
  keyColumns?: readonly string[];
  /** Drop the table first if it exists (default false: append / merge into it). */
  replace?: boolean;
}

export class DuckDbSink implements Sink {
  private schema: arrow.Schema | undefined;
  private appender: DuckDBAppender | undefined;
  private stageAppender: DuckDBAppender | undefined;
  private readonly stage: string;
  private closed = false;

  private constructor(
    readonly target: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly opts: DuckDbSinkOptions,
  ) {
    this.stage = `__vecudf_stage_${opts.table}`;
  }

  /** Opens (or creates) the database file; `:memory:` for an in-memory database. */
  static async open(path: string, opts: DuckDbSinkOptions): Promise<DuckDbSink> {
    if (!opts.table) throw new RangeError('DuckDbSink: a table name is required');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const { DuckDBInstance } = await loadDuckDb();
    const instance = await DuckDBInstance.create(path);
    const conn = await instance.connect();
    const sink = new DuckDbSink(`${path}#${opts.table}`, instance, conn, opts);
    if (opts.replace) await conn.run(`DROP TABLE IF EXISTS ${quoteIdent(opts.table)}`);
    return sink;
  }

  /** Runs a query on the sink's connection and returns plain JS rows (for checks and tests). */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.conn.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  async write(batch: arrow.RecordBatch): Promise<void> {
    this.checkOpen();
    await this.ensureTable(batch, this.opts.keyColumns);
    this.appender ??= await this.conn.createAppender(this.opts.table);
    appendRows(this.appender, batch);
    this.appender.flushSync();
  }

  async upsert(batch: arrow.RecordBatch, keyColumns: readonly string[]): Promise<void> {
    this.checkOpen();
    checkKeyColumns(this.target, batch.schema, keyColumns);
    await this.ensureTable(batch, this.opts.keyColumns ?? keyColumns);
    if (batch.numRows === 0) return;
    // One statement must not update a key twice: keep the last row of each key.
    const rows = lastRowPerKey([batch], keyColumns);
    const table = quoteIdent(this.opts.table);
    const stage = quoteIdent(this.stage);
    if (!this.stageAppender) {
      // The stage has the batch's columns in the batch's order, which is how the appender fills it.
      const defs = duckDbColumns(batch).map((c) => `${quoteIdent(c.name)} ${c.sqlType}`);
      await this.conn.run(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (${defs.join(', ')})`);
      this.stageAppender = await this.conn.createAppender(this.stage, 'main', 'temp');
    }
    const names = batch.schema.fields.map((f) => quoteIdent(f.name));
    const keys = keyColumns.map(quoteIdent);
    const rest = names.filter((n) => !keys.includes(n));
    const update =
      rest.length > 0 ? `DO UPDATE SET ${rest.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}` : 'DO NOTHING';
    await this.conn.run('BEGIN TRANSACTION');
    try {
      appendRows(this.stageAppender, rows);
      this.stageAppender.flushSync();
      await this.conn.run(
        `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM ${stage} ON CONFLICT (${keys.join(', ')}) ${update}`,
      );
      await this.conn.run(`DELETE FROM ${stage}`);
      await this.conn.run('COMMIT');
    } catch (e) {
      await this.conn.run('ROLLBACK').catch(() => {});
      this.stageAppender.clear();
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.appender?.closeSync();
      this.stageAppender?.closeSync();
      if (this.stageAppender) await this.conn.run(`DROP TABLE IF EXISTS temp.main.${quoteIdent(this.stage)}`);
      // Fold the write-ahead log into the file, so the file alone holds the table.
      await this.conn.run('CHECKPOINT');
    } finally {
      this.conn.closeSync();
      this.instance.closeSync();
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`${this.target}: the DuckDB sink is closed`);
  }

  /** Creates the table on the first batch (if missing); later batches must have the same columns. */
  private async ensureTable(
    batch: arrow.RecordBatch,
    keyColumns: readonly string[] | undefined,
  ): Promise<void> {
    if (this.schema) {
      checkSameSchema(this.target, this.schema, batch);
      return;
    }
    const cols = duckDbColumns(batch);
    if (keyColumns) checkKeyColumns(this.target, batch.schema, keyColumns);
    const defs = cols.map((c) => `${quoteIdent(c.name)} ${c.sqlType}`);
    if (keyColumns && keyColumns.length > 0)
      defs.push(`PRIMARY KEY (${keyColumns.map(quoteIdent).join(', ')})`);
    try {
      await this.conn.run(`CREATE TABLE IF NOT EXISTS ${quoteIdent(this.opts.table)} (${defs.join(', ')})`);
    } catch (e) {
      throw new SinkSchemaError(`${this.target}: cannot create the table: ${(e as Error).message}`);
    }
    // An existing table must have the batch's columns in the same order (the appender fills by position).
    const existing = await this.conn.runAndReadAll(
      `SELECT column_name FROM duckdb_columns()
       WHERE table_name = $1 AND schema_name = 'main' AND database_name = current_database()
       ORDER BY column_index`,
      [this.opts.table],
    );
    const names = existing.getRows().map((r) => r[0]);
    const wanted = cols.map((c) => c.name);
    if (names.join('\u0000') !== wanted.join('\u0000')) {
      throw new SinkSchemaError(
        `${this.target}: the existing table has columns (${names.join(', ')}), the batch (${wanted.join(', ')})`,
      );
    }
    this.schema = batch.schema;
  }
}

/** Appends every row of a batch (the appender's table must have the batch's columns, in order). */
function appendRows(appender: DuckDBAppender, batch: arrow.RecordBatch): void {
  const cols = duckDbColumns(batch).map((c) => c.append);
  const n = batch.numRows;
  const k = cols.length;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) cols[c](appender, i);
    appender.endRow();
  }
}
