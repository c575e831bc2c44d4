/**
 * Arrow IPC sink: the file format (`.arrow`, `.feather`: random access, footer at the end) or the
 * stream format (`.arrows`: readable while it is written). Batches are written as they come, with
 * no copy into a table first.
 *
 * Upserts are kept (compacted to the last row per key) and written as one more batch at `close`,
 * after the appended batches.
 *
 * @example
 * const sink = await ArrowFileSink.open('out/result.arrow');
 * await sink.write(batch);
 * await sink.close();
 * // read back: arrow.tableFromIPC(readFileSync('out/result.arrow'))
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as arrow from 'apache-arrow';
import { UpsertBuffer } from './dedupe.js';
import { checkKeyColumns, checkSameSchema, type Sink } from './sink.js';

export interface ArrowFileSinkOptions {
  /** `file` (default) or `stream` (the IPC streaming format). */
  format?: 'file' | 'stream';
}

export class ArrowFileSink implements Sink {
  private writer: arrow.RecordBatchWriter | undefined;
  private schema: arrow.Schema | undefined;
  private done: Promise<void> | undefined;
  private readonly upserts = new UpsertBuffer();
  private closed = false;

  private constructor(
    readonly target: string,
    private readonly format: 'file' | 'stream',
  ) {}

  /** Opens (creates or truncates) the file when the first batch comes; creates its directory now. */
  static async open(path: string, opts: ArrowFileSinkOptions = {}): Promise<ArrowFileSink> {
    mkdirSync(dirname(path), { recursive: true });
    return new ArrowFileSink(path, opts.format ?? 'file');
  }

  async write(batch: arrow.RecordBatch): Promise<void> {
    if (this.closed) throw new Error(`${this.target}: the Arrow sink is closed`);
    this.start(batch).write(batch);
    // Let the pipe to the file run before the next batch, so bytes do not pile up in memory.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async upsert(batch: arrow.RecordBatch, keyColumns: readonly string[]): Promise<void> {
    if (this.closed) throw new Error(`${this.target}: the Arrow sink is closed`);
    checkKeyColumns(this.target, batch.schema, keyColumns);
    if (this.schema) checkSameSchema(this.target, this.schema, batch);
    else this.schema = batch.schema;
    this.upserts.add(batch, keyColumns);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const latest = this.upserts.result();
    if (latest) this.start(latest).write(latest);
    // A sink that got no batch still leaves a valid file, if it knows a schema; else none.
    if (!this.writer) return;
    this.writer.finish();
    this.writer.close();
    await this.done;
  }

  /** The writer, started (file opened, piped) on the first batch; later batches must match. */
  private start(batch: arrow.RecordBatch): arrow.RecordBatchWriter {
    if (this.schema) checkSameSchema(this.target, this.schema, batch);
    else this.schema = batch.schema;
    if (!this.writer) {
      this.writer =
        this.format === 'file' ? new arrow.RecordBatchFileWriter() : new arrow.RecordBatchStreamWriter();
      this.done = pipeline(this.writer.toNodeStream(), createWriteStream(this.target));
      // Surface a failed pipeline at close, and avoid an unhandled rejection before then.
      this.done.catch(() => {});
    }
    return this.writer;
  }
}
