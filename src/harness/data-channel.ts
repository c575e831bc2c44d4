/**
 * One BeamFnData stream to one data endpoint, multiplexed by (instruction id, transform id).
 *
 * In: each received `Elements.Data` goes to the `Inbound` of its (instruction, transform),
 * created on first sight so that data arriving before its ProcessBundleRequest is kept. While
 * more than `maxBufferedBytes` wait unread, the gRPC stream is paused (HTTP/2 flow control then
 * holds the runner back); data for finished instructions is dropped. Data for an instruction no
 * bundle has asked for yet is kept at most `orphanTimeoutMs`, and dropped sooner (oldest first)
 * when it holds the stream paused while a bundle waits for its input; a warning is logged, and a
 * request that comes later for dropped data fails.
 *
 * Out: writers append their elements to one pending `Elements` message, shared by all bundles;
 * it goes out when it reaches `flushBytes` or at the next turn of the event loop, so a burst of
 * outputs becomes few gRPC messages, each payload copied once (see elements-codec) into a message
 * buffer reused once gRPC has taken it. An Arrow result element (`writeElement`) gets a `Data`
 * entry of its own, padded so that its IPC stream lands 8-byte aligned in the runner's receive
 * buffer (decoded there in place). When gRPC's buffer is full, writes are held and writers are
 * told to wait (`write()` returns a promise).
 *
 * @example
 * const ch = new DataChannel('localhost:50001', '1-1');
 * const input = ch.inbound('7', 'fn/read/input:0');
 * const out = ch.outbound('7', 'fn/write/:0');
 * await out.write(bytes);
 * await out.close(); // is_last
 */
import * as grpc from '@grpc/grpc-js';
import { varintSize, writeVarint } from '../codec/varint.js';
import type { DeferredElement } from '../pool/types.js';
import { BufferPool } from '../proto/buffer-pool.js';
import {
  decodeElements,
  encodeElements,
  GRPC_JS_MESSAGE_OFFSET,
  type IncomingElements,
  type OutgoingData,
  type PayloadPart,
} from '../proto/elements-codec.js';
import { BeamFnDataService } from '../proto/fn-api.js';
import { SPLIT_PAYLOAD_BYTES, splitOutgoing } from '../proto/split-messages.js';
import { Inbound } from './inbound.js';
import { insecure, workerChannelOptions } from './worker-id.js';

export interface DataChannelOptions {
  /** Unread input bytes at which the stream is paused (default 64 MiB); it resumes below half. */
  maxBufferedBytes?: number;
  /** An outgoing message is sent once it holds this many bytes (default 1 MiB). */
  flushBytes?: number;
  /** Outgoing bytes held while gRPC's buffer is full before writers must wait (default 8 MiB). */
  maxPendingBytes?: number;
  /** TLS and token for the Data service (default: plain text, for a runner on loopback). */
  credentials?: grpc.ChannelCredentials | undefined;
  /**
   * Input of an instruction no bundle has asked for ("orphan" data, sent before its
   * ProcessBundleRequest — or for one that never comes) is dropped after this long (default 60 s).
   */
  orphanTimeoutMs?: number;
  /** Where dropped orphan data is reported (the worker's log). */
  log?: (severity: 'warn' | 'error', message: string) => void;
}

/** How many finished instruction ids are remembered, to drop their late data (as Beam's Python harness). */
const FINISHED_MEMORY = 10_000;

const key = (instructionId: string, transformId: string) => `${instructionId}\u0000${transformId}`;

/** Input held for an instruction that no bundle has claimed yet. */
interface Orphan {
  bytes: number;
  timer: NodeJS.Timeout;
}

export class DataChannelError extends Error {
  override readonly name = 'DataChannelError';
}

