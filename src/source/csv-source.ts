/**
 * A CSV source: byte chunks in (a file or stdin stream, any async iterable), Arrow record batches
 * out. A batch is cut at `batchSize` rows, or once its oldest row has waited `batchTimeMs` for
 * more input — so a slow trickle of lines still comes out with bounded latency, while a file read
 * at full speed gives full batches.
 *
 * @example
 * const src = new CsvSource(process.stdin, { columns, batchSize: 10_000, batchTimeMs: 200 });
 * for await (const batch of src) …;
 * console.error(src.rowsRead, src.badLines);
 */
import type { RecordBatch } from 'apache-arrow';
import { nextBefore } from '../util/iterate.js';
import { type CsvDecodeOptions, CsvDecoder } from './csv-decoder.js';

export interface CsvSourceOptions extends CsvDecodeOptions {
  /** Rows per batch (default 10,000). */
  batchSize?: number;
  /** Longest time a parsed row waits for its batch to fill, in ms (default 200). */
  batchTimeMs?: number;
}

export class CsvSource implements AsyncIterable<RecordBatch> {
  private readonly decoder: CsvDecoder;
  private readonly batchSize: number;
  private readonly batchTimeMs: number;
  private started = false;

  constructor(
    private readonly input: AsyncIterable<Uint8Array | string>,
    opts: CsvSourceOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 10_000;
    this.batchTimeMs = opts.batchTimeMs ?? 200;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new RangeError(`batch size must be a positive integer, got ${this.batchSize}`);
    }
    if (!(this.batchTimeMs > 0)) throw new RangeError(`batch time must be positive, got ${this.batchTimeMs}`);
    this.decoder = new CsvDecoder({ capacity: this.batchSize, ...opts });
  }

  /** Good rows read so far. */
  get rowsRead(): number {
    return this.decoder.rowsRead;
  }

  /** Malformed lines reported so far. */
  get badLines(): number {
    return this.decoder.badLines;
  }

  [Symbol.asyncIterator](): AsyncGenerator<RecordBatch> {
    if (this.started) throw new Error('a CSV source can be read only once');
    this.started = true;
    return this.batches();
  }

  private async *batches(): AsyncGenerator<RecordBatch> {
    const dec = this.decoder;
    const size = this.batchSize;
    const it = this.input[Symbol.asyncIterator]();
    const encoder = new TextEncoder();
    let next: Promise<IteratorResult<Uint8Array | string>> | undefined;
    // when the oldest row (or, before the types are known, the oldest bytes) of the batch came
    let since = 0;
    try {
      while (true) {
        next ??= it.next();
        const waiting = dec.rows > 0 || (!dec.typed && dec.pendingBytes > 0);
        const r = waiting ? await nextBefore(next, since + this.batchTimeMs) : await next;
        if (r === 'timeout') {
          // rows waited long enough: out with what there is (inferring the types now if needed)
          while (dec.parse(size, true)) yield dec.take()!;
          const b = dec.take();
          if (b) yield b;
          since = performance.now();
          continue;
        }
        next = undefined;
        if (r.done) break;
        const hadRows = dec.rows > 0 || (!dec.typed && dec.pendingBytes > 0);
        dec.push(typeof r.value === 'string' ? encoder.encode(r.value) : r.value);
        let cut = false;
        while (dec.parse(size)) {
          yield dec.take()!;
          cut = true;
        }
        if (!hadRows || cut) since = performance.now();
      }
      dec.end();
      while (dec.parse(size)) yield dec.take()!;
      const last = dec.take();
      if (last) yield last;
    } finally {
      // stopped early: let the input go (a stream is destroyed); a read still pending is dropped
      if (next === undefined) await it.return?.();
      else void it.return?.();
    }
  }
}
