/**
 * Opens a sink from a URL or a path, picking the kind by scheme or extension:
 *
 * | target | sink |
 * | --- | --- |
 * | `mysql://user:pass@host:port/db?table=t`, `mariadb://…` | {@link MySqlSink} |
 * | `duckdb:path?table=t`, `*.duckdb`, `*.ddb` (table from options, default `result`) | {@link DuckDbSink} |
 * | `*.arrow`, `*.feather`, `*.ipc` | Arrow IPC file ({@link ArrowFileSink}) |
 * | `*.arrows` | Arrow IPC stream |
 * | `*.csv`, `*.tsv` (tab-delimited) | {@link CsvSink} |
 * | `-` | CSV on stdout |
 *
 * @example
 * const sink = await openSink('out/cdn.duckdb', { table: 'cdn_access_statistic' });
 * const mysqlSink = await openSink('mysql://u:p@127.0.0.1/db?table=cdn_access_statistic');
 */
import { ArrowFileSink } from './arrow-file.js';
import { CsvSink } from './csv.js';
import { DuckDbSink } from './duckdb.js';
import { MySqlSink } from './mysql.js';
import type { Sink } from './sink.js';

export interface OpenSinkOptions {
  /** Table name for database sinks (overrides the URL's `table`). */
  table?: string;
  /** Primary key for database sinks that create their table. */
  keyColumns?: readonly string[];
  /** Database sinks: drop the table first. */
  replace?: boolean;
}

/** The kind of sink a target names, or undefined if none matches. */
export function sinkKind(
  target: string,
): 'mysql' | 'duckdb' | 'arrow' | 'arrows' | 'csv' | 'tsv' | 'stdout' | undefined {
  if (target === '-') return 'stdout';
  if (/^(mysql|mariadb):\/\//i.test(target)) return 'mysql';
  if (/^duckdb:/i.test(target)) return 'duckdb';
  const path = target.toLowerCase();
  if (path.endsWith('.duckdb') || path.endsWith('.ddb')) return 'duckdb';
  if (path.endsWith('.arrow') || path.endsWith('.feather') || path.endsWith('.ipc')) return 'arrow';
  if (path.endsWith('.arrows')) return 'arrows';
  if (path.endsWith('.csv')) return 'csv';
  if (path.endsWith('.tsv')) return 'tsv';
  return undefined;
}

export async function openSink(target: string, opts: OpenSinkOptions = {}): Promise<Sink> {
  const kind = sinkKind(target);
  switch (kind) {
    case 'stdout':
      return CsvSink.toStream(process.stdout, {}, 'stdout');
    case 'mysql':
      return MySqlSink.open(target, opts);
    case 'duckdb': {
      let path = target;
      let table = opts.table;
      if (/^duckdb:/i.test(target)) {
        // duckdb:path/to/file.duckdb?table=name (also duckdb:///abs/path)
        const rest = target.slice('duckdb:'.length).replace(/^\/\//, '');
        const q = rest.indexOf('?');
        path = q < 0 ? rest : rest.slice(0, q);
        table ??= q < 0 ? undefined : (new URLSearchParams(rest.slice(q + 1)).get('table') ?? undefined);
        if (!path) throw new RangeError(`DuckDB sink '${target}' names no file`);
      }
      return DuckDbSink.open(path, {
        table: table ?? 'result',
        ...(opts.keyColumns ? { keyColumns: opts.keyColumns } : {}),
        ...(opts.replace ? { replace: true } : {}),
      });
    }
    case 'arrow':
      return ArrowFileSink.open(target, { format: 'file' });
    case 'arrows':
      return ArrowFileSink.open(target, { format: 'stream' });
    case 'csv':
      return CsvSink.open(target);
    case 'tsv':
      return CsvSink.open(target, { delimiter: '\t' });
    default:
      throw new RangeError(
        `no sink for '${target}': use a .arrow/.arrows/.csv/.tsv/.duckdb path, duckdb:<path>?table=…, mysql://…?table=…, or - for stdout`,
      );
  }
}
