/**
 * The messages between the pool and its threads. A task carries one or more elements of the same
 * plan and bundle (run one after the other on the thread); their bytes travel as ArrayBuffers in
 * the transfer list (moved, not copied), each element with its place in its buffer. The plan is
 * sent to a thread once, with the first task of that plan the thread gets; later tasks name it
 * by its key only.
 */
import type { CallMetrics } from '../exec/metrics.js';
import type { Plan } from '../exec/plan.js';
import type { ElementMode } from './options.js';
import type { ErrorRecord } from './remote-error.js';

/** Pool → thread. */
export interface TaskMessage {
  planKey: string;
  /** Present the first time this thread gets a task of `planKey` (the thread keeps it). */
  plan: Plan | undefined;
  mode: ElementMode;
  /** The elements' bytes, in order: each `byteLength` bytes at `byteOffset` of a buffer nobody else uses. */
  elements: OwnedBytes[];
  /** Move the reply's bytes back by transfer (else they are copied: see the pool's `transfer` option). */
  transfer: boolean;
  /** Index into the start table (see start-table.ts); marked at the start of every element. */
  slot: number;
  /** The elements' group (the bundle's instruction id): UDF console output is tagged with it. */
  group?: string | undefined;
}

/** The outcome of one element of a task. */
export type ElementReply =
  | {
      ok: true;
      buffer: ArrayBuffer;
      byteOffset: number;
      byteLength: number;
      rowsIn: number;
      rowsOut: number;
      busyMs: number;
    }
  | { ok: false; rowsIn: number; busyMs: number; error: ErrorRecord };

/** Thread → pool. Errors come back as data (see remote-error.ts), never as a piscina rejection. */
export interface TaskReply {
  threadId: number;
  /** Epoch ms (performance.timeOrigin + now) at which the thread started the task. */
  startedAt: number;
  /** Whole task, all elements. */
  busyMs: number;
  /** Of which loading the plan (its first task on this thread; counted in the first element's busyMs too). */
  loadMs?: number;
  /** The thread found this plan I/O-bound (mostly waiting): run its batches concurrently. */
  ioBound: boolean;
  /** Per-call UDF metrics the thread counted for this plan since its previous reply for it. */
  metrics: CallMetrics[];
  /** One per element of the task, in order; elements after a failed one are not run (failed too). */
  results: ElementReply[];
  /** The thread did not know the plan (a replacement thread, say): the pool resends it with the plan. */
  needPlan?: true;
  /** With `needPlan`: the task's elements, handed back untouched. */
  returned?: OwnedBytes[];
}

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

/** True when the view spans its whole ArrayBuffer: it can be moved as it is. */
export function ownsBuffer(bytes: Uint8Array): boolean {
  return (
    bytes.buffer instanceof ArrayBuffer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength
  );
}

/**
 * The elements of one task as movable bytes: a view that owns its buffer moves as it is; the others
 * (views into a gRPC message or a slab) are copied together into one fresh buffer, each at an
 * 8-byte aligned offset, so a task of several elements costs one allocation, not one each.
 */
export function packElements(views: readonly Uint8Array[]): {
  elements: OwnedBytes[];
  transfer: ArrayBuffer[];
} {
  let slabBytes = 0;
  let copied = false;
  for (const v of views) {
    if (ownsBuffer(v)) continue;
    copied = true;
    slabBytes += (v.byteLength + 7) & ~7;
  }
  // Allocated whenever one view is copied, even if every copied view is empty (an element of
  // length 0 is malformed input, and must fail its task, not the pool's dispatch).
  const slab = copied ? new Uint8Array(slabBytes) : undefined;
  const elements: OwnedBytes[] = [];
  const transfer: ArrayBuffer[] = [];
  let at = 0;
  for (const v of views) {
    if (ownsBuffer(v)) {
      elements.push({ buffer: v.buffer as ArrayBuffer, byteOffset: 0, byteLength: v.byteLength });
      transfer.push(v.buffer as ArrayBuffer);
    } else {
      slab!.set(v, at);
      elements.push({ buffer: slab!.buffer, byteOffset: at, byteLength: v.byteLength });
      at += (v.byteLength + 7) & ~7;
    }
  }
  if (slab) transfer.push(slab.buffer);
  return { elements, transfer };
}
