/**
 * One bundle in flight: the ProcessBundleRequest, the input elements (sent in `Elements`
 * messages of up to `flushBytes`, many elements each, then `is_last`), and the output elements,
 * split per input batch, decoded, checked for row count and type, and joined with the forwarded
 * columns as they arrive. The bundle is done when both the worker's ProcessBundleResponse and
 * the output's `is_last` arrived (as Beam's ActiveBundle.close() waits for both), or failed as a
 * whole with one error: the worker's own message, a row-count mismatch, a timeout, or the worker's
 * death.
 *
 * The bundle keeps its input chunks until it is done, so that when its worker dies it can be sent
 * again, whole, to a new worker (`retry`): under a new instruction id, with the results of the
 * lost attempt dropped, so every row's result comes exactly once. A message that would be larger
 * than `SPLIT_PAYLOAD_BYTES` (one huge batch) is cut into several (split-messages.ts).
 */
import { Data, type DataType, type RecordBatch, type Schema, Struct } from 'apache-arrow';
import {
  ElementsMessage,
  encodeElements,
  type IncomingData,
  type OutgoingData,
  type PayloadPart,
} from '../proto/elements-codec.js';
import type { InstructionResponse } from '../proto/fn-api.js';
import type { MonitoringInfo } from '../proto/pipeline.js';
import { SPLIT_PAYLOAD_BYTES, splitOutgoing } from '../proto/split-messages.js';
import { recordBatchOf } from '../util/record-batch.js';
import type { RunMetrics } from './metrics.js';
import type { ModeCodec, OutPart } from './mode.js';
import { OutputSplitter } from './output-splitter.js';
import {
  type DataReceiver,
  newInstructionId,
  type WorkerConnection,
  WorkerGoneError,
} from './worker-connection.js';

/**
 * What joining results to an output schema needs, made once per schema: its struct type, and for
 * each field the result type last found equal to it (a decoder hands out the same type objects
 * while the elements repeat their schema, so a batch's columns are checked by identity).
 */
class OutputShape {
  readonly type: Struct;
  readonly checked: (DataType | undefined)[] = [];

  constructor(readonly schema: Schema) {
    this.type = new Struct(schema.fields);
  }

  /** Whether field `i` may hold a column of type `t` (remembered when it may). */
  check(i: number, t: DataType): boolean {
    const f = this.schema.fields[i]!;
    if (t.typeId !== f.type.typeId || String(t) !== String(f.type)) return false;
    this.checked[i] = t;
    return true;
  }

  /** The struct Data of an output batch: what `makeData` builds, without its visitor. */
  struct(length: number, children: Data[]): Data<Struct> {
    return new Data(this.type, 0, length, 0, [undefined, undefined, NO_BITMAP] as never, children);
  }
}

const NO_BITMAP = new Uint8Array(0);
const shapes = new WeakMap<Schema, OutputShape>();

function outputOf(schema: Schema): OutputShape {
  let s = shapes.get(schema);
  if (s === undefined) {
    s = new OutputShape(schema);
    shapes.set(schema, s);
  }
  return s;
}

/** Transform ids of the descriptor's data source and sink (pyflink.md §1.3). */
export const INPUT_TRANSFORM = 'fn/read/input:0';
export const OUTPUT_TRANSFORM = 'fn/write/:0';

/** The part of a worker connection a bundle uses. */
export type BundleTransport = Pick<
  WorkerConnection,
  'id' | 'instruct' | 'addReceiver' | 'removeReceiver' | 'sendData'
>;

/**
 * A transport that stands for whichever worker is current (the runner's, which may be replaced
 * after a crash): a bundle takes `current()` when it starts and keeps it for that attempt.
 */
export interface WorkerSlot extends BundleTransport {
  current(): BundleTransport;
}

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

