/**
 * Puts the results of one bundle back in input order while they complete out of order. Each
 * result is handed to `write` as soon as it and every earlier one are done, so output streams
 * instead of waiting for the whole bundle; the first failure (in input order) stops the writing
 * and is what `done()` rejects with. Later results are still awaited so none is left unhandled.
 *
 * @example
 * const out = new OrderedResults<Uint8Array>((bytes) => dataStream.send(bytes));
 * for (const el of elements) out.add(pool.run(planKey, plan, el, 'arrow'));
 * await out.done(); // every result written, in order — or the bundle's error
 */
export class OrderedResults<T> {
  readonly #write: (value: T, index: number) => void;
  // Results that completed before an earlier one, by index, until they are written.
  readonly #settled = new Map<number, { ok: true; value: T } | { ok: false; error: unknown }>();
  #added = 0;
  #next = 0;
  #failure: { error: unknown } | undefined;
  #closed = false;
  #onDone: { resolve: () => void; reject: (e: unknown) => void } | undefined;

  constructor(write: (value: T, index: number) => void) {
    this.#write = write;
  }

  /** Results added so far. */
  get added(): number {
    return this.#added;
  }
  /** Results written so far (a prefix of the added ones). */
  get written(): number {
    return this.#next;
  }

  /** Adds the next result (its index is the number added before it). */
  add(result: Promise<T>): void {
    if (this.#closed) throw new Error('OrderedResults: add() after done()');
    const i = this.#added++;
    result.then(
      (value) => this.#settle(i, value),
      (error) => this.#fail(i, error),
    );
  }

  /** No more results: resolves once all are written, rejects with the first failure in input order. */
  done(): Promise<void> {
    this.#closed = true;
    return new Promise<void>((resolve, reject) => {
      this.#onDone = { resolve, reject };
      this.#maybeFinish();
    });
  }

  #settle(i: number, value: T): void {
    if (this.#failure) return; // the bundle already failed; later results only need handling
    if (i !== this.#next) {
      this.#settled.set(i, { ok: true, value });
      return;
    }
    // The usual case, results completing in order: written at once, nothing kept.
    if (this.#write1(value)) this.#drain();
    this.#maybeFinish();
  }

  #fail(i: number, error: unknown): void {
    if (this.#failure) return;
    if (i !== this.#next) this.#settled.set(i, { ok: false, error });
    else this.#failed(error);
    this.#maybeFinish();
  }

  /** Writes the next result; false once that failed. */
  #write1(value: T): boolean {
    try {
      this.#write(value, this.#next);
    } catch (error) {
      this.#failed(error);
      return false;
    }
    this.#next++;
    return true;
  }

  /** Writes the results kept because they completed before an earlier one, as far as they go. */
  #drain(): void {
    for (let s = this.#settled.get(this.#next); s !== undefined; s = this.#settled.get(this.#next)) {
      this.#settled.delete(this.#next);
      if (!s.ok) {
        this.#failed(s.error);
        return;
      }
      if (!this.#write1(s.value)) return;
    }
  }

  #failed(error: unknown): void {
    this.#failure = { error };
    this.#settled.clear();
  }

  #maybeFinish(): void {
    if (!this.#onDone) return;
    if (this.#failure) {
      // Fail fast: the bundle is lost whatever the later results are.
      this.#onDone.reject(this.#failure.error);
      this.#onDone = undefined;
      return;
    }
    if (this.#next === this.#added) {
      this.#onDone.resolve();
      this.#onDone = undefined;
    }
  }
}
