import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ElementFramingError, ElementSplitter, type FramedRun } from '../../src/harness/element-splitter.js';

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function frame(elements: Uint8Array[]): Uint8Array {
  return Uint8Array.from(elements.flatMap((e) => [...varint(e.length), ...e]));
}

/** Cuts `bytes` at the given (sorted, deduplicated) positions. */
function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const points = [...new Set(at.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

const elements = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 });

describe('ElementSplitter', () => {
  it('gives back every element however the stream is cut (payloads)', () => {
    fc.assert(
      fc.property(elements, fc.array(fc.nat(), { maxLength: 12 }), (els, at) => {
        const s = new ElementSplitter();
        const out: Uint8Array[] = [];
        for (const c of cut(frame(els), at)) s.payloads(c, out);
        s.finish();
        expect(out.map((e) => [...e])).toEqual(els.map((e) => [...e]));
        expect(s.elements).toBe(els.length);
      }),
    );
  });

  it('gives back the same framed bytes and counts however the stream is cut (framed runs)', () => {
    fc.assert(
      fc.property(elements, fc.array(fc.nat(), { maxLength: 12 }), (els, at) => {
        const s = new ElementSplitter();
        const runs: FramedRun[] = [];
        const whole = frame(els);
        for (const c of cut(whole, at)) s.framed(c, runs);
        s.finish();
        expect([...Buffer.concat(runs.map((r) => r.bytes))]).toEqual([...whole]);
        expect(runs.reduce((n, r) => n + r.count, 0)).toBe(els.length);
      }),
    );
  });

  it('hands out whole elements as views of the chunk (no copy)', () => {
    const chunk = frame([Uint8Array.of(1, 2, 3), Uint8Array.of(4)]);
    const out: Uint8Array[] = [];
    new ElementSplitter().payloads(chunk, out);
    expect(out[0]!.buffer).toBe(chunk.buffer);
    expect(out[1]!.byteOffset).toBe(chunk.byteOffset + 5);
  });

  it('joins a long element only once it is complete', () => {
    const big = new Uint8Array(100_000).fill(7);
    const whole = frame([big]);
    const s = new ElementSplitter();
    const out: Uint8Array[] = [];
    for (let p = 0; p < whole.length; p += 1000) {
      s.payloads(whole.subarray(p, Math.min(whole.length, p + 1000)), out);
      if (p + 1000 < whole.length) expect(out).toEqual([]);
    }
    expect(out[0]!.length).toBe(100_000);
  });

  it('refuses an input that ends inside an element, and a prefix that is not a varint', () => {
    const s = new ElementSplitter();
    s.payloads(Uint8Array.of(5, 1, 2), []);
    expect(() => s.finish()).toThrow(/ended inside an element \(3 bytes of element 0/);
    expect(() => new ElementSplitter().payloads(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 1), [])).toThrow(
      ElementFramingError,
    );
  });
});
