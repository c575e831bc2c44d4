import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { countSetBits } from '../../src/codec/ipc-batch-reader.js';

/** Bit by bit: the reference. */
function naive(bits: Uint8Array, length: number): number {
  let n = 0;
  for (let i = 0; i < length; i++) n += (bits[i >> 3]! >> (i & 7)) & 1;
  return n;
}

describe('countSetBits (the decoder checks null counts with it)', () => {
  test('equals a bit-by-bit count at every offset and length, ignoring bits past the length', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.nat(7),
        fc.nat(),
        (raw, shift, lenSeed) => {
          // a view at an odd byte offset exercises the unaligned lead and tail
          const buf = new Uint8Array(raw.length + shift);
          buf.set(raw, shift);
          const bits = buf.subarray(shift);
          const length = lenSeed % (bits.length * 8 + 1);
          expect(countSetBits(bits, length)).toBe(naive(bits, length));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('all ones over 10,000 rows', () => {
    expect(countSetBits(new Uint8Array(1250).fill(255), 10_000)).toBe(10_000);
    expect(countSetBits(new Uint8Array(1250).fill(255), 9_999)).toBe(9_999);
  });
});
