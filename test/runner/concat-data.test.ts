import {
  Bool,
  type Data,
  type DataType,
  Decimal,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float64,
  Int32,
  Int64,
  List,
  Map_,
  makeData,
  Null,
  Struct,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatData, copyBits } from '../../src/runner/concat-data.js';

function values(d: Data): unknown[] {
  const out: unknown[] = [];
  const v = new (
    vectorFromArray([], d.type).constructor as new (
      data: Data[],
    ) => { get(i: number): unknown }
  )([d]);
  for (let i = 0; i < d.length; i++) {
    const x = v.get(i);
    out.push(
      x == null
        ? null
        : typeof x === 'object' && 'toJSON' in x
          ? JSON.stringify(x)
          : x instanceof Uint8Array
            ? [...x]
            : x,
    );
  }
  return out;
}

const cases: { name: string; type: DataType; gen: (i: number) => unknown }[] = [
  { name: 'int32', type: new Int32(), gen: (i) => i * 7 - 50 },
  { name: 'int64', type: new Int64(), gen: (i) => BigInt(i) * 1_000_000_007n - 3n },
  { name: 'float64', type: new Float64(), gen: (i) => i / 3 },
  { name: 'bool', type: new Bool(), gen: (i) => i % 3 === 0 },
  { name: 'utf8', type: new Utf8(), gen: (i) => 'x'.repeat(i % 5) + String(i) + (i % 4 === 0 ? '中文' : '') },
  {
    name: 'list<int32>',
    type: new List(new Field('element', new Int32(), true)),
    gen: (i) => Array.from({ length: i % 4 }, (_, k) => i + k),
  },
  {
    name: 'struct',
    type: new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)]),
    gen: (i) => ({ a: i, b: `s${i}` }),
  },
  {
    name: 'map',
    type: new Map_(
      new Field(
        'entries',
        new Struct<{ key: Utf8; value: Int32 }>([
          new Field('key', new Utf8(), false),
          new Field('value', new Int32(), true),
        ]),
        false,
      ),
    ),
    gen: (i) => new Map([[`k${i}`, i]]),
  },
  {
    name: 'fixed binary',
    type: new FixedSizeBinary(3),
    gen: (i) => new Uint8Array([i & 255, (i * 3) & 255, 7]),
  },
  {
    name: 'fixed list',
    type: new FixedSizeList(2, new Field('element', new Int32(), true)),
    gen: (i) => [i, -i],
  },
  { name: 'timestamp us', type: new TimestampMicrosecond(), gen: (i) => i * 1000 },
  { name: 'decimal', type: new Decimal(2, 10, 128), gen: (i) => new Uint32Array([i, 0, 0, 0]) },
];

describe('concatData', () => {
  for (const c of cases) {
    it(`keeps values and nulls of ${c.name} across arbitrary slices`, () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.tuple(
              fc.integer({ min: 0, max: 40 }),
              fc.integer({ min: 0, max: 39 }),
              fc.double({ min: 0, max: 1, noNaN: true }),
            ),
            { minLength: 1, maxLength: 5 },
          ),
          (specs) => {
            const parts: Data[] = [];
            const expected: unknown[] = [];
            let seed = 0;
            for (const [n, cut, nullRate] of specs) {
              const raw = Array.from({ length: n + cut }, (_, i) =>
                ((seed + i) % 10) / 10 < nullRate ? null : c.gen(seed + i),
              );
              seed += n + cut;
              const whole = vectorFromArray(raw as never[], c.type).data[0]!;
              const part = whole.slice(Math.min(cut, raw.length), raw.length - Math.min(cut, raw.length));
              parts.push(part);
              expected.push(...values(part));
            }
            const out = concatData(parts);
            expect(out.length).toBe(expected.length);
            expect(values(out)).toEqual(expected);
            expect(out.nullCount).toBe(expected.filter((x) => x === null).length);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it('concatenates the Null type', () => {
    const d = makeData({ type: new Null(), length: 3 });
    expect(concatData([d, d.slice(1, 2)]).length).toBe(5);
  });

  it('copies bits at any alignment', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 20 }),
        fc.nat(30),
        fc.nat(30),
        fc.nat(80),
        (src, from, to, n) => {
          const bits = src.length * 8;
          from = Math.min(from, bits);
          n = Math.min(n, bits - from);
          const dst = new Uint8Array(((to + n) >> 3) + 2);
          copyBits(src, from, dst, to, n);
          for (let k = 0; k < n; k++) {
            const s = (src[(from + k) >> 3]! >> ((from + k) & 7)) & 1;
            const d = (dst[(to + k) >> 3]! >> ((to + k) & 7)) & 1;
            expect(d).toBe(s);
          }
          for (let k = 0; k < to; k++) expect((dst[k >> 3]! >> (k & 7)) & 1).toBe(0);
        },
      ),
    );
  });
});
