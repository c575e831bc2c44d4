/**
 * Maps byte strings (slices of a UTF-8 column) to dense ids 0, 1, 2, … with an open-addressing
 * hash table over typed arrays: no JS string per lookup, only per new key.
 *
 * @example
 * const interner = new BytesInterner();
 * const bytes = new TextEncoder().encode('北京上海北京');
 * interner.intern(bytes, 0, 6); // 0
 * interner.intern(bytes, 6, 12); // 1
 * interner.intern(bytes, 12, 18); // 0
 * interner.keyString(1); // '上海'
 */
export class BytesInterner {
  private slots = new Int32Array(64).fill(-1);
  private hashes = new Int32Array(16);
  private keyStart = new Int32Array(16);
  private keyLen = new Int32Array(16);
  private pool = new Uint8Array(256);
  private poolUsed = 0;
  private count = 0;
  private readonly decoder = new TextDecoder();

  /** Number of distinct keys so far. */
  get size(): number {
    return this.count;
  }

  /** The id of `bytes[start, end)`, adding it if new. */
  intern(bytes: Uint8Array, start: number, end: number): number {
    // FNV-1a, 32-bit
    let h = 0x811c9dc5 | 0;
    for (let p = start; p < end; p++) h = Math.imul(h ^ bytes[p], 0x01000193);
    const mask = this.slots.length - 1;
    const len = end - start;
    let s = h & mask;
    for (;;) {
      const id = this.slots[s];
      if (id < 0) break;
      if (this.hashes[id] === h && this.keyLen[id] === len) {
        const k = this.keyStart[id];
        let p = 0;
        while (p < len && this.pool[k + p] === bytes[start + p]) p++;
        if (p === len) return id;
      }
      s = (s + 1) & mask;
    }
    return this.add(bytes, start, end, h, s);
  }

  private add(bytes: Uint8Array, start: number, end: number, h: number, slot: number): number {
    const id = this.count++;
    const len = end - start;
    if (id >= this.hashes.length) {
      this.hashes = grow(this.hashes, id * 2);
      this.keyStart = grow(this.keyStart, id * 2);
      this.keyLen = grow(this.keyLen, id * 2);
    }
    if (this.poolUsed + len > this.pool.length) {
      const pool = new Uint8Array(Math.max(this.pool.length * 2, this.poolUsed + len));
      pool.set(this.pool);
      this.pool = pool;
    }
    this.pool.set(bytes.subarray(start, end), this.poolUsed);
    this.hashes[id] = h;
    this.keyStart[id] = this.poolUsed;
    this.keyLen[id] = len;
    this.poolUsed += len;
    this.slots[slot] = id;
    // Keep the table at most half full so probes stay short.
    if (this.count * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      let s = this.hashes[id] & mask;
      while (slots[s] >= 0) s = (s + 1) & mask;
      slots[s] = id;
    }
    this.slots = slots;
  }

  /** The bytes of key `id` (a view: copy it to keep it past further interning). */
  keyBytes(id: number): Uint8Array {
    return this.pool.subarray(this.keyStart[id], this.keyStart[id] + this.keyLen[id]);
  }

  /** The key `id` decoded as UTF-8 (cold path: once per key, for output). */
  keyString(id: number): string {
    return this.decoder.decode(this.keyBytes(id));
  }
}

function grow(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