export class DataChannel {
  readonly #client: grpc.Client;
  readonly #call: grpc.ClientDuplexStream<Buffer, IncomingElements>;
  readonly #inbound = new Map<string, Inbound>();
  readonly #finished = new Set<string>();
  readonly #maxBuffered: number;
  readonly #flushBytes: number;
  readonly #maxPending: number;
  #buffered = 0;
  #paused = false;
  #pending: OutgoingData[] = [];
  /**
   * The pending message's entry of each writer. A new Map per message, never `clear()`ed: a cleared
   * (or rehashed) V8 Map leaves its old table in place, still pointing at the entries, and once that
   * table is in the old generation every scavenge keeps what it points at alive — here the results
   * and, through them, the input messages they were computed from (~1 MB each), until the next
   * full GC. That was most of the worker's mark-compacts (0.3–0.4 per 1M rows; the echo peer
   * has none).
   */
  #pendingByKey = new Map<string, OutgoingData>();
  #pendingBytes = 0;
  #flushScheduled = false;
  #needDrain = false;
  #drainWaiters: (() => void)[] = [];
  #writtenWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  /** Outgoing message buffers, reused once gRPC has copied them (no megabyte allocation per message). */
  readonly #buffers = new BufferPool();
  #error: Error | undefined;
  #closed = false;
  // Orphans: without a bound, data for an instruction that never comes would be kept forever,
  // and once it filled `maxBufferedBytes` the paused stream would stall every other bundle.
  readonly #orphans = new Map<string, Orphan>();
  #orphanBytes = 0;
  /** Instructions whose orphan input was dropped, and why (a late request for one then fails). */
  readonly #dropped = new Map<string, string>();
  readonly #orphanTimeoutMs: number;
  readonly #log: (severity: 'warn' | 'error', message: string) => void;

