/**
 * One bundle in flight: the ProcessBundleRequest, the input elements (sent in `Elements`
 * messages of up to `flushBytes`, many elements each, then `is_last`), and the output elements,
 * split per input batch, decoded, checked for row count and type, and joined with the forwarded
 * columns as they arrive. The bundle is done when both the worker's ProcessBundleResponse and
 * the output's `is_last` arrived (as Beam's ActiveBundle.close() waits for both), or failed as a
 * whole with one error: the worker's own message, a row-count mismatch, or the worker's death.
 */
import { type Data, makeData, RecordBatch, type Schema, Struct } from 'apache-arrow';
import type { InstructionResponse } from '../proto/fn-api.js';
import type { MonitoringInfo } from '../proto/pipeline.js';
import { BufferPool } from '../proto/buffer-pool.js';
import { encodeElements, type IncomingData } from '../proto/elements-codec.js';
import type { RunMetrics } from './metrics.js';
import type { ModeCodec, OutPart } from './mode.js';
import { OutputSplitter } from './output-splitter.js';
import { type DataReceiver, newInstructionId, type WorkerConnection } from './worker-connection.js';

/** Buffers of outgoing Data messages, reused once gRPC has copied them. */
const messageBuffers = new BufferPool();

/** Transform ids of the descriptor's data source and sink (pyflink.md §1.3). */
export const INPUT_TRANSFORM = 'fn/read/input:0';
export const OUTPUT_TRANSFORM = 'fn/write/:0';

/** The part of a worker connection a bundle uses. */
export type BundleTransport = Pick<
  WorkerConnection,
  'id' | 'instruct' | 'addReceiver' | 'removeReceiver' | 'sendData'
>;

/** One input batch of a bundle. */
export interface Chunk {
  /** Columns kept for the output: the input rows (or, for an aggregate, the group's key row). */
  forwarded: RecordBatch;
  /** The UDF input columns. */
  udfInput: RecordBatch;
  /** Rows the result must have (= input rows; 1 for a group). */
  resultRows: number;
  /** Index of the chunk's first input row in the whole run (for messages). */
  firstRow: number;
  /** Close the bundle after this chunk (its rows waited long enough). */
  flush?: boolean;
}

/** A bundle failed; `message` carries the worker's own message when it sent one. */
export class BundleError extends Error {
  constructor(
    message: string,
    readonly bundleId: string,
    readonly workerId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BundleError';
  }
}

export interface BundleOptions {
  descriptorId: string;
  codec: ModeCodec;
  /** Schema of the output batches: forwarded fields, then result fields. */
  outputSchema: Schema;
  /** Send input once this many bytes are buffered (Beam's runner uses 1,000,000). */
  flushBytes: number;
  metrics: RunMetrics;
}

export class Bundle implements DataReceiver {
  readonly id = newInstructionId();
  /** Input rows added. */
  rows = 0;
  readonly chunks: Chunk[] = [];
  /** Output batches, in input order, for the chunks decoded so far. */
  readonly results: RecordBatch[] = [];
  /** Set when the bundle failed. */
  error: Error | undefined;
  /** Worker metrics of this bundle (from its ProcessBundleResponse). */
  monitoringInfos: readonly MonitoringInfo[] = [];
  /** Resolves when the bundle completed or failed; never rejects. */
  readonly settled: Promise<void>;
  /** performance.now() when it settled. */
  settledAt = 0;
  private resolveSettled!: () => void;
  private isSettled = false;
  private responded = false;
  private outputEnded = false;
  private pendingParts: OutPart[] = [];
  private pendingBytes = 0;
  private readonly splitter: OutputSplitter;
  private decoded = 0;

  constructor(
    private readonly transport: BundleTransport,
    private readonly opts: BundleOptions,
  ) {
    this.settled = new Promise((r) => {
      this.resolveSettled = r;
    });
    this.splitter = new OutputSplitter((bytes, n) => this.onGroup(bytes, n));
  }

  /** Registers for output and sends the ProcessBundleRequest (Flink sends it before the data). */
  start(): void {
    this.transport.addReceiver(this.id, this);
    this.transport
      .instruct(
        { processBundle: { processBundleDescriptorId: this.opts.descriptorId, cacheTokens: [] } },
        this.id,
      )
      .then(
        (resp) => this.onResponse(resp),
        (e: Error) => this.fail(e),
      );
  }

  /** Adds an input batch; returns a promise when the caller should wait for gRPC to drain. */
  add(chunk: Chunk): Promise<void> | undefined {
    const m = this.opts.metrics;
    const t0 = performance.now();
    const parts = this.opts.codec.encode(chunk.udfInput);
    m.encodeMs += performance.now() - t0;
    this.chunks.push(chunk);
    this.rows += chunk.udfInput.numRows;
    this.splitter.expect(this.opts.codec.outputElements(chunk.udfInput.numRows, chunk.resultRows));
    for (const p of parts) {
      this.pendingParts.push(p);
      this.pendingBytes += p instanceof Uint8Array ? p.byteLength : p.size;
    }
    if (this.pendingBytes >= this.opts.flushBytes) return this.flush(false);
    return undefined;
  }

