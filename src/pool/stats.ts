/**
 * Per-thread counters of the pool, kept on the calling thread from what each task reports back,
 * so they survive the thread (a dead thread's work still counts). `stats()` returns a snapshot
 * the harness can turn into monitoring infos and the `--stats` JSON.
 */

/** Counters of one worker thread (threadId 0 = the calling thread when `threads: 0`). */
export interface ThreadStats {
  threadId: number;
  /** False once the thread died or was terminated (a replacement gets a new entry). */
  alive: boolean;
  /** Batches (elements) finished on this thread, failed ones included. */
  batches: number;
  /**
   * Tasks (messages to the thread) that brought them: fewer than batches where waiting batches of
   * a cheap plan were packed together. 0 for the calling thread (no message).
   */
  tasks: number;
  failed: number;
  rowsIn: number;
  rowsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Wall time spent decoding, running the UDFs and encoding (async waits included). */
  busyMs: number;
  /** From `run()` being called to the task starting on the thread (admission + queue + hop). */
  queueWaitMs: number;
}

export interface PoolStats {
  mode: 'main-thread' | 'threads';
  threads: number;
  asyncConcurrency: number;
  /** Tasks admitted and not finished (queued in the pool or running). */
  inFlight: number;
  /** Tasks waiting for admission (the data plane should be paused). */
  waiting: number;
  /** Input bytes of in-flight and waiting tasks. */
  queuedBytes: number;
  saturated: boolean;
  completed: number;
  failed: number;
  threadDeaths: number;
  timeouts: number;
  perThread: ThreadStats[];
  totals: Omit<ThreadStats, 'threadId' | 'alive'>;
}

/** What a finished task reports, successful or not. */
export interface TaskOutcome {
  threadId: number;
  ok: boolean;
  rowsIn: number;
  rowsOut: number;
  bytesIn: number;
  bytesOut: number;
  busyMs: number;
  queueWaitMs: number;
}

export class StatsBook {
  readonly #threads = new Map<number, ThreadStats>();
  completed = 0;
  failed = 0;
  threadDeaths = 0;
  timeouts = 0;

  #entry(threadId: number): ThreadStats {
    let s = this.#threads.get(threadId);
    if (!s) {
      s = {
        threadId,
        alive: true,
        batches: 0,
        tasks: 0,
        failed: 0,
        rowsIn: 0,
        rowsOut: 0,
        bytesIn: 0,
        bytesOut: 0,
        busyMs: 0,
        queueWaitMs: 0,
      };
      this.#threads.set(threadId, s);
    }
    return s;
  }

  record(o: TaskOutcome): void {
    const s = this.#entry(o.threadId);
    s.batches++;
    if (o.ok) this.completed++;
    else {
      s.failed++;
      this.failed++;
    }
    s.rowsIn += o.rowsIn;
    s.rowsOut += o.rowsOut;
    s.bytesIn += o.bytesIn;
    s.bytesOut += o.bytesOut;
    s.busyMs += o.busyMs;
    s.queueWaitMs += o.queueWaitMs;
  }

  /** A task (of one or more batches, recorded one by one) came back from a thread. */
  recordTask(threadId: number): void {
    this.#entry(threadId).tasks++;
  }

  /** A task failed before any thread reported on it (thread died before starting it, pool closed). */
  recordLost(): void {
    this.failed++;
  }

  threadGone(threadId: number): void {
    this.#entry(threadId).alive = false;
  }

  snapshot(): { perThread: ThreadStats[]; totals: PoolStats['totals'] } {
    const perThread = [...this.#threads.values()].map((s) => ({ ...s }));
    const totals = {
      batches: 0,
      tasks: 0,
      failed: 0,
      rowsIn: 0,
      rowsOut: 0,
      bytesIn: 0,
      bytesOut: 0,
      busyMs: 0,
      queueWaitMs: 0,
    };
    for (const s of perThread) {
      totals.batches += s.batches;
      totals.tasks += s.tasks;
      totals.failed += s.failed;
      totals.rowsIn += s.rowsIn;
      totals.rowsOut += s.rowsOut;
      totals.bytesIn += s.bytesIn;
      totals.bytesOut += s.bytesOut;
      totals.busyMs += s.busyMs;
      totals.queueWaitMs += s.queueWaitMs;
    }
    return { perThread, totals };
  }
}
