import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_VALID,
  andValidity,
  copyBits,
  copyValidity,
  countAllValid,
  countSetBits,
  newBitmap,
  setBits,
  ValidityEditor,
  wordsOf,
  writeAndValidity,
} from '../../src/series/bitmap.js';

/** A bitmap holding `bits` from bit `offset` of a buffer that starts `shift` bytes into its ArrayBuffer. */
function place(bits: boolean[], offset: number, shift: number): Uint8Array {
  const buf = new Uint8Array(shift + ((offset + bits.length + 7) >> 3) + 1).fill(0xa5); // garbage around
  const view = buf.subarray(shift);
  bits.forEach((b, i) => {
    const p = offset + i;
    if (b) view[p >> 3]! |= 1 << (p & 7);
    else view[p >> 3]! &= ~(1 << (p & 7));
  });
  return view.subarray(0, (offset + bits.length + 7) >> 3);
}

const bitsAt = fc.tuple(
  fc.array(fc.boolean(), { maxLength: 150 }),
  fc.integer({ min: 0, max: 40 }),
  fc.integer({ min: 0, max: 7 }),
);
const read = (words: Int32Array, i: number) => ((words[i >> 5]! >>> (i & 31)) & 1) === 1;

describe('bitmaps', () => {
  it('wordsOf reads any bit offset and alignment as words from row 0', () => {
    fc.assert(
      fc.property(bitsAt, ([bits, offset, shift]) => {
        const words = wordsOf(place(bits, offset, shift), offset, bits.length);
        bits.forEach((b, i) => {
          expect(read(words, i)).toBe(b);
        });
        expect(countSetBits(place(bits, offset, shift), offset, bits.length)).toBe(
          bits.filter(Boolean).length,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('countAllValid and writeAndValidity give the count and bytes of andValidity, without its bitmap', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 150 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.array(
                fc.tuple(
                  fc.array(fc.boolean(), { minLength: n, maxLength: n }),
                  fc.integer({ min: 0, max: 40 }),
                  fc.integer({ min: 0, max: 7 }),
                ),
                { maxLength: 4 },
              ),
              fc.integer({ min: 0, max: 7 }),
            ),
          ),
        ([n, specs, at]) => {
          const inputs = specs.map(([bits, offset, shift]) => ({ bits: place(bits, offset, shift), offset }));
          const v = andValidity(inputs, n);
          expect(n - countAllValid(inputs, n)).toBe(v.nullCount);
          if (v.bitmap === null) return;
          const out = new Uint8Array(at + ((n + 7) >> 3) + 2).fill(0x5a);
          writeAndValidity(inputs, n, out, at);
          expect([...out.subarray(at, at + ((n + 7) >> 3))]).toEqual([...v.bitmap.subarray(0, (n + 7) >> 3)]);
          expect(out[at + ((n + 7) >> 3)]).toBe(0x5a); // nothing written past it
        },
      ),
      { numRuns: 500 },
    );
  });

  it('andValidity ANDs inputs at different offsets and counts nulls', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 150 }).chain((n) =>
          fc.array(
            fc.tuple(
              fc.array(fc.boolean(), { minLength: n, maxLength: n }),
              fc.integer({ min: 0, max: 40 }),
              fc.integer({ min: 0, max: 7 }),
              fc.boolean(),
            ),
            {
              minLength: 1,
              maxLength: 4,
            },
          ),
        ),
        (inputs) => {
          const n = inputs[0]![0].length;
          const v = andValidity(
            inputs.map(([bits, offset, shift, absent]) =>
              absent ? null : { bits: place(bits, offset, shift), offset },
            ),
            n,
          );
          const want = Array.from({ length: n }, (_, i) =>
            inputs.every(([bits, , , absent]) => absent || bits[i]),
          );
          const nulls = want.filter((b) => !b).length;
          expect(v.nullCount).toBe(nulls);
          expect(v.bitmap === null).toBe(nulls === 0);
          if (v.bitmap) {
            const w = wordsOf(v.bitmap, 0, n);
            want.forEach((b, i) => {
              expect(read(w, i)).toBe(b);
            });
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('copyBits and setBits write any range at any offset, keeping the bits around it', () => {
    fc.assert(
      fc.property(bitsAt, fc.integer({ min: 0, max: 20 }), ([bits, offset, shift], at) => {
        const dst = newBitmap(at + bits.length + 9).fill(0x5a);
        const before = Uint8Array.from(dst);
        copyBits(place(bits, offset, shift), offset, dst, at, bits.length);
        for (let i = 0; i < dst.length * 8; i++) {
          const got = ((dst[i >> 3]! >> (i & 7)) & 1) === 1;
          const want =
            i >= at && i < at + bits.length ? bits[i - at] : ((before[i >> 3]! >> (i & 7)) & 1) === 1;
          expect(got).toBe(want);
        }
        setBits(dst, at, bits.length);
        expect(countSetBits(dst, at, bits.length)).toBe(bits.length);
      }),
      { numRuns: 300 },
    );
  });

  it('copyValidity shares a byte-aligned bitmap; ValidityEditor copies before writing', () => {
    const bits = Uint8Array.of(0b1111_0111, 0xff);
    const v = copyValidity({ bits, offset: 0 }, 16);
    expect(v.bitmap!.buffer).toBe(bits.buffer);
    expect(v.nullCount).toBe(1);
    const e = new ValidityEditor(v, 16);
    e.clear(15);
    const out = e.finish();
    expect(out.nullCount).toBe(2);
    expect(bits[1]).toBe(0xff); // the input is untouched
    const fresh = new ValidityEditor(ALL_VALID, 3);
    expect(fresh.finish()).toBe(ALL_VALID);
    fresh.clear(1);
    expect(fresh.finish().nullCount).toBe(1);
  });
});