/** Re-sending a bundle whose worker went away. */
export interface BundleRetry {
  /**
   * Called when the worker of a bundle's attempt went away (`err`): resolves with a transport to
   * a live worker to send the bundle to again, or undefined when it may not be retried (it then
   * fails). `bundle.workerLosses` counts the attempts lost so far, this one included.
   */
  recover(bundle: Bundle, err: Error): Promise<BundleTransport | undefined>;
}

export interface BundleOptions {
  descriptorId: string;
  codec: ModeCodec;
  /** Schema of the output batches: forwarded fields, then result fields. */
  outputSchema: Schema;
  /** Send input once this many bytes are buffered (Beam's runner uses 1,000,000). */
  flushBytes: number;
  metrics: RunMetrics;
  /** Fail an attempt that has not completed this long after its ProcessBundleRequest (ms; default: no limit). */
  timeoutMs?: number | undefined;
  /** Re-send the bundle to a new worker when its worker goes away (default: fail it). */
  retry?: BundleRetry | undefined;
}

export class Bundle implements DataReceiver {
  /** Instruction id of the current attempt (a retry gets a new one). */
  id = newInstructionId();
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
  /** Attempts lost with their worker (a bundle started on a worker already known dead does not count). */
  workerLosses = 0;
  /** Instruction ids of the lost attempts, oldest first. */
  readonly lostIds: string[] = [];
  private resolveSettled!: () => void;
  private isSettled = false;
  private responded = false;
  private outputEnded = false;
  /** `finish()` was called: `is_last` goes out (again, on a retry) once everything is sent. */
  private finished = false;
  private pendingParts: OutPart[] = [];
  private pendingBytes = 0;
  private splitter: OutputSplitter;
  private decoded = 0;
  private transport: BundleTransport;
  /** Numbers the attempts: events of an earlier attempt are ignored. */
  private attempt = 0;
  /** While the bundle waits for a new worker and re-sends its input: what `add`/`finish` wait for. */
  private recovery: Promise<void> | undefined;
  /** Inside `start()`'s addReceiver: a loss now means the worker was dead before the bundle reached it. */
  private starting = false;
  private lostWhileStarting = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    transport: BundleTransport | WorkerSlot,
    private readonly opts: BundleOptions,
  ) {
    this.transport = 'current' in transport ? transport.current() : transport;
    this.settled = new Promise((r) => {
      this.resolveSettled = r;
    });
    this.splitter = this.newSplitter();
  }

  /** Id of the worker the current attempt runs on. */
  get workerId(): string {
    return this.transport.id;
  }

  private newSplitter(): OutputSplitter {
    const attempt = this.attempt;
    return new OutputSplitter((bytes, n) => {
      if (attempt === this.attempt) this.onGroup(bytes, n);
    });
  }

  /** Registers for output and sends the ProcessBundleRequest (Flink sends it before the data). */
  start(): void {
    const attempt = this.attempt;
    this.starting = true;
    this.lostWhileStarting = false;
    this.transport.addReceiver(this.id, this); // a dead connection calls onWorkerGone at once
    this.starting = false;
    if (attempt !== this.attempt || this.isSettled || this.lostWhileStarting) return;
    this.transport
      .instruct(
        { processBundle: { processBundleDescriptorId: this.opts.descriptorId, cacheTokens: [] } },
        this.id,
      )
      .then(
        (resp) => {
          if (attempt === this.attempt) this.onResponse(resp);
        },
        (e: Error) => this.onTransportError(e, attempt),
      );
    const ms = this.opts.timeoutMs;
    if (ms !== undefined && ms > 0 && Number.isFinite(ms)) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        if (attempt !== this.attempt) return;
        this.fail(
          this.err(
            `bundle ${this.id} (${this.inputRows()}) did not complete within ${ms} ms (bundleTimeoutMs) on worker ` +
              `${this.transport.id}: failed, not retried (the worker may still be busy with it)`,
          ),
        );
      }, ms);
    }
  }

  /** Adds an input batch; returns a promise when the caller should wait for gRPC to drain. */
  add(chunk: Chunk): Promise<void> | undefined {
    this.chunks.push(chunk);
    this.rows += chunk.udfInput.numRows;
    // While a new worker is found, the chunk is kept and sent with the rest of the bundle.
    if (this.recovery) return this.recovery;
    if (this.isSettled) return undefined;
    this.encodeChunk(chunk);
    if (this.pendingBytes >= this.opts.flushBytes) return this.flush(false);
    return undefined;
  }

  private encodeChunk(chunk: Chunk): void {
    const m = this.opts.metrics;
    const t0 = performance.now();
    const parts = this.opts.codec.encode(chunk.udfInput);
    m.encodeMs += performance.now() - t0;
    this.splitter.expect(this.opts.codec.outputElements(chunk.udfInput.numRows, chunk.resultRows));
    for (const p of parts) {
      this.pendingParts.push(p);
      this.pendingBytes += p instanceof Uint8Array ? p.byteLength : p.size;
    }
  }

  /** Sends what is buffered and `is_last`. */
  finish(): Promise<void> | undefined {
    this.finished = true;
    if (this.recovery) return this.recovery;
    return this.flush(true);
  }

  private flush(isLast: boolean): Promise<void> | undefined {
    if (this.error) return undefined;
    const m = this.opts.metrics;
    const attempt = this.attempt;
    const t0 = performance.now();
    const entry: OutgoingData = {
      instructionId: this.id,
      transformId: INPUT_TRANSFORM,
      parts: this.pendingParts,
      isLast,
    };
    const bytes = this.pendingBytes;
    m.bytesSent += bytes;
    this.pendingParts = [];
    this.pendingBytes = 0;
    if (bytes > SPLIT_PAYLOAD_BYTES) return this.sendSplit(entry, attempt, t0);
    // Deferred parts (Arrow elements) are written when gRPC serializes the message: straight
    // into the scratch buffer it copies its frame from (elements-codec.ts serializeElements).
    const msg = new ElementsMessage([entry], { onWrite: (ms) => (m.encodeMs += ms) });
    const tEncoded = performance.now();
    m.encodeMs += tEncoded - t0;
    const wait = this.transport.sendData(msg);
    const t1 = performance.now();
    // (a message gRPC serialized at once was written inside sendData: that time is encoding)
    m.sendMs += t1 - tEncoded - msg.writeMs;
    if (!wait) return undefined;
    return this.untilSettled(
      wait.then(
        () => {
          m.sendMs += performance.now() - t1;
        },
        (e: Error) => this.onTransportError(e, attempt),
      ),
    );
  }

  /**
   * A flush bigger than one message should be (a huge batch): the parts are written out, then
   * sent in pieces of at most SPLIT_PAYLOAD_BYTES, one after the other.
   */
  private async sendSplit(entry: OutgoingData, attempt: number, t0: number): Promise<void> {
    const m = this.opts.metrics;
    const parts: Uint8Array[] = entry.parts.map((p: PayloadPart) => {
      if (p instanceof Uint8Array) return p;
      const b = Buffer.allocUnsafe(p.size);
      p.write(b, 0);
      return b;
    });
    const messages = splitOutgoing([{ ...entry, parts }], SPLIT_PAYLOAD_BYTES);
    m.encodeMs += performance.now() - t0;
    for (const msg of messages) {
      if (attempt !== this.attempt || this.isSettled) return;
      const t1 = performance.now();
      const wait = this.transport.sendData(encodeElements(msg));
      if (wait) {
        try {
          await this.untilSettled(wait);
        } catch (e) {
          this.onTransportError(e as Error, attempt);
          return;
        }
      }
      m.sendMs += performance.now() - t1;
    }
  }

  /** `p`, or sooner if the bundle settles first (a timeout must not leave the caller waiting on gRPC). */
  private untilSettled(p: Promise<void>): Promise<void> {
    return Promise.race([p, this.settled]);
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
    this.lost(err, this.attempt);
  }

  private onTransportError(e: Error, attempt: number): void {
    if (attempt !== this.attempt) return;
    if (e instanceof WorkerGoneError) this.lost(e, attempt);
    else this.fail(e);
  }

  /** The worker of this attempt went away: retry on a new worker if allowed, else fail. */
  private lost(err: Error, attempt: number): void {
    if (this.isSettled || attempt !== this.attempt || this.recovery) return;
    this.lostWhileStarting = this.starting;
    if (!this.starting) {
      this.workerLosses++;
      this.lostIds.push(this.id);
    }
    clearTimeout(this.timer);
    this.transport.removeReceiver(this.id);
    const lostMessage = (extra: string) =>
      `bundle ${this.id} (${this.inputRows()}) was in flight and its results are lost${extra}: ${err.message}`;
    const retry = this.opts.retry;
    if (!retry) {
      this.fail(this.err(lostMessage(''), err));
      return;
    }
    const tries = this.workerLosses;
    const recovery = (async () => {
      let next: BundleTransport | undefined;
      try {
        next = await retry.recover(this, err);
      } catch (e) {
        this.fail(
          this.err(lostMessage(`, and no new worker could be started (${(e as Error).message})`), err),
        );
        return;
      }
      if (this.isSettled) return;
      if (!next) {
        this.fail(this.err(lostMessage(` (after ${tries} lost attempt(s); no retries left)`), err));
        return;
      }
      await this.resend(next);
    })();
    this.recovery = recovery;
    void recovery.finally(() => {
      if (this.recovery === recovery) this.recovery = undefined;
    });
  }

  /** Starts a new attempt on `transport` with everything added so far, and `is_last` if finished. */
  private async resend(transport: BundleTransport): Promise<void> {
    const attempt = ++this.attempt;
    this.transport = transport;
    this.id = newInstructionId();
    this.results.length = 0;
    this.decoded = 0;
    this.responded = false;
    this.outputEnded = false;
    this.monitoringInfos = [];
    this.pendingParts = [];
    this.pendingBytes = 0;
    this.splitter = this.newSplitter();
    this.start();
    // Chunks added while this runs are picked up by the same loop (the caller waits for it).
    for (let i = 0; i < this.chunks.length; i++) {
      if (attempt !== this.attempt || this.isSettled) return;
      this.encodeChunk(this.chunks[i]!);
      if (this.pendingBytes >= this.opts.flushBytes) {
        const wait = this.flush(false);
        if (wait) await wait;
      }
    }
    if (attempt !== this.attempt || this.isSettled) return;
    // Done re-sending: new chunks go the normal way from here (cleared before anyone resumes).
    this.recovery = undefined;
    if (this.finished) {
      const wait = this.flush(true);
      if (wait) await wait;
    } else if (this.pendingBytes > 0) {
      const wait = this.flush(false);
      if (wait) await wait;
    }
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
    const out = outputOf(this.opts.outputSchema);
    const fields = out.schema.fields;
    const forwarded = chunk.forwarded.data.children;
    const nf = forwarded.length;
    if (cols.length !== fields.length - nf) {
      throw this.err(
        `result batch ${k} (${this.rowsOf(chunk)}) has ${cols.length} column(s), expected ${fields.length - nf}`,
      );
    }
    const children = forwarded.slice();
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c]!;
      const f = fields[nf + c]!;
      if (col.length !== chunk.resultRows) {
        throw this.err(
          `result column '${f.name}' of batch ${k} (${this.rowsOf(chunk)}) has ${col.length} rows, expected ${chunk.resultRows}`,
        );
      }
      // the decoder keeps its schema (and so its type objects) while the elements repeat it
      if (col.type !== out.checked[nf + c] && !out.check(nf + c, col.type)) {
        throw this.err(
          `result column '${f.name}' of batch ${k} has Arrow type ${String(col.type)}, expected ${String(f.type)}`,
        );
      }
      children.push(col);
    }
    this.results.push(recordBatchOf(out.schema, out.struct(chunk.resultRows, children)));
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
    clearTimeout(this.timer);
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
