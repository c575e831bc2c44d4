/**
 * Bounded admission: at most `maxTasks` tasks and (roughly) `maxBytes` input bytes are in the
 * pool at once. A task that does not fit waits here, in arrival order, until earlier ones finish;
 * `saturated` and `whenReady()` tell the data plane to stop reading meanwhile, so that what waits
 * here is only what was already read when the stream was paused (backpressure, not buffering).
 */

interface Waiter {
  bytes: number;
  admit: () => void;
  refuse: (e: Error) => void;
}

export class Admission {
  #tasks = 0;
  #bytes = 0;
  readonly #waiting: Waiter[] = [];
  #waitingBytes = 0;
  #readyWaiters: (() => void)[] = [];

  constructor(
    readonly maxTasks: number,
    readonly maxBytes: number,
  ) {}

  /** Tasks admitted and not yet released. */
  get admitted(): number {
    return this.#tasks;
  }
  /** Input bytes of admitted tasks plus those waiting. */
  get bytes(): number {
    return this.#bytes + this.#waitingBytes;
  }
  /** Tasks waiting for admission. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** True when the caller should stop submitting (a new task would have to wait). */
  get saturated(): boolean {
    return this.#waiting.length > 0 || !this.#fits(0);
  }

  // One task is always admitted when nothing runs, however large, so a big batch cannot deadlock.
  #fits(bytes: number): boolean {
    if (this.#tasks === 0) return true;
    return this.#tasks < this.maxTasks && this.#bytes + bytes <= this.maxBytes;
  }

  /** Admits a task of `bytes` input bytes if it may start now (nothing waits); false otherwise. */
  tryAcquire(bytes: number): boolean {
    if (this.#waiting.length > 0 || !this.#fits(bytes)) return false;
    this.#tasks++;
    this.#bytes += bytes;
    return true;
  }

  /** Resolves when a task of `bytes` input bytes may start; FIFO among waiters. */
  acquire(bytes: number): Promise<void> | undefined {
    if (this.#waiting.length === 0 && this.#fits(bytes)) {
      this.#tasks++;
      this.#bytes += bytes;
      return undefined;
    }
    return new Promise<void>((admit, refuse) => {
      this.#waiting.push({ bytes, admit, refuse });
      this.#waitingBytes += bytes;
    });
  }

  /** A task admitted with `bytes` finished (successfully or not). */
  release(bytes: number): void {
    this.#tasks--;
    this.#bytes -= bytes;
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.bytes)) {
      const w = this.#waiting.shift()!;
      this.#waitingBytes -= w.bytes;
      this.#tasks++;
      this.#bytes += w.bytes;
      w.admit();
    }
    if (!this.saturated) this.#wakeReady();
  }

  /** Closing: every waiting task is refused with `e`; `whenReady()` callers are let go. */
  refuseWaiting(e: Error): void {
    const ws = this.#waiting.splice(0);
    this.#waitingBytes = 0;
    for (const w of ws) w.refuse(e);
    this.#wakeReady();
  }

  #wakeReady(): void {
    if (this.#readyWaiters.length === 0) return;
    const ws = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const r of ws) r();
  }

  /** Resolves at once when not saturated, else as soon as a task could be admitted without waiting. */
  whenReady(): Promise<void> {
    if (!this.saturated) return Promise.resolve();
    return new Promise((r) => this.#readyWaiters.push(r));
  }
}