  constructor(
    readonly url: string,
    workerId: string,
    opts: DataChannelOptions = {},
  ) {
    this.#maxBuffered = opts.maxBufferedBytes ?? 64 * 1024 * 1024;
    this.#flushBytes = opts.flushBytes ?? 1024 * 1024;
    this.#maxPending = opts.maxPendingBytes ?? 8 * 1024 * 1024;
    this.#orphanTimeoutMs = opts.orphanTimeoutMs ?? 60_000;
    this.#log = opts.log ?? (() => {});
    this.#client = new grpc.Client(url, opts.credentials ?? insecure(), workerChannelOptions(workerId));
    this.#call = this.#client.makeBidiStreamRequest(
      BeamFnDataService.data.path,
      (b: Buffer) => b,
      decodeElements,
    );
    this.#call.on('data', (msg: IncomingElements) => this.#receive(msg));
    this.#call.on('drain', () => this.#onDrain());
    this.#call.on('error', (e: Error) =>
      this.#fail(new DataChannelError(`data stream to ${url} failed: ${e.message}`)),
    );
    this.#call.on('end', () =>
      this.#fail(new DataChannelError(`the runner closed the data stream to ${url}`)),
    );
  }

  /** Why the channel is unusable, or undefined while it works. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Unread input bytes held right now. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  #receive(msg: IncomingElements): void {
    for (const d of msg.data) {
      const id = d.instructionId;
      if (this.#finished.has(id)) continue;
      const k = key(id, d.transformId);
      let i = this.#inbound.get(k);
      if (!i) {
        i = new Inbound(id, d.transformId, this.#account);
        this.#inbound.set(k, i);
        if (this.#claimed(id)) {
          // every transform of a bundle claims its input when the bundle starts: this one is not read
          this.#unread(id);
          continue;
        }
        if (!this.#orphans.has(id)) this.#adopt(id);
      }
      const orphan = this.#orphans.get(id);
      i.push(d.data, d.isLast);
      if (orphan) {
        orphan.bytes += d.data.byteLength;
        this.#orphanBytes += d.data.byteLength;
      }
    }
    this.#relieve();
  }

  /**
   * Fails the bundle of an instruction that has input on a transform none of its stages reads
   * (a runner naming the wrong transform id): it would otherwise wait forever for its own input.
   */
  #unread(instructionId: string): void {
    const read: Inbound[] = [];
    const unread: string[] = [];
    for (const i of this.#inbound.values()) {
      if (i.instructionId !== instructionId) continue;
      if (i.claimed) read.push(i);
      else unread.push(i.transformId);
    }
    if (unread.length === 0 || read.length === 0) return;
    const error = new DataChannelError(
      `data came for transform ${unread.map((t) => `'${t}'`).join(', ')} of instruction ${instructionId}, ` +
        `but its bundle reads only ${read.map((i) => `'${i.transformId}'`).join(', ')}`,
    );
    for (const i of read) i.fail(error);
  }

  /** Whether a bundle has asked for some input of the instruction. */
  #claimed(instructionId: string): boolean {
    for (const i of this.#inbound.values()) if (i.instructionId === instructionId && i.claimed) return true;
    return false;
  }

  /** Starts holding input for an instruction no bundle has asked for yet, for a bounded time. */
  #adopt(instructionId: string): void {
    const timer = setTimeout(
      () =>
        this.#dropOrphan(instructionId, `no ProcessBundleRequest came within ${this.#orphanTimeoutMs} ms`),
      this.#orphanTimeoutMs,
    );
    timer.unref();
    this.#orphans.set(instructionId, { bytes: 0, timer });
  }

  /**
   * Early data may pause the stream (it is backpressure for a runner that sends data first), but
   * not while a bundle that was asked for waits for input behind the pause: then the oldest
   * orphans are dropped until the stream resumes.
   */
  #relieve(): void {
    if (!this.#paused || this.#orphanBytes === 0) return;
    let waiting: Inbound | undefined;
    for (const i of this.#inbound.values()) {
      if (i.claimed && !i.ended) {
        waiting = i;
        break;
      }
    }
    if (!waiting) return;
    for (const [id, o] of this.#orphans) {
      if (!this.#paused) return;
      if (o.bytes === 0) continue;
      this.#dropOrphan(
        id,
        `its ${o.bytes} bytes kept the data stream paused while bundle ${waiting.instructionId} waited for its input`,
      );
    }
  }

  #dropOrphan(instructionId: string, why: string): void {
    const o = this.#orphans.get(instructionId);
    if (!o) return;
    clearTimeout(o.timer);
    this.#orphans.delete(instructionId);
    this.#orphanBytes -= o.bytes;
    this.#dropped.set(instructionId, why);
    if (this.#dropped.size > FINISHED_MEMORY) this.#dropped.delete(this.#dropped.keys().next().value!);
    this.finish(instructionId);
    this.#log(
      'warn',
      `data stream ${this.url}: dropped ${o.bytes} bytes of input for instruction ${instructionId}: ${why}`,
    );
  }

  #account = (delta: number): void => {
    this.#buffered += delta;
    if (!this.#paused && this.#buffered > this.#maxBuffered) {
      this.#paused = true;
      this.#call.pause();
    } else if (this.#paused && this.#buffered <= this.#maxBuffered / 2) {
      this.#paused = false;
      this.#call.resume();
    }
  };

  /**
   * The input of (instruction, transform), for the bundle that reads it: already-received data
   * included. Fails at once when that data was dropped, or the instruction is already over.
   */
  inbound(instructionId: string, transformId: string): Inbound {
    const k = key(instructionId, transformId);
    let i = this.#inbound.get(k);
    if (!i) {
      i = new Inbound(instructionId, transformId, this.#account);
      if (this.#error) i.fail(this.#error);
      else if (this.#finished.has(instructionId)) {
        const why = this.#dropped.get(instructionId);
        i.fail(
          new DataChannelError(
            why
              ? `the input of instruction ${instructionId} was dropped before its ProcessBundleRequest came: ${why}`
              : `instruction ${instructionId} is already over; an instruction id cannot be used twice`,
          ),
        );
      }
      this.#inbound.set(k, i);
    }
    i.claimed = true;
    const o = this.#orphans.get(instructionId);
    if (o) {
      clearTimeout(o.timer);
      this.#orphans.delete(instructionId);
      this.#orphanBytes -= o.bytes;
      // data kept before the request: once all its stages have claimed theirs, none may be left
      setImmediate(() => this.#unread(instructionId));
    }
    this.#relieve();
    return i;
  }

  /** A writer for the output of (instruction, transform). */
  outbound(instructionId: string, transformId: string): Outbound {
    return new Outbound(this, instructionId, transformId);
  }

  /** The instruction is over: drop its buffered input and any data that still arrives for it. */
  finish(instructionId: string): void {
    const o = this.#orphans.get(instructionId);
    if (o) {
      clearTimeout(o.timer);
      this.#orphans.delete(instructionId);
      this.#orphanBytes -= o.bytes;
    }
    for (const [k, i] of this.#inbound) {
      if (i.instructionId === instructionId) {
        i.discard();
        this.#inbound.delete(k);
      }
    }
    this.#finished.add(instructionId);
    if (this.#finished.size > FINISHED_MEMORY) {
      const oldest = this.#finished.values().next().value;
      if (oldest !== undefined) this.#finished.delete(oldest);
    }
  }

  /**
   * @internal Appends output of the writer `w` (one part, or `is_last` with none); returns a
   * promise when the writer should wait for gRPC to drain.
   */
  append(w: Outbound, part: PayloadPart | undefined, isLast: boolean): Promise<void> | undefined {
    if (this.#error) return Promise.reject(this.#error);
    const bytes = part === undefined ? 0 : part instanceof Uint8Array ? part.byteLength : part.size;
    // One Data entry per (instruction, transform) in each outgoing message, however writers interleave.
    const entry = this.#pendingByKey.get(w.key);
    if (entry && !entry.isLast) {
      if (part !== undefined) (entry.parts as PayloadPart[]).push(part);
      entry.isLast = isLast;
    } else {
      const { instructionId, transformId } = w;
      const e: OutgoingData = { instructionId, transformId, parts: part === undefined ? [] : [part], isLast };
      this.#pending.push(e);
      this.#pendingByKey.set(w.key, e);
    }
    this.#pendingBytes += bytes;
    if (isLast) {
      // the end of an output goes out now, and the caller learns when gRPC has taken it
      const written = new Promise<void>((resolve, reject) => this.#writtenWaiters.push({ resolve, reject }));
      this.#flush();
      return written;
    }
    if (this.#pendingBytes >= this.#flushBytes) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
    if (this.#needDrain && this.#pendingBytes >= this.#maxPending) {
      return new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    }
    return undefined;
  }

  #flush(): void {
    if (this.#error || this.#needDrain || this.#pending.length === 0) return;
    const pending = this.#pending;
    const big = this.#pendingBytes > SPLIT_PAYLOAD_BYTES;
    this.#pending = [];
    this.#pendingByKey = new Map();
    this.#pendingBytes = 0;
    let encoded: { msg: Buffer; buf: Buffer | undefined }[];
    try {
      // A huge output (one big result batch) goes out in several messages, never one over the limit.
      const messages = big ? splitOutgoing(materialize(pending), SPLIT_PAYLOAD_BYTES) : [pending];
      encoded = messages.map((m) => {
        let buf: Buffer | undefined;
        const msg = encodeElements(m, (n) => {
          // The message starts where the runner's copy will (GRPC_JS_MESSAGE_OFFSET mod 8), so the
          // IPC streams laid out 8-aligned for the runner are 8-aligned here too: a deferred float
          // column is computed straight into the message through a Float64Array view.
          buf = this.#buffers.take(n + GRPC_JS_MESSAGE_OFFSET);
          return buf.subarray(GRPC_JS_MESSAGE_OFFSET);
        });
        return { msg, buf };
      });
    } catch (e) {
      // Deferred results are checked when made, so only a bug (or a UDF that changed its result
      // after returning it) gets here: the bundles writing on this stream fail, the worker goes on.
      this.#fail(new DataChannelError(`writing results to ${this.url} failed: ${(e as Error).message}`));
      return;
    }
    const waiters = this.#writtenWaiters;
    this.#writtenWaiters = [];
    let ok = true;
    encoded.forEach(({ msg, buf }, i) => {
      const last = i === encoded.length - 1;
      const wrote = this.#call.write(msg, () => {
        // gRPC has copied the message into its frame: the buffer can be reused
        if (buf) this.#buffers.give(buf);
        if (last) for (const w of waiters) w.resolve();
      });
      ok &&= wrote;
    });
    if (!ok) this.#needDrain = true;
  }

  #onDrain(): void {
    this.#needDrain = false;
    this.#flush();
    if (!this.#needDrain && this.#pendingBytes < this.#maxPending) {
      const ws = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of ws) w();
    }
  }

  #fail(error: Error): void {
    if (this.#error) return;
    this.#error = this.#closed ? new DataChannelError(`data stream to ${this.url} is closed`) : error;
    for (const i of this.#inbound.values()) i.fail(this.#error);
    for (const w of this.#writtenWaiters) w.reject(this.#error);
    this.#writtenWaiters = [];
    const ws = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of ws) w(); // writers see the error on their next write
    this.#pending = [];
    this.#pendingByKey = new Map();
    this.#pendingBytes = 0;
  }

  /** Ends the stream. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const o of this.#orphans.values()) clearTimeout(o.timer);
    this.#orphans.clear();
    this.#orphanBytes = 0;
    this.#fail(new DataChannelError(`data stream to ${this.url} is closed`));
    try {
      this.#call.end();
    } catch {
      // already gone
    }
    this.#client.close();
  }
}

/** `data` with deferred parts written out as bytes (for splitOutgoing). */
function materialize(data: readonly OutgoingData[]): OutgoingData[] {
  return data.map((d) => ({
    ...d,
    parts: d.parts.map((p) => {
      if (p instanceof Uint8Array) return p;
      const b = new Uint8Array(p.size);
      p.write(b, 0);
      return b;
    }),
  }));
}

/** The writer of one (instruction, transform)'s output elements. */
export class Outbound {
  #closed = false;
  /** @internal The channel's key of (instruction, transform), made once rather than per element. */
  readonly key: string;

  constructor(
    private readonly channel: DataChannel,
    readonly instructionId: string,
    readonly transformId: string,
  ) {
    this.key = key(instructionId, transformId);
  }

  /** Appends bytes (whole framed elements); await the result when it is a promise. */
  write(bytes: Uint8Array): Promise<void> | undefined {
    this.#open();
    return this.channel.append(this, bytes, false);
  }

  /**
   * Appends one Arrow element: `varint(length)` + `payload` (an IPC stream), marked so that the
   * payload lands 8-byte aligned at the receiver. The payload is copied when the message is
   * written; `copied` is called then (the payload's buffer may be reused from that moment).
   */
  writeElement(payload: Uint8Array, copied?: () => void): Promise<void> | undefined {
    this.#open();
    const n = payload.byteLength;
    const prefix = varintSize(n);
    const part: PayloadPart = {
      size: prefix + n,
      alignAt: prefix,
      write(out, pos) {
        const at = writeVarint(out, pos, n);
        out.set(payload, at);
        copied?.();
        return at + n;
      },
    };
    return this.channel.append(this, part, false);
  }

  /**
   * Appends one Arrow element that is written (encoded) only when its message is: straight into
   * the message's buffer, its IPC stream 8-byte aligned at the receiver (see `writeElement`).
   */
  writeDeferred(element: DeferredElement): Promise<void> | undefined {
    this.#open();
    const part: PayloadPart = {
      size: element.size,
      alignAt: element.prefix,
      write: (out, pos) => element.write(out, pos),
    };
    return this.channel.append(this, part, false);
  }

  /** Sends `is_last`; resolves once gRPC has taken everything written before it. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return this.channel.append(this, undefined, true) ?? Promise.resolve();
  }

  #open(): void {
    if (this.#closed) throw new Error(`output ${this.instructionId}/${this.transformId} is already closed`);
  }
}
