/**
 * Opens an input for `vecudf run`: a path or `-` (stdin), CSV or Arrow IPC. The format comes from
 * `format`, else the extension (`.csv`, `.tsv` tab-delimited; `.arrow`, `.arrows`, `.feather`,
 * `.ipc`), else the first bytes: an Arrow stream starts with the continuation marker 0xFFFFFFFF,
 * an Arrow file with `ARROW1`; anything else is read as CSV.
 *
 * @example
 * const src = await openSource('-', { schema: 'uuid STRING, client_ip STRING', batchTimeMs: 200 });
 * for await (const batch of src.batches) …;
 * src.stats(); // { format: 'csv', rowsRead, badLines }
 */
import { createReadStream } from 'node:fs';
import type { RecordBatch } from 'apache-arrow';
import { parseDataType } from '../types/parse.js';
import { continueWith } from '../util/iterate.js';
import { arrowBatches, arrowFileBatches } from './arrow-source.js';
import type { CsvColumnSpec } from './csv-decoder.js';
import { CsvSource, type CsvSourceOptions } from './csv-source.js';
import { SourceError } from './errors.js';

export type SourceFormat = 'csv' | 'arrow';

export interface OpenSourceOptions extends Omit<CsvSourceOptions, 'columns'> {
  /** The input's format (default: by extension, else by its first bytes). */
  format?: SourceFormat;
  /** CSV columns in Flink SQL, `name TYPE, …` (e.g. `uuid STRING, request_time BIGINT`). */
  schema?: string;
  /** The stream to read for `-` (default process.stdin). */
  stdin?: AsyncIterable<Uint8Array>;
}

export interface OpenedSource {
  format: SourceFormat;
  batches: AsyncIterable<RecordBatch>;
  /** Rows read and malformed lines skipped so far (CSV; for Arrow, rows counted as they pass). */
  stats(): { format: SourceFormat; rowsRead: number; badLines: number };
}

/** The format an input's name says, if it says one. */
export function formatOfPath(path: string): { format: SourceFormat; delimiter?: string } | undefined {
  const p = path.toLowerCase();
  if (p.endsWith('.csv')) return { format: 'csv' };
  if (p.endsWith('.tsv')) return { format: 'csv', delimiter: '\t' };
  if (['.arrow', '.arrows', '.feather', '.ipc'].some((x) => p.endsWith(x))) return { format: 'arrow' };
  return undefined;
}

/** The format the first bytes of an input show. */
export function sniffFormat(head: Uint8Array): SourceFormat {
  const continuation =
    head.length >= 4 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff;
  const magic = head.length >= 6 && Buffer.from(head.subarray(0, 6)).toString('latin1') === 'ARROW1';
  return continuation || magic ? 'arrow' : 'csv';
}

/** `name TYPE, …` → columns, through Flink's ROW syntax (so quoted names and nested commas work). */
export function parseCsvSchema(schema: string): CsvColumnSpec[] {
  let row: ReturnType<typeof parseDataType>;
  try {
    row = parseDataType(`ROW<${schema}>`);
  } catch (e) {
    throw new SourceError(
      `--schema '${schema}': ${(e as Error).message.replace(/^invalid data type '.*?': /, '')}`,
    );
  }
  if (row.kind !== 'ROW' || row.fields.length === 0)
    throw new SourceError(`--schema '${schema}' names no column`);
  return row.fields.map((f) => ({ name: f.name, type: f.type }));
}

/** Reads the first chunks until `n` bytes (or the end); returns them and a stream of everything. */
async function peekBytes(
  input: AsyncIterable<Uint8Array>,
  n: number,
): Promise<{ head: Uint8Array; all: AsyncIterable<Uint8Array> }> {
  const it = input[Symbol.asyncIterator]();
  const taken: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    taken.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(taken);
  return { head, all: continueWith(taken, it, done) };
}

/** Counts rows as batches pass. */
function counted(batches: AsyncIterable<RecordBatch>, count: { rows: number }): AsyncIterable<RecordBatch> {
  return (async function* () {
    for await (const b of batches) {
      count.rows += b.numRows;
      yield b;
    }
  })();
}

export async function openSource(input: string, opts: OpenSourceOptions = {}): Promise<OpenedSource> {
  const byName = input === '-' ? undefined : formatOfPath(input);
  const file = input === '-' ? undefined : createReadStream(input);
  if (file) {
    // fail now on a missing file, with its path, rather than at the first read
    await new Promise<void>((resolve, reject) => {
      file.once('open', () => resolve());
      file.once('error', (e) => reject(new SourceError(`cannot read ${input}: ${(e as Error).message}`)));
    });
  }
  let stream: AsyncIterable<Uint8Array> = file ?? opts.stdin ?? (process.stdin as AsyncIterable<Uint8Array>);
  let format = opts.format ?? byName?.format;
  if (!format) {
    const { head, all } = await peekBytes(stream, 6);
    format = sniffFormat(head);
    stream = all;
  }
  const what = input === '-' ? 'stdin' : input;
  if (format === 'arrow') {
    file?.destroy(); // a file is read whole, see arrow-source.ts
    if (opts.schema !== undefined)
      throw new SourceError('--schema is for CSV input; an Arrow input carries its schema');
    const count = { rows: 0 };
    return {
      format,
      batches: counted(input === '-' ? arrowBatches(stream, what) : arrowFileBatches(input), count),
      stats: () => ({ format: 'arrow', rowsRead: count.rows, badLines: 0 }),
    };
  }
  const { schema, format: _f, stdin: _s, ...csvOpts } = opts;
  const src = new CsvSource(stream, {
    ...(byName?.delimiter && opts.delimiter === undefined ? { delimiter: byName.delimiter } : {}),
    ...csvOpts,
    ...(schema !== undefined ? { columns: parseCsvSchema(schema) } : {}),
  });
  return {
    format,
    batches: src,
    stats: () => ({ format: 'csv', rowsRead: src.rowsRead, badLines: src.badLines }),
  };
}
