/**
 * Sinks: where result batches go (Arrow IPC, CSV, DuckDB, MySQL/MariaDB), and `openSink`, which
 * picks one from a path or URL.
 */
export { ArrowFileSink, type ArrowFileSinkOptions } from './arrow-file.js';
export { CsvSink, type CsvSinkOptions } from './csv.js';
export { DuckDbSink, type DuckDbSinkOptions } from './duckdb.js';
export { MySqlSink, type MySqlSinkOptions, parseMySqlUrl } from './mysql.js';
export { type OpenSinkOptions, openSink, sinkKind } from './open.js';
export { type Sink, SinkSchemaError } from './sink.js';
