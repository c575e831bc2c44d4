/**
 * A table in shared memory where a thread marks the moment it starts and finishes each task.
 * The pool reads it to time a task from its real start (not from when it was queued behind
 * others) and to see whether it is still running before terminating its thread on a timeout.
 * One slot per admitted task; the pool hands slots out and takes them back.
 */

const IDLE = 0;
const RUNNING = 1;
const DONE = 2;

export interface StartTableBuffers {
  state: SharedArrayBuffer;
  startedAt: SharedArrayBuffer;
}

export class StartTable {
  readonly #state: Int32Array;
  readonly #startedAt: Float64Array;
  readonly #free: number[] = [];

  constructor(readonly buffers: StartTableBuffers) {
    this.#state = new Int32Array(buffers.state);
    this.#startedAt = new Float64Array(buffers.startedAt);
  }

  static create(slots: number): StartTable {
    const t = new StartTable({
      state: new SharedArrayBuffer(4 * slots),
      startedAt: new SharedArrayBuffer(8 * slots),
    });
    for (let i = slots - 1; i >= 0; i--) t.#free.push(i);
    return t;
  }

  /** Pool side: a fresh slot for a new task. */
  take(): number {
    const slot = this.#free.pop();
    if (slot === undefined)
      throw new Error('start table: no free slot (admission should have bounded the tasks)');
    Atomics.store(this.#state, slot, IDLE);
    return slot;
  }

  give(slot: number): void {
    this.#free.push(slot);
  }

  /** Thread side. The time is written before the state so that a reader seeing RUNNING sees it too. */
  markStarted(slot: number, at: number): void {
    this.#startedAt[slot] = at;
    Atomics.store(this.#state, slot, RUNNING);
  }

  markDone(slot: number): void {
    Atomics.store(this.#state, slot, DONE);
  }

  /** Pool side: undefined before the task started, the start time while it runs, null once done. */
  runningSince(slot: number): number | undefined | null {
    const s = Atomics.load(this.#state, slot);
    if (s === IDLE) return undefined;
    if (s === DONE) return null;
    return this.#startedAt[slot]!;
  }
}
