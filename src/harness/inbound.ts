/**
 * The input of one (instruction, transform) on a data stream: the `Data.data` chunks in arrival
 * order, then the end (`is_last`). Chunks may arrive before anyone reads them (data sent before
 * its ProcessBundleRequest); the byte count is reported to the channel, which pauses the gRPC
 * stream while too much is buffered.
 *
 * @example
 * for (let c = await input.next(); c !== null; c = await input.next()) handle(c);
 */

export class Inbound {
  readonly #chunks: Uint8Array[] = [];
  #head = 0;
  #ended = false;
  #error: Error | undefined;
  #waiter: { resolve: (c: Uint8Array | null) => void; reject: (e: Error) => void } | undefined;
  /** Set once a bundle reads this input (until then it is data waiting for its request). */
  claimed = false;

  /** @param account called with +bytes when a chunk is queued and −bytes when it is taken */
  constructor(
    readonly instructionId: string,
    readonly transformId: string,
    private readonly account: (delta: number) => void,
  ) {}

  /** True once `is_last` arrived (chunks may still be queued). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Called by the channel for each received `Data` entry. */
  push(data: Uint8Array, isLast: boolean): void {
    if (this.#ended || this.#error) return; // nothing may follow is_last; a failed input ignores the rest
    if (data.byteLength > 0) {
      const w = this.#waiter;
      if (w) {
        this.#waiter = undefined;
        w.resolve(data);
      } else {
        this.#chunks.push(data);
        this.account(data.byteLength);
      }
    }
    if (isLast) {
      this.#ended = true;
      const w = this.#waiter;
      if (w && this.#head === this.#chunks.length) {
        this.#waiter = undefined;
        w.resolve(null);
      }
    }
  }

  /** Fails the reader (the stream broke, or the bundle gave up). Queued bytes are released. */
  fail(error: Error): void {
    if (this.#error) return;
    this.#error = error;
    this.#release();
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.reject(error);
  }

  /** Drops whatever is queued (the bundle is over). */
  discard(): void {
    this.#ended = true;
    this.#release();
  }

  #release(): void {
    let bytes = 0;
    for (let i = this.#head; i < this.#chunks.length; i++) bytes += this.#chunks[i]!.byteLength;
    this.#chunks.length = 0;
    this.#head = 0;
    if (bytes) this.account(-bytes);
  }

  /** The next chunk, or null at the end of the input. Only one `next()` may wait at a time. */
  next(): Uint8Array | null | Promise<Uint8Array | null> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#head < this.#chunks.length) {
      const c = this.#chunks[this.#head]!;
      this.#chunks[this.#head++] = EMPTY;
      if (this.#head === this.#chunks.length) {
        this.#chunks.length = 0;
        this.#head = 0;
      }
      this.account(-c.byteLength);
      return c;
    }
    if (this.#ended) return null;
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }
}

const EMPTY = new Uint8Array(0);
