/**
 * The messages between the pool and its threads. Input and output bytes travel as an
 * ArrayBuffer in the transfer list (moved, not copied), with the element's place in it;
 * everything else is a few numbers and the plan.
 */
import type { CallMetrics } from '../exec/metrics.js';
import type { Plan } from '../exec/plan.js';
import type { ElementMode } from './options.js';
import type { ErrorRecord } from './remote-error.js';

/** Pool → thread. */
export interface TaskMessage {
  planKey: string;
  plan: Plan;
  mode: ElementMode;
  /** The element's bytes: `byteLength` bytes at `byteOffset` of a buffer nobody else uses (see `ownedBytes`). */
  buffer: ArrayBuffer;
  byteOffset: number;
  byteLength: number;
  /** Move the reply's bytes back by transfer (else they are copied: see the pool's `transfer` option). */
  transfer: boolean;
  /** Index into the start table (see start-table.ts). */
  slot: number;
}

/** What every reply carries, successful or not. */
interface ReplyBase {
  threadId: number;
  /** Epoch ms (performance.timeOrigin + now) at which the thread started the task. */
  startedAt: number;
  busyMs: number;
  rowsIn: number;
  /** The thread found this plan I/O-bound (mostly waiting): run its batches concurrently. */
  ioBound: boolean;
  /** Per-call UDF metrics the thread counted for this plan since its previous reply for it. */
  metrics: CallMetrics[];
}

/** Thread → pool. Errors come back as data (see remote-error.ts), never as a piscina rejection. */
export type TaskReply =
  | (ReplyBase & { ok: true; buffer: ArrayBuffer; byteOffset: number; byteLength: number; rowsOut: number })
  | (ReplyBase & { ok: false; error: ErrorRecord });

/** Wall-clock ms with sub-ms precision, comparable across threads. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Bytes in a buffer of their own, which can be transferred without taking anything else along. */
export interface OwnedBytes {
  buffer: ArrayBuffer;
  byteOffset: number;
  byteLength: number;
}

/**
 * `bytes` in a buffer that can be moved to another thread: the view's own buffer when the view
 * spans all of it, or when the caller knows nobody else uses that buffer (`exclusive`: e.g. an
 * encoder's fresh output, of which we keep a part) — no copy; else one copy of just the view. A view into a shared slab (Node's
 * Buffer pool, a gRPC message holding several elements) is never transferred: that would detach
 * its neighbours. The copy starts at offset 0 of a fresh buffer, so it is 8-byte aligned and the
 * Arrow decoder needs no second copy.
 */
export function ownedBytes(bytes: Uint8Array, exclusive = false): OwnedBytes {
  const b = bytes.buffer;
  if (
    b instanceof ArrayBuffer &&
    ((bytes.byteOffset === 0 && bytes.byteLength === b.byteLength) || exclusive)
  ) {
    return { buffer: b, byteOffset: bytes.byteOffset, byteLength: bytes.byteLength };
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return { buffer: copy.buffer, byteOffset: 0, byteLength: bytes.byteLength };
}
