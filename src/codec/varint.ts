/**
 * Unsigned LEB128 varints, as Beam's `VarInt` writes the length prefix of each data-plane element
 * (`length_prefix` coder): 7 bits per byte, low bits first, high bit set on all but the last byte.
 * Values are limited to 2^53 - 1 (an element is never larger; a longer varint is malformed).
 *
 * @example
 * const out = new Uint8Array(varintSize(300));
 * writeVarint(out, 0, 300); // [0xac, 0x02]
 * readVarint(out, 0, out.length); // { value: 300, next: 2 }
 */
import { ArrowDecodeError } from './ipc-errors.js';

/** Bytes needed to write `value`. */
export function varintSize(value: number): number {
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Writes `value` (a non-negative safe integer) at `pos`; returns the position after it. */
export function writeVarint(out: Uint8Array, pos: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`varint value ${value} is not a non-negative safe integer`);
  while (value >= 128) {
    out[pos++] = (value % 128) | 128;
    value = Math.floor(value / 128);
  }
  out[pos++] = value;
  return pos;
}

/** Result of {@link readVarint}: the value and the position after it. */
export interface VarintRead {
  value: number;
  next: number;
}

/**
 * Reads a varint from `bytes[pos, end)`; `base` is added to positions in errors (the absolute
 * offset of `bytes[0]` in the caller's input). Throws {@link ArrowDecodeError} when it is cut off
 * or longer than 8 bytes (2^56, far beyond any element).
 */
export function readVarint(bytes: Uint8Array, pos: number, end: number, base = 0): VarintRead {
  let value = 0;
  let scale = 1;
  const start = pos;
  for (let k = 0; k < 8; k++) {
    if (pos >= end) throw new ArrowDecodeError('truncated varint length prefix', base + start);
    const b = bytes[pos++]!;
    value += (b & 127) * scale;
    if (b < 128) {
      if (!Number.isSafeInteger(value))
        throw new ArrowDecodeError('varint length prefix too large', base + start);
      return { value, next: pos };
    }
    scale *= 128;
  }
  throw new ArrowDecodeError('varint length prefix longer than 8 bytes', base + start);
}
