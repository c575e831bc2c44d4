/**
 * Cuts the logical byte stream of one input into its elements. With the `length_prefix` wire
 * coder (all Flink's Python operators use it) every element is `varint(length)` + `length` bytes,
 * and the spec lets one element span several `Data` messages — so a partial element is carried
 * over to the next chunk (the only case where bytes are copied here). Complete elements are
 * handed out as views of the received chunk.
 *
 * Two ways to take them: `payloads` gives each element's bytes without its prefix (Arrow mode:
 * one IPC stream per element); `framed` gives runs of whole framed elements, prefixes included,
 * with their count (row-wise mode: the row executor reads the framing itself).
 *
 * @example
 * const s = new ElementSplitter();
 * const out: Uint8Array[] = [];
 * s.payloads(chunk, out);  // complete elements of this chunk (and of the carried-over bytes)
 * s.finish();              // throws if the input ended inside an element
 */

export class ElementFramingError extends Error {
  override readonly name = 'ElementFramingError';
}

/** Largest element accepted (2 GiB − 1): a longer prefix means the stream is not length-prefixed. */
const MAX_ELEMENT = 0x7fffffff;

/**
 * Reads the varint at `pos`: returns [value, next position], or null when the bytes end first.
 */
function varintAt(b: Uint8Array, pos: number, end: number): [number, number] | null {
  let value = 0;
  let scale = 1;
  for (let k = 0; k < 5; k++) {
    if (pos >= end) return null;
    const byte = b[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (value > MAX_ELEMENT) break;
      return [value, pos];
    }
    scale *= 128;
  }
  throw new ElementFramingError(`element length prefix is not a varint below 2^31 (at byte ${pos})`);
}

/** A run of whole framed elements and how many there are. */
export interface FramedRun {
  bytes: Uint8Array;
  count: number;
}

export class ElementSplitter {
  /** Pieces of an element cut by the end of a chunk (prefix included), and their total size. */
  #carry: Uint8Array[] = [];
  #carried = 0;
  /** Size of the carried element with its prefix, once the prefix is complete (else 0). */
  #carryNeeds = 0;
  /** Elements handed out so far. */
  elements = 0;

  /** Bytes carried over, waiting for the rest of their element. */
  get carriedBytes(): number {
    return this.#carried;
  }

  /** Appends the payload of every element completed by `chunk` to `out`. */
  payloads(chunk: Uint8Array, out: Uint8Array[]): void {
    const data = this.#join(chunk);
    if (data === null) return;
    const end = data.byteLength;
    let pos = 0;
    while (pos < end) {
      const v = varintAt(data, pos, end);
      if (v === null || v[1] + v[0] > end) break;
      out.push(data.subarray(v[1], v[1] + v[0]));
      pos = v[1] + v[0];
      this.elements++;
    }
    this.#keep(data, pos);
  }

  /** Appends the run of whole framed elements completed by `chunk` (if any) to `out`. */
  framed(chunk: Uint8Array, out: FramedRun[]): void {
    const data = this.#join(chunk);
    if (data === null) return;
    const end = data.byteLength;
    let pos = 0;
    let count = 0;
    while (pos < end) {
      const v = varintAt(data, pos, end);
      if (v === null || v[1] + v[0] > end) break;
      pos = v[1] + v[0];
      count++;
    }
    if (count > 0) out.push({ bytes: data.subarray(0, pos), count });
    this.elements += count;
    this.#keep(data, pos);
  }

  /** The input ended: it must not end inside an element. */
  finish(): void {
    if (this.#carried > 0) {
      throw new ElementFramingError(
        `the input ended inside an element (${this.#carried} bytes of element ${this.elements} received)`,
      );
    }
  }

  /**
   * The bytes to scan: the chunk itself, or the carried pieces joined with it (one copy, made
   * only once the element is complete), or null while a long element is still incomplete.
   */
  #join(chunk: Uint8Array): Uint8Array | null {
    if (this.#carried === 0) return chunk;
    if (this.#carryNeeds > 0 && this.#carried + chunk.byteLength < this.#carryNeeds) {
      this.#carry.push(chunk);
      this.#carried += chunk.byteLength;
      return null;
    }
    const joined = new Uint8Array(this.#carried + chunk.byteLength);
    let at = 0;
    for (const c of this.#carry) {
      joined.set(c, at);
      at += c.byteLength;
    }
    joined.set(chunk, at);
    this.#carry = [];
    this.#carried = 0;
    this.#carryNeeds = 0;
    return joined;
  }

  #keep(data: Uint8Array, pos: number): void {
    if (pos >= data.byteLength) return;
    const rest = data.subarray(pos);
    this.#carry = [rest];
    this.#carried = rest.byteLength;
    const v = varintAt(rest, 0, rest.byteLength);
    this.#carryNeeds = v === null ? 0 : v[1] + v[0];
  }
}
