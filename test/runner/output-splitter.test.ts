import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OutputSplitter } from '../../src/runner/output-splitter.js';

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

describe('OutputSplitter', () => {
  it('hands over each group whole, however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 5 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 8 }),
        (groups, cuts) => {
          const stream: number[] = [];
          const expectedGroups: number[][] = [];
          let v = 0;
          for (const g of groups) {
            const bytes: number[] = [];
            for (const len of g) {
              const body = Array.from({ length: len }, () => v++ & 255);
              bytes.push(...varint(len), ...body);
            }
            expectedGroups.push(bytes);
            stream.push(...bytes);
          }
          const got: { bytes: number[]; count: number }[] = [];
          const s = new OutputSplitter((b, count) => got.push({ bytes: [...b], count }));
          for (const g of groups) s.expect(g.length);
          const buf = Uint8Array.from(stream);
          let at = 0;
          let c = 0;
          while (at < buf.length) {
            const n = cuts[c++ % cuts.length]!;
            s.push(buf.subarray(at, at + n));
            at += n;
          }
          s.finish();
          expect(got.map((g) => g.count)).toEqual(groups.map((g) => g.length));
          expect(got.map((g) => g.bytes)).toEqual(expectedGroups);
        },
      ),
    );
  });

  it('gives views, not copies, for a group inside one message', () => {
    const msg = Uint8Array.from([2, 9, 9, 1, 7]);
    const seen: Uint8Array[] = [];
    const s = new OutputSplitter((b) => seen.push(b));
    s.expect(1);
    s.expect(1);
    s.push(msg);
    expect(seen.map((b) => b.buffer === msg.buffer)).toEqual([true, true]);
    expect(seen.map((b) => [...b])).toEqual([
      [2, 9, 9],
      [1, 7],
    ]);
  });

  it('reports missing output, a cut element and extra output', () => {
    const s = new OutputSplitter(() => {});
    s.expect(2);
    s.push(Uint8Array.from([1, 5]));
    expect(() => s.finish()).toThrow(/missing 1/);
    s.push(Uint8Array.from([3, 1]));
    expect(() => s.finish()).toThrow(/inside an element/);
    const t = new OutputSplitter(() => {});
    t.expect(1);
    expect(() => t.push(Uint8Array.from([0, 0]))).toThrow(/more output than expected/);
  });
});