  /** Sends what is buffered and `is_last`. */
  finish(): Promise<void> | undefined {
    return this.flush(true);
  }

  private flush(isLast: boolean): Promise<void> | undefined {
    if (this.error) return undefined;
    const m = this.opts.metrics;
    const t0 = performance.now();
    // Deferred parts (Arrow elements) are encoded here, straight into the message, whose buffer
    // comes from (and goes back to) a small pool.
    let buf: Buffer | undefined;
    const msg = encodeElements(
      [{ instructionId: this.id, transformId: INPUT_TRANSFORM, parts: this.pendingParts, isLast }],
      (n) => (buf = messageBuffers.take(n)),
    );
    const tEncoded = performance.now();
    m.encodeMs += tEncoded - t0;
    m.bytesSent += this.pendingBytes;
    this.pendingParts = [];
    this.pendingBytes = 0;
    const wait = this.transport.sendData(msg, () => messageBuffers.give(buf!));
    const t1 = performance.now();
    m.sendMs += t1 - tEncoded;
    if (!wait) return undefined;
    return wait.then(
      () => {
        m.sendMs += performance.now() - t1;
      },
      (e: Error) => {
        this.fail(e);
      },
    );
  }

  onData(d: IncomingData): void {
    if (this.isSettled) return;
    if (d.transformId !== OUTPUT_TRANSFORM) {
      this.fail(
        this.err(`the worker sent data for transform '${d.transformId}', expected '${OUTPUT_TRANSFORM}'`),
      );
      return;
    }
    this.opts.metrics.bytesReceived += d.data.length;
    try {
      if (d.data.length > 0) this.splitter.push(d.data);
      if (d.isLast) {
        this.splitter.finish();
        this.outputEnded = true;
        this.maybeComplete();
      }
    } catch (e) {
      this.fail(e instanceof BundleError ? e : this.err((e as Error).message, e));
    }
  }

  onWorkerGone(err: Error): void {
    this.fail(this.err(`${err.message}; the bundle's results are lost`, err));
  }

  private onGroup(bytes: Uint8Array, elements: number): void {
    const m = this.opts.metrics;
    const k = this.decoded++;
    const chunk = this.chunks[k]!;
    const t0 = performance.now();
    let cols: Data[];
    try {
      cols = this.opts.codec.decode(bytes, elements);
    } catch (e) {
      throw this.err(`cannot decode result batch ${k} (${this.rowsOf(chunk)}): ${(e as Error).message}`, e);
    }
    const t1 = performance.now();
    m.decodeMs += t1 - t0;
    const fields = this.opts.outputSchema.fields;
    const nf = chunk.forwarded.numCols;
    if (cols.length !== fields.length - nf) {
      throw this.err(
        `result batch ${k} (${this.rowsOf(chunk)}) has ${cols.length} column(s), expected ${fields.length - nf}`,
      );
    }
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c]!;
      const f = fields[nf + c]!;
      if (col.length !== chunk.resultRows) {
        throw this.err(
          `result column '${f.name}' of batch ${k} (${this.rowsOf(chunk)}) has ${col.length} rows, expected ${chunk.resultRows}`,
        );
      }
      if (col.type.typeId !== f.type.typeId || String(col.type) !== String(f.type)) {
        throw this.err(
          `result column '${f.name}' of batch ${k} has Arrow type ${String(col.type)}, expected ${String(f.type)}`,
        );
      }
    }
    const children = [...chunk.forwarded.data.children, ...cols];
    const data = makeData({
      type: new Struct(fields),
      length: chunk.resultRows,
      nullCount: 0,
      children,
    });
    this.results.push(new RecordBatch(this.opts.outputSchema, data));
    m.joinMs += performance.now() - t1;
  }

  private onResponse(resp: InstructionResponse): void {
    if (resp.error) {
      this.fail(
        this.err(`worker ${this.transport.id} failed bundle ${this.id} (${this.inputRows()}): ${resp.error}`),
      );
      return;
    }
    this.monitoringInfos = resp.processBundle?.monitoringInfos ?? [];
    this.responded = true;
    this.maybeComplete();
  }

  private maybeComplete(): void {
    if (this.isSettled || !this.responded || !this.outputEnded) return;
    this.settle();
  }

  /** Fails the bundle (first reason wins) and stops listening for its output. */
  fail(e: Error): void {
    if (this.isSettled) return;
    this.error = e instanceof BundleError ? e : this.err(e.message, e);
    this.results.length = 0;
    this.settle();
  }

  private settle(): void {
    this.isSettled = true;
    this.settledAt = performance.now();
    this.transport.removeReceiver(this.id);
    this.resolveSettled();
  }

  private err(message: string, cause?: unknown): BundleError {
    return new BundleError(message, this.id, this.transport.id, cause === undefined ? undefined : { cause });
  }

  private rowsOf(c: Chunk): string {
    return `input rows ${c.firstRow}–${c.firstRow + c.udfInput.numRows - 1}`;
  }

  private inputRows(): string {
    if (this.chunks.length === 0) return 'no rows';
    const first = this.chunks[0]!.firstRow;
    const last = this.chunks[this.chunks.length - 1]!;
    return `input rows ${first}–${last.firstRow + last.udfInput.numRows - 1}`;
  }
}
