/**
 * Looking at the start of a stream without losing it: the sources sniff their first bytes, the
 * runner its first batch, and then read everything from the beginning.
 *
 * @example
 * const { first, rest } = await peek(batches); // first batch (or undefined), and all of them
 * for await (const b of continueWith(taken, it)) …  // what was taken, then the rest of `it`
 */

/** Yields `taken`, then what is left of `it`; closes `it` when the consumer stops early. */
export async function* continueWith<T>(
  taken: readonly T[],
  it: AsyncIterator<T> | Iterator<T>,
  ended = false,
): AsyncGenerator<T> {
  yield* taken;
  if (ended) return;
  try {
    while (true) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}

/** The first item of a source, and an iterable of all of it (the first included). */
export async function peek<T>(
  source: AsyncIterable<T> | Iterable<T>,
): Promise<{ first: T | undefined; rest: AsyncIterable<T> }> {
  const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const r = await it.next();
  if (r.done) return { first: undefined, rest: continueWith([], it, true) };
  return { first: r.value, rest: continueWith([r.value], it) };
}

/** `next`'s result, or `'timeout'` when `deadline` (a `performance.now()` time) comes first. */
export async function nextBefore<T>(next: Promise<T>, deadline: number): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      next,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - performance.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
