/**
 * A few reusable Buffers for outgoing Data messages. A message buffer is handed to gRPC, which
 * copies it into its own framed buffer and then calls the write callback: from then on it can
 * be reused. Reusing saves allocating (and garbage-collecting) a megabyte-sized buffer per
 * message — most of the runner's GC work on the data plane.
 *
 * @example
 * const buf = pool.take(size);   // capacity ≥ size
 * stream.write(buf.subarray(0, size), () => pool.give(buf));
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  /** @param maxKept buffers kept for reuse (more are left to the GC). */
  constructor(private readonly maxKept = 16) {}

  /** A buffer of at least `size` bytes (contents undefined). */
  take(size: number): Buffer {
    for (let i = this.free.length - 1; i >= 0; i--) {
      const b = this.free[i]!;
      // Reuse one that fits without wasting more than half of it.
      if (b.length >= size && b.length <= size * 2) {
        this.free.splice(i, 1);
        return b;
      }
    }
    // Round up so that slightly different sizes share buffers.
    return Buffer.allocUnsafeSlow(size < 65_536 ? size : 2 ** Math.ceil(Math.log2(size)));
  }

  /**
   * Returns the whole buffer under `view` (a result encoded into a buffer of this pool, or one
   * transferred from a thread: one ArrayBuffer each) once nothing reads it any more.
   */
  giveView(view: Uint8Array): void {
    const ab = view.buffer;
    if (ab instanceof ArrayBuffer) this.give(Buffer.from(ab));
  }

  /** Returns a buffer taken from this pool once nothing reads it any more. */
  give(buf: Buffer): void {
    if (buf.length < 65_536) return; // small ones are cheap to allocate
    if (this.free.length >= this.maxKept) this.free.shift();
    this.free.push(buf);
  }
}
