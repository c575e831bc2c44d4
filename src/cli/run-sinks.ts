/**
 * Where `vecudf run` writes: `--output` (a file whose extension picks Arrow IPC file, stream or
 * CSV, or `-` for stdout) and `--sink` (any target of src/sink's `openSink`: CSV, Arrow, DuckDB,
 * MySQL). Both get every result batch; with `--key`, the sink takes upserts instead of appends.
 *
 * @example
 * const sinks = await openRunSinks({ output: '-', outputFormat: 'csv' });
 * for await (const b of run) await writeAll(sinks, b);
 * await closeAll(sinks);
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import * as arrow from 'apache-arrow';
import { ArrowFileSink } from '../sink/arrow-file.js';
import { CsvSink } from '../sink/csv.js';
import { openSink, sinkKind } from '../sink/open.js';
import { checkSameSchema, type Sink } from '../sink/sink.js';

export interface RunSinkOptions {
  output?: string;
  /** Format of `--output`: by default its extension's (`-`: CSV). */
  outputFormat?: 'csv' | 'arrow';
  sink?: string;
  /** Upsert key columns for `--sink`. */
  key?: readonly string[];
}

/** One opened target, and whether it takes upserts. */
export interface RunSink {
  sink: Sink;
  upsertKey?: readonly string[];
}

/** Arrow IPC stream on a writable it does not own (stdout): each batch goes out as it comes. */
export class ArrowStreamSink implements Sink {
  private writer: arrow.RecordBatchStreamWriter | undefined;
  private schema: arrow.Schema | undefined;
  private piped: Promise<void> | undefined;

  constructor(
    private readonly out: Writable,
    readonly target = 'stdout',
  ) {}

  async write(batch: arrow.RecordBatch): Promise<void> {
    if (this.schema) checkSameSchema(this.target, this.schema, batch);
    else this.schema = batch.schema;
    if (!this.writer) {
      this.writer = new arrow.RecordBatchStreamWriter();
      const bytes = this.writer.toNodeStream();
      bytes.pipe(this.out, { end: false });
      this.piped = once(bytes, 'end').then(() => {});
      this.piped.catch(() => {});
    }
    this.writer.write(batch);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async close(): Promise<void> {
    if (!this.writer) return;
    this.writer.finish();
    this.writer.close();
    await this.piped;
  }
}

function openOutput(path: string, format: 'csv' | 'arrow' | undefined): Promise<Sink> | Sink {
  if (path === '-') {
    return format === 'arrow'
      ? new ArrowStreamSink(process.stdout)
      : CsvSink.toStream(process.stdout, {}, 'stdout');
  }
  const kind = sinkKind(path);
  if (format === 'csv' || (format === undefined && (kind === 'csv' || kind === 'tsv'))) {
    return CsvSink.open(path, kind === 'tsv' ? { delimiter: '\t' } : {});
  }
  // any other name is an Arrow file, as before CSV output existed; `.arrows` is the stream format
  return ArrowFileSink.open(path, { format: kind === 'arrows' ? 'stream' : 'file' });
}

/** Opens `--output` and `--sink` (at least one must be given). */
export async function openRunSinks(o: RunSinkOptions): Promise<RunSink[]> {
  if (o.output === undefined && o.sink === undefined)
    throw new Error('give --output <file|-> or --sink <target>');
  if (o.key && o.sink === undefined) throw new Error('--key is for --sink (upsert by these columns)');
  const sinks: RunSink[] = [];
  try {
    if (o.output !== undefined) sinks.push({ sink: await openOutput(o.output, o.outputFormat) });
    if (o.sink !== undefined) {
      const sink = await openSink(o.sink, o.key ? { keyColumns: o.key } : {});
      sinks.push({ sink, ...(o.key ? { upsertKey: o.key } : {}) });
    }
  } catch (e) {
    await closeAll(sinks).catch(() => {});
    throw e;
  }
  return sinks;
}

/** Writes (or upserts) one batch to every target. */
export async function writeAll(sinks: readonly RunSink[], batch: arrow.RecordBatch): Promise<void> {
  for (const s of sinks) {
    if (s.upsertKey) {
      if (!s.sink.upsert) throw new Error(`${s.sink.target}: this sink cannot upsert`);
      await s.sink.upsert(batch, s.upsertKey);
    } else {
      await s.sink.write(batch);
    }
  }
}

/** Closes every target; the first error is thrown after all were tried. */
export async function closeAll(sinks: readonly RunSink[]): Promise<void> {
  let first: unknown;
  for (const s of sinks) {
    try {
      await s.sink.close();
    } catch (e) {
      first ??= e;
    }
  }
  if (first !== undefined) throw first;
}
