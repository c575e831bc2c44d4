/**
 * MySQL / MariaDB sink through mysql2: `mysql://user:pass@host:port/db?table=name`.
 *
 * `write` inserts rows in multi-row `INSERT` statements of `batchRows` rows (default 1000), one
 * transaction per call. `upsert` does the same with `ON DUPLICATE KEY UPDATE col = VALUES(col)`,
 * which MariaDB and MySQL both accept (the key columns must be the table's primary or a unique
 * key). The table is created on the first batch if missing (InnoDB, utf8mb4), with the key
 * columns as PRIMARY KEY if the first call is an upsert or `keyColumns` is given.
 *
 * URL parameters: `table` (required unless given in the options), `batchRows`.
 *
 * @example
 * const sink = await MySqlSink.open('mysql://vecudf:secret@127.0.0.1:3306/cdn?table=cdn_access_statistic');
 * await sink.upsert(agg.takeChanges(), ['province']);
 * await sink.close();
 */
import type * as arrow from 'apache-arrow';
import type mysql from 'mysql2/promise';
import { lastRowPerKey } from './dedupe.js';
import { type MySqlColumn, mysqlColumns, quoteMySqlIdent, type SqlValue } from './mysql-columns.js';
import { checkKeyColumns, checkSameSchema, type Sink, SinkSchemaError } from './sink.js';

export interface MySqlSinkOptions {
  /** Table to write (overrides the URL's `table`). */
  table?: string;
  /** Primary key of the table if this sink creates it. */
  keyColumns?: readonly string[];
  /** Rows per INSERT statement (overrides the URL's `batchRows`; default 1000). */
  batchRows?: number;
  /** Drop the table first if it exists (default false). */
  replace?: boolean;
}

/** The parts of a `mysql://` / `mariadb://` URL. */
export function parseMySqlUrl(url: string): {
  config: mysql.ConnectionOptions;
  table: string | undefined;
  batchRows: number | undefined;
  redacted: string;
} {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`not a MySQL URL: '${url}'`);
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') {
    throw new RangeError(`a MySQL URL starts with mysql:// or mariadb://, got '${u.protocol}'`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database)
    throw new RangeError(`MySQL URL '${redact(u)}' names no database (mysql://user:pass@host/db)`);
  const batchRows = u.searchParams.get('batchRows');
  return {
    config: {
      host: u.hostname || '127.0.0.1',
      port: u.port ? Number(u.port) : 3306,
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database,
      charset: 'utf8mb4',
      supportBigNumbers: true,
    },
    table: u.searchParams.get('table') ?? undefined,
    batchRows: batchRows === null ? undefined : Number(batchRows),
    redacted: redact(u),
  };
}

function redact(u: URL): string {
  const copy = new URL(u.href);
  if (copy.password) copy.password = '***';
  return copy.href;
}

export class MySqlSink implements Sink {
  private schema: arrow.Schema | undefined;
  private closed = false;

  private constructor(
    readonly target: string,
    private readonly conn: mysql.Connection,
    private readonly table: string,
    private readonly batchRows: number,
    private readonly keyColumns: readonly string[] | undefined,
  ) {}

  static async open(url: string, opts: MySqlSinkOptions = {}): Promise<MySqlSink> {
    const parsed = parseMySqlUrl(url);
    const table = opts.table ?? parsed.table;
    if (!table) throw new RangeError(`MySQL sink '${parsed.redacted}': add ?table=<name> to the URL`);
    const batchRows = opts.batchRows ?? parsed.batchRows ?? 1000;
    if (!Number.isInteger(batchRows) || batchRows < 1)
      throw new RangeError(`MySQL sink: batchRows must be ≥ 1`);
    // loaded on first use: importing vecudf (every worker does, through its UDF modules) does not load the driver
    const driver = (await import('mysql2/promise')).default;
    const conn = await driver.createConnection(parsed.config);
    const sink = new MySqlSink(parsed.redacted, conn, table, batchRows, opts.keyColumns);
    if (opts.replace) await conn.query(`DROP TABLE IF EXISTS ${quoteMySqlIdent(table)}`);
    return sink;
  }

  /** Runs a query on the sink's connection (for checks and tests). */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const [rows] = await this.conn.query(sql);
    return rows as Record<string, unknown>[];
  }

  async write(batch: arrow.RecordBatch): Promise<void> {
    this.checkOpen();
    const cols = await this.ensureTable(batch, this.keyColumns);
    await this.insert(batch.numRows, cols, '');
  }

  async upsert(batch: arrow.RecordBatch, keyColumns: readonly string[]): Promise<void> {
    this.checkOpen();
    checkKeyColumns(this.target, batch.schema, keyColumns);
    await this.ensureTable(batch, this.keyColumns ?? keyColumns);
    if (batch.numRows === 0) return;
    const rows = lastRowPerKey([batch], keyColumns);
    const cols = mysqlColumns(rows, keyColumns);
    const rest = cols.filter((c) => !keyColumns.includes(c.name)).map((c) => quoteMySqlIdent(c.name));
    // With only key columns there is nothing to update: assigning a key to itself keeps the row.
    const assign = (rest.length > 0 ? rest : [quoteMySqlIdent(keyColumns[0])]).map(
      (n) => `${n} = VALUES(${n})`,
    );
    await this.insert(rows.numRows, cols, ` ON DUPLICATE KEY UPDATE ${assign.join(', ')}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.conn.end();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`${this.target}: the MySQL sink is closed`);
  }

  /** Inserts rows [0, n) in statements of `batchRows` rows, in one transaction. */
  private async insert(n: number, cols: MySqlColumn[], suffix: string): Promise<void> {
    if (n === 0) return;
    const names = cols.map((c) => quoteMySqlIdent(c.name)).join(', ');
    const sql = `INSERT INTO ${quoteMySqlIdent(this.table)} (${names}) VALUES ?${suffix}`;
    await this.conn.beginTransaction();
    try {
      for (let start = 0; start < n; start += this.batchRows) {
        const end = Math.min(n, start + this.batchRows);
        const rows: SqlValue[][] = [];
        for (let i = start; i < end; i++) rows.push(cols.map((c) => c.value(i)));
        await this.conn.query(sql, [rows]);
      }
      await this.conn.commit();
    } catch (e) {
      await this.conn.rollback().catch(() => {});
      throw new Error(`${this.target}: insert into ${this.table} failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** Creates the table on the first batch (if missing); later batches must have the same columns. */
  private async ensureTable(
    batch: arrow.RecordBatch,
    keyColumns: readonly string[] | undefined,
  ): Promise<MySqlColumn[]> {
    if (this.schema) {
      checkSameSchema(this.target, this.schema, batch);
      return mysqlColumns(batch, keyColumns);
    }
    if (keyColumns) checkKeyColumns(this.target, batch.schema, keyColumns);
    const cols = mysqlColumns(batch, keyColumns);
    const defs = cols.map((c) => {
      const isKey = keyColumns?.includes(c.name) ?? false;
      return `${quoteMySqlIdent(c.name)} ${c.sqlType}${isKey ? ' NOT NULL' : ''}`;
    });
    if (keyColumns && keyColumns.length > 0)
      defs.push(`PRIMARY KEY (${keyColumns.map(quoteMySqlIdent).join(', ')})`);
    try {
      await this.conn.query(
        `CREATE TABLE IF NOT EXISTS ${quoteMySqlIdent(this.table)} (${defs.join(', ')}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      );
    } catch (e) {
      throw new SinkSchemaError(`${this.target}: cannot create table ${this.table}: ${(e as Error).message}`);
    }
    this.schema = batch.schema;
    return cols;
  }
}
