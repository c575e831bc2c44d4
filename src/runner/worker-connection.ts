/**
 * The runner's side of one connected worker: its Control stream (instructions out, responses
 * in, matched by instruction id) and its Data stream (encoded `Elements` out with write
 * backpressure, incoming `Data` routed to the bundle that owns its instruction id).
 *
 * A worker that goes away (control or data stream closed, process exited) fails every pending
 * instruction and every bundle receiver with one clear error, so nothing waits forever.
 *
 * @example
 * const conn = new WorkerConnection('w1');
 * // the Control/Data services attach the worker's streams when it connects:
 * await conn.ready;
 * const resp = await conn.instruct({ processBundle: { processBundleDescriptorId: 'd1', cacheTokens: [] } });
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ElementsMessage, IncomingData, IncomingElements } from '../proto/elements-codec.js';
import type { InstructionRequest, InstructionResponse } from '../proto/fn-api.js';

/** Error raised for everything in flight on a worker that went away. */
export class WorkerGoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerGoneError';
  }
}

/** Receives the output of one bundle (by instruction id) and hears about the worker's failure. */
export interface DataReceiver {
  onData(data: IncomingData): void;
  onWorkerGone(err: Error): void;
}

type ControlStream = ServerDuplexStream<InstructionResponse, InstructionRequest>;
type DataStream = ServerDuplexStream<IncomingElements, Buffer | ElementsMessage>;

let nextInstruction = 1;

/** Instruction ids, unique in this process ("1", "2", … as Flink's incrementing generator). */
export function newInstructionId(): string {
  return String(nextInstruction++);
}

export class WorkerConnection {
  private control: ControlStream | undefined;
  private data: DataStream | undefined;
  private readonly pending = new Map<
    string,
    { resolve: (r: InstructionResponse) => void; reject: (e: Error) => void }
  >();
  private readonly receivers = new Map<string, DataReceiver>();
  private dataAttached: Promise<void>;
  private resolveDataAttached!: () => void;
  /** Settled on the Data stream's next 'drain', or rejected when the worker is gone. */
  private drainWaiter:
    | { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void }
    | undefined;
  private failure: Error | undefined;
  private readonly goneListeners: ((e: Error) => void)[] = [];
  private readonly gone: Promise<never>;
  private rejectGone!: (e: Error) => void;
  /** Resolves when the worker's Control stream is attached; rejects if the worker goes away first. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (e: Error) => void;

  private failTimer: ReturnType<typeof setTimeout> | undefined;
  private pendingReason: Error | undefined;
  private pendingHasReason = false;

  /**
   * @param streamCloseGraceMs when a stream closes, wait this long before failing, so that a
   *   better reason arriving meanwhile (the process's exit status) is the one reported.
   */
  constructor(
    readonly id: string,
    private readonly streamCloseGraceMs = 100,
  ) {
    this.ready = new Promise((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    this.ready.catch(() => {});
    this.gone = new Promise<never>((_, rej) => {
      this.rejectGone = rej;
    });
    this.gone.catch(() => {});
    this.dataAttached = new Promise((res) => {
      this.resolveDataAttached = res;
    });
  }

  /** The reason the worker is gone, or undefined while it is up. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Calls `fn` once when the worker goes away (immediately if it already has). */
  onGone(fn: (e: Error) => void): void {
    if (this.failure) fn(this.failure);
    else this.goneListeners.push(fn);
  }

  /** Called by the Control service when this worker's stream arrives. */
  attachControl(call: ControlStream): void {
    if (this.failure || this.control) {
      call.end();
      return;
    }
    this.control = call;
    call.on('data', (resp: InstructionResponse) => {
      const p = this.pending.get(resp.instructionId);
      if (!p) return; // a response to nothing we asked (or already failed): dropped, as Beam does
      this.pending.delete(resp.instructionId);
      p.resolve(resp);
    });
    const gone = (why: string) => () => this.failSoon(new WorkerGoneError(`worker ${this.id} ${why}`));
    call.on('end', gone('closed its control stream'));
    call.on('error', (e: Error) =>
      this.failSoon(new WorkerGoneError(`worker ${this.id}: control stream failed: ${e.message}`), true),
    );
    call.on('close', gone('closed its control stream'));
    this.resolveReady();
  }

  /** Called by the Data service when this worker's Data stream arrives. */
  attachData(call: DataStream): void {
    if (this.failure || this.data) {
      call.end();
      return;
    }
    this.data = call;
    call.on('data', (msg: IncomingElements) => {
      for (const d of msg.data) this.receivers.get(d.instructionId)?.onData(d);
    });
    const gone = (why: string) => () => this.failSoon(new WorkerGoneError(`worker ${this.id} ${why}`));
    call.on('end', gone('closed its data stream'));
    call.on('error', (e: Error) =>
      this.failSoon(new WorkerGoneError(`worker ${this.id}: data stream failed: ${e.message}`), true),
    );
    call.on('close', gone('closed its data stream'));
    call.on('drain', () => {
      const w = this.drainWaiter;
      this.drainWaiter = undefined;
      w?.resolve();
    });
    this.resolveDataAttached();
  }

  /** Sends an instruction (a fresh id is set) and resolves with the worker's response. */
  instruct(
    req: Omit<InstructionRequest, 'instructionId'>,
    instructionId = newInstructionId(),
  ): Promise<InstructionResponse> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.control) return Promise.reject(new Error(`worker ${this.id} is not connected yet`));
    const full = { ...req, instructionId } as InstructionRequest;
    return new Promise((resolve, reject) => {
      this.pending.set(instructionId, { resolve, reject });
      this.control!.write(full);
    });
  }

