/**
 * CSV sink: a header line, then one line per row (see csv-encode.ts for the text of each type).
 * Writes to a file, or to any writable stream (stdout for `-`).
 *
 * Upserts cannot rewrite a file in place: upserted rows are kept (compacted to the last row per
 * key) and written at `close`, after the appended rows. That suits small result tables such as
 * the per-province statistic.
 *
 * @example
 * const sink = await CsvSink.open('out/logs.csv');
 * for await (const batch of batches) await sink.write(batch);
 * await sink.close();
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type * as arrow from 'apache-arrow';
import { ByteWriter } from './byte-writer.js';
import { CsvEncoder, type CsvOptions } from './csv-encode.js';
import { UpsertBuffer } from './dedupe.js';
import { checkKeyColumns, checkSameSchema, type Sink } from './sink.js';
import { endStream, writeChunk } from './write-stream.js';

export interface CsvSinkOptions extends CsvOptions {
  /** Write the header line (default true). */
  header?: boolean;
}

export class CsvSink implements Sink {
  private encoder: CsvEncoder | undefined;
  private readonly writer = new ByteWriter();
  private readonly upserts = new UpsertBuffer();
  private closed = false;

  private constructor(
    readonly target: string,
    private readonly stream: Writable,
    private readonly ownsStream: boolean,
    private readonly opts: CsvSinkOptions,
  ) {}

  /** Opens (creates or truncates) a CSV file, creating its directory if needed. */
  static async open(path: string, opts: CsvSinkOptions = {}): Promise<CsvSink> {
    mkdirSync(dirname(path), { recursive: true });
    const stream = createWriteStream(path);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return new CsvSink(path, stream, true, opts);
  }

  /** A sink writing to a stream it does not own (it is not ended by `close`), e.g. stdout. */
  static toStream(stream: Writable, opts: CsvSinkOptions = {}, target = 'stream'): CsvSink {
    return new CsvSink(target, stream, false, opts);
  }

  async write(batch: arrow.RecordBatch): Promise<void> {
    this.checkOpen();
    const enc = this.encoderFor(batch);
    const w = this.writer;
    w.clear();
    // Encode in slices so the buffer stays moderate for huge batches.
    const step = 65_536;
    for (let start = 0; start < batch.numRows; start += step) {
      enc.rows(start === 0 && batch.numRows <= step ? batch : batch.slice(start, start + step), w);
      if (w.pos >= 1 << 22) {
        await writeChunk(this.stream, Buffer.from(w.view()));
        w.clear();
      }
    }
    if (w.pos > 0) await writeChunk(this.stream, Buffer.from(w.view()));
  }

  async upsert(batch: arrow.RecordBatch, keyColumns: readonly string[]): Promise<void> {
    this.checkOpen();
    checkKeyColumns(this.target, batch.schema, keyColumns);
    this.encoderFor(batch);
    this.upserts.add(batch, keyColumns);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      const latest = this.upserts.result();
      if (latest) {
        this.closed = false;
        await this.write(latest);
        this.closed = true;
      }
    } finally {
      if (this.ownsStream) await endStream(this.stream);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`${this.target}: the CSV sink is closed`);
  }

  /** The encoder, made (and the header written) on the first batch; later batches must match. */
  private encoderFor(batch: arrow.RecordBatch): CsvEncoder {
    if (this.encoder) {
      checkSameSchema(this.target, this.encoder.schema, batch);
      return this.encoder;
    }
    this.encoder = new CsvEncoder(batch.schema, this.opts);
    if (this.opts.header !== false) {
      this.encoder.header(this.writer);
      this.stream.write(Buffer.from(this.writer.view()));
      this.writer.clear();
    }
    return this.encoder;
  }
}
