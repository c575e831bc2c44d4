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
 * spans all of it (no copy), else one copy of just the view. A view into a shared slab (Node's
 * Buffer pool, a gRPC message holding several elements) is never transferred: that would detach
 * its neighbours. The copy of an Arrow element is placed so that its IPC stream, after the varint
 * length prefix, starts 8-byte aligned: the decoder then needs no second copy.
 */
export function ownedBytes(bytes: Uint8Array, mode: ElementMode): OwnedBytes {
  const b = bytes.buffer;
  if (b instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === b.byteLength) {
    return { buffer: b, byteOffset: 0, byteLength: b.byteLength };
  }
  const pad = mode === 'arrow' ? (8 - (varintPrefixSize(bytes) % 8)) % 8 : 0;
  const buffer = new ArrayBuffer(pad + bytes.byteLength);
  new Uint8Array(buffer, pad).set(bytes);
  return { buffer, byteOffset: pad, byteLength: bytes.byteLength };
}

// Bytes of the leading varint (0 if malformed: the decoder will say so, with context).
function varintPrefixSize(bytes: Uint8Array): number {
  const n = Math.min(bytes.length, 8);
  for (let i = 0; i < n; i++) if (bytes[i]! < 128) return i + 1;
  return 0;
}