  /** Routes incoming data of `instructionId` to `r` until `removeReceiver`. */
  addReceiver(instructionId: string, r: DataReceiver): void {
    if (this.failure) {
      r.onWorkerGone(this.failure);
      return;
    }
    this.receivers.set(instructionId, r);
  }

  removeReceiver(instructionId: string): void {
    this.receivers.delete(instructionId);
  }

  /**
   * Writes one `Elements` message: encoded, or laid out to be written when gRPC serializes it.
   * Returns a promise when the caller should wait (the Data stream is not attached yet, or
   * gRPC's buffer is full), undefined when it can go on. `written` is called once gRPC is done
   * with `message` (not if the stream fails first).
   */
  sendData(message: Buffer | ElementsMessage, written?: () => void): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    const data = this.data;
    if (!data) {
      // The worker opens its Data stream when it first needs it (after the first instruction).
      return Promise.race([this.dataAttached, this.gone]).then(() => this.sendData(message, written));
    }
    // `written` runs once gRPC has copied the message (its buffer may then be reused).
    if (data.write(message, written)) return undefined;
    if (!this.drainWaiter) {
      // Not a race against `gone`: that promise lives as long as the connection, and every race
      // would leave a reaction on it for good; `fail` rejects the waiter instead.
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => {}); // a writer that stopped waiting must not make it unhandled
      this.drainWaiter = { promise, resolve, reject };
    }
    return this.drainWaiter.promise;
  }

  /**
   * Fails after the grace period with the best reason heard by then: a stream error (it says why,
   * e.g. a message over the size limit) over a plain close, the first of each kind.
   */
  private failSoon(err: Error, hasReason = false): void {
    if (this.failure) return;
    if (!this.pendingReason || (hasReason && !this.pendingHasReason)) {
      this.pendingReason = err;
      this.pendingHasReason = hasReason;
    }
    this.failTimer ??= setTimeout(() => this.fail(this.pendingReason!), this.streamCloseGraceMs);
  }

  /** Marks the worker gone: every pending instruction and receiver fails with `err` (first reason wins). */
  fail(err: Error): void {
    if (this.failure) return;
    clearTimeout(this.failTimer);
    this.failure = err;
    this.rejectReady(err);
    this.rejectGone(err);
    this.drainWaiter?.reject(err);
    this.drainWaiter = undefined;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const r of this.receivers.values()) r.onWorkerGone(err);
    this.receivers.clear();
    for (const fn of this.goneListeners.splice(0)) fn(err);
    this.endStreams();
  }

  /** Ends both streams from the runner side (the worker then exits, as Beam's harness does). */
  close(reason = `worker ${this.id} was shut down by the runner`): void {
    this.fail(new WorkerGoneError(reason));
  }

  private endStreams(): void {
    for (const s of [this.control, this.data]) {
      if (!s) continue;
      try {
        s.end();
      } catch {
        // the stream is already gone
      }
    }
  }
}
