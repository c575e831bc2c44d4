import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Series } from '../../src/series/series.js';
import { type DataType, DataTypes as T, typeToString } from '../../src/types/data-types.js';
import { double, float, layoutOf, pairOf, same, seriesOf, vectorOf } from './series-fixtures.js';

type Kind = 'TINYINT' | 'SMALLINT' | 'INT' | 'BIGINT' | 'FLOAT' | 'DOUBLE';
type Op = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'pow';
const KINDS: Kind[] = ['TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'FLOAT', 'DOUBLE'];
const OPS: Op[] = ['add', 'sub', 'mul', 'div', 'mod', 'pow'];
const RANK: Record<Kind, number> = { TINYINT: 0, SMALLINT: 1, INT: 2, BIGINT: 3, FLOAT: 4, DOUBLE: 5 };
const isInt = (k: Kind) => RANK[k] <= 3;
const RANGE: Record<string, [bigint, bigint]> = {
  TINYINT: [-128n, 127n],
  SMALLINT: [-32768n, 32767n],
  INT: [-(2n ** 31n), 2n ** 31n - 1n],
  BIGINT: [-(2n ** 63n), 2n ** 63n - 1n],
};

const typeOf = (k: Kind): DataType => T[k]();

/** Values of a kind, with the range limits mixed in. */
function valuesOf(k: Kind): fc.Arbitrary<number | bigint> {
  switch (k) {
    case 'TINYINT':
      return fc.oneof(fc.integer({ min: -128, max: 127 }), fc.constantFrom(-128, 127, 0, -1));
    case 'SMALLINT':
      return fc.oneof(fc.integer({ min: -32768, max: 32767 }), fc.constantFrom(-32768, 32767, 0, 2));
    case 'INT':
      return fc.oneof(
        fc.integer(),
        fc.integer({ min: -50, max: 50 }),
        fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, 0),
      );
    case 'BIGINT':
      return fc.oneof(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: -1000n, max: 1000n }),
        fc.bigInt({ min: -(2n ** 31n), max: 2n ** 31n }),
        fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 32n, 2n ** 53n + 1n),
      );
    case 'FLOAT':
      return float;
    case 'DOUBLE':
      return double;
  }
}

function resultKind(op: Op, a: Kind, b: Kind): Kind {
  if ((op === 'div' || op === 'pow') && isInt(a) && isInt(b)) return 'DOUBLE';
  return RANK[a] >= RANK[b] ? a : b;
}

/** The exact answer for one row: a value, null, or 'overflow'. */
function reference(op: Op, x: number | bigint | null, y: number | bigint | null, rk: Kind): unknown {
  if (x === null || y === null) return null;
  if (isInt(rk)) {
    const a = BigInt(x);
    const b = BigInt(y);
    let r: bigint;
    if (op === 'add') r = a + b;
    else if (op === 'sub') r = a - b;
    else if (op === 'mul') r = a * b;
    else {
      if (b === 0n) return null;
      r = a % b;
    }
    const [lo, hi] = RANGE[rk]!;
    if (r < lo || r > hi) return 'overflow';
    return rk === 'BIGINT' ? r : Number(r);
  }
  const a = Number(x);
  const b = Number(y);
  if (op === 'div' && typeof x !== 'number' && typeof y !== 'number') return b === 0 ? null : a / b;
  let r: number;
  switch (op) {
    case 'add':
      r = a + b;
      break;
    case 'sub':
      r = a - b;
      break;
    case 'mul':
      r = a * b;
      break;
    case 'div':
      r = a / b;
      break;
    case 'mod':
      r = a % b;
      break;
    case 'pow':
      r = a ** b;
      break;
  }
  return rk === 'FLOAT' ? Math.fround(r) : r;
}

/** Reference for columns: integer division by zero is null when both kinds are integers. */
function referenceColumn(op: Op, xs: unknown[], ys: unknown[], ka: Kind, kb: Kind): unknown[] {
  const rk = resultKind(op, ka, kb);
  return xs.map((x, i) => {
    const y = ys[i] as number | bigint | null;
    if (op === 'div' && isInt(ka) && isInt(kb) && x !== null && y !== null && Number(y) === 0) return null;
    if (op === 'div' && isInt(ka) && isInt(kb))
      return x === null || y === null ? null : Number(x) / Number(y);
    return reference(op, x as number | bigint | null, y, rk);
  });
}

const kindPair = fc.tuple(fc.constantFrom(...KINDS), fc.constantFrom(...KINDS), fc.constantFrom(...OPS));

describe('arithmetic: Series op Series', () => {
  it('matches an exact per-row reference for every kind pair, op and layout', () => {
    fc.assert(
      fc.property(
        kindPair.chain(([ka, kb, op]) =>
          fc.tuple(
            fc.constant(ka),
            fc.constant(kb),
            fc.constant(op),
            pairOf(valuesOf(ka), valuesOf(kb), 40).chain(([xs, ys]) =>
              fc.tuple(fc.constant(xs), fc.constant(ys), layoutOf(xs.length), layoutOf(xs.length)),
            ),
          ),
        ),
        ([ka, kb, op, [xs, ys, la, lb]]) => {
          const a = seriesOf(typeOf(ka), xs, la);
          const b = seriesOf(typeOf(kb), ys, lb);
          const want = referenceColumn(op, xs, ys, ka, kb);
          const rk = resultKind(op, ka, kb);
          if (want.includes('overflow')) {
            expect(() => a[op](b).toArray()).toThrow(RangeError);
            return;
          }
          const got = a[op](b);
          expect(typeToString(got.type)).toBe(typeToString(typeOf(rk)));
          expect(got.length).toBe(xs.length);
          const arr = got.toArray();
          for (let i = 0; i < want.length; i++) {
            if (!same(arr[i], want[i])) {
              throw new Error(
                `${ka} ${op} ${kb} row ${i}: ${String(xs[i])}, ${String(ys[i])} → ${String(arr[i])}, want ${String(want[i])}`,
              );
            }
          }
          expect(got.nullCount).toBe(want.filter((v) => v === null).length);
        },
      ),
      { numRuns: 600 },
    );
  });
});

/** The scalar's kind next to a column kind (weak scalars: see series.ts). */
function scalarKind(v: number | bigint, col: Kind): Kind {
  if (!isInt(col)) return col;
  const fits = (k: Kind) => BigInt(v) >= RANGE[k]![0] && BigInt(v) <= RANGE[k]![1];
  if (typeof v === 'bigint') return col !== 'BIGINT' && fits(col) ? col : 'BIGINT';
  if (!Number.isInteger(v)) return 'DOUBLE';
  if (col !== 'BIGINT' && fits(col)) return col;
  if (fits('INT')) return 'INT';
  return Math.abs(v) < 2 ** 63 ? 'BIGINT' : 'DOUBLE';
}

describe('arithmetic: Series op scalar', () => {
  const scalar = fc.oneof(
    fc.integer({ min: -300, max: 300 }),
    fc.integer(),
    fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
    fc.constantFrom(0, 2, -1, 0.5, 2 ** 40, 2 ** 70, Number.NaN),
    fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }),
    fc.constantFrom(0n, 3n, -(2n ** 63n)),
  );
  it('broadcasts with weak scalar typing and matches the reference', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(fc.constantFrom(...KINDS), fc.constantFrom(...OPS))
          .chain(([k, op]) =>
            fc.tuple(
              fc.constant(k),
              fc.constant(op),
              fc.array(fc.option(valuesOf(k), { nil: null }), { maxLength: 40 }),
              scalar,
            ),
          ),
        ([k, op, xs, s]) => {
          const a = seriesOf(typeOf(k), xs);
          const sk = scalarKind(s, k);
          // A weak scalar takes the column's float kind: it is rounded to float32 first.
          const ys = xs.map(() => (sk === 'FLOAT' ? Math.fround(Number(s)) : s));
          const want = referenceColumn(op, xs, ys, k, sk);
          if (want.includes('overflow')) {
            expect(() => a[op](s).toArray()).toThrow(RangeError);
            return;
          }
          const got = a[op](s);
          expect(typeToString(got.type)).toBe(typeToString(typeOf(resultKind(op, k, sk))));
          const arr = got.toArray();
          for (let i = 0; i < want.length; i++) {
            if (!same(arr[i], want[i]))
              throw new Error(
                `${k} ${op} ${String(s)} row ${i}: ${String(xs[i])} → ${String(arr[i])}, want ${String(want[i])}`,
              );
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('arithmetic: unary and fused chains', () => {
  it('neg / abs match the reference and detect the one overflowing value', () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(...KINDS)
          .chain((k) =>
            fc.tuple(fc.constant(k), fc.array(fc.option(valuesOf(k), { nil: null }), { maxLength: 40 })),
          ),
        fc.constantFrom('neg', 'abs' as const),
        ([k, xs], op) => {
          const a = seriesOf(typeOf(k), xs);
          const want = xs.map((x) => {
            if (x === null) return null;
            if (typeof x === 'bigint') {
              const r = op === 'neg' ? -x : x < 0n ? -x : x;
              return r > RANGE.BIGINT![1] ? 'overflow' : r;
            }
            const r = op === 'neg' ? -x : Math.abs(x);
            if (isInt(k) && BigInt(r) > RANGE[k]![1]) return 'overflow';
            return isInt(k) ? r + 0 : r;
          });
          if (want.includes('overflow')) {
            expect(() => a[op]()).toThrow(RangeError);
            return;
          }
          const arr = a[op]().toArray();
          for (let i = 0; i < want.length; i++) expect(same(arr[i], want[i])).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a fused chain equals the same steps materialized one by one', () => {
    const step = fc.oneof(
      fc.record({ op: fc.constantFrom(...OPS), arg: fc.constantFrom('b', 'c', 'self') }),
      fc.record({ op: fc.constantFrom(...OPS), arg: fc.double({ noNaN: true, min: -10, max: 10 }) }),
      fc.record({ op: fc.constantFrom('neg', 'abs'), arg: fc.constant(null) }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('FLOAT', 'DOUBLE' as const),
        fc
          .integer({ min: 0, max: 40 })
          .chain((n) =>
            fc.tuple(
              fc.array(fc.option(double, { nil: null }), { minLength: n, maxLength: n }),
              fc.array(fc.option(double, { nil: null }), { minLength: n, maxLength: n }),
              fc.array(fc.option(double, { nil: null }), { minLength: n, maxLength: n }),
              layoutOf(n),
            ),
          ),
        fc.array(step, { minLength: 1, maxLength: 8 }),
        (kind, [xs, ys, zs, lay], steps) => {
          const t = T[kind]();
          const fr =
            kind === 'FLOAT'
              ? (v: unknown) => (v === null ? null : Math.fround(v as number))
              : (v: unknown) => v;
          const a = seriesOf(t, xs.map(fr), lay);
          const b = seriesOf(t, ys.map(fr));
          const c = seriesOf(T.DOUBLE(), zs);
          let lazy = a;
          let eager = a;
          for (const s of steps) {
            if (s.op === 'neg' || s.op === 'abs') {
              lazy = lazy[s.op]();
              eager = new Series(eager[s.op]().vector);
              continue;
            }
            const arg = s.arg === 'b' ? b : s.arg === 'c' ? c : s.arg === 'self' ? lazy : (s.arg as number);
            const eagerArg = s.arg === 'self' ? eager : arg;
            lazy = lazy[s.op as Op](arg as Series | number);
            eager = new Series(eager[s.op as Op](eagerArg as Series | number).vector);
          }
          expect(typeToString(lazy.type)).toBe(typeToString(eager.type));
          const x = lazy.toArray();
          const y = eager.toArray();
          for (let i = 0; i < x.length; i++) expect(same(x[i], y[i])).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('arithmetic: edge cases', () => {
  it('keeps IEEE semantics for floats: NaN, -0, infinities, division by zero', () => {
    const a = Series.from([1, -1, 0, Number.NaN, -0]);
    expect(a.div(0).toArray()).toEqual([Infinity, -Infinity, Number.NaN, Number.NaN, Number.NaN]);
    expect(Object.is(a.mul(-0).get(0), -0)).toBe(true);
    expect(Object.is(a.neg().get(2), -0)).toBe(true);
    expect(
      a
        .mod(0)
        .toArray()
        .every((v) => Number.isNaN(v)),
    ).toBe(true);
  });

  it('gives null for integer division and modulo by zero, DOUBLE for integer division', () => {
    const a = Series.from([7, -7, 7, null], { type: T.INT() });
    const b = Series.from([2, 2, 0, 1], { type: T.INT() });
    expect(a.div(b).toArray()).toEqual([3.5, -3.5, null, null]);
    expect(typeToString(a.div(b).type)).toBe('DOUBLE');
    expect(a.mod(b).toArray()).toEqual([1, -1, null, null]);
    expect(a.div(0).nullCount).toBe(4);
    const big = Series.from([2n ** 62n, -5n]);
    expect(big.mod(0n).toArray()).toEqual([null, null]);
    expect(big.mod(3n).toArray()).toEqual([2n ** 62n % 3n, -2n]);
  });

  it('computes BIGINT exactly beyond 2^53 and names the overflowing row', () => {
    const a = Series.from([2n ** 53n + 1n, -(2n ** 62n), 3037000499n]);
    expect(a.add(1n).toArray()).toEqual([2n ** 53n + 2n, -(2n ** 62n) + 1n, 3037000500n]);
    expect(a.slice(2).mul(a.slice(2)).get(0)).toBe(3037000499n * 3037000499n);
    expect(
      a
        .slice(1)
        .sub(2n ** 62n)
        .get(0),
    ).toBe(-(2n ** 63n));
    expect(() => Series.from([1n, 2n ** 63n - 1n]).add(1n)).toThrow(/BIGINT overflow at row 1/);
    expect(() => Series.from([-(2n ** 63n)]).neg()).toThrow(/BIGINT overflow at row 0/);
    expect(() => Series.from([2n ** 32n]).mul(2n ** 31n)).toThrow(/BIGINT overflow/);
    expect(() =>
      Series.from([-(2n ** 32n)])
        .mul(2n ** 31n)
        .toArray(),
    ).not.toThrow();
  });

  it('does not check values under null rows', () => {
    // INT max under a null row: adding 1 would overflow, but the row is null.
    const v = vectorOf(T.INT(), [2147483647, 1]);
    const withNull = Series.from([null, 1], { type: T.INT() });
    const a = new Series(v);
    expect(() => a.add(withNull).toArray()).not.toThrow();
    expect(a.add(withNull).toArray()).toEqual([null, 2]);
    expect(() => a.add(1)).toThrow(/INT overflow at row 0: 2147483647 \+ 1/);
  });

  it('promotes as SQL does', () => {
    const i = Series.from([1], { type: T.INT() });
    const l = Series.from([1n]);
    const f = Series.from([1], { type: T.FLOAT() });
    const tiny = Series.from([1], { type: T.TINYINT() });
    expect(typeToString(i.add(l).type)).toBe('BIGINT');
    expect(typeToString(l.add(f).type)).toBe('FLOAT');
    expect(typeToString(f.add(Series.from([1])).type)).toBe('DOUBLE');
    expect(typeToString(tiny.add(1).type)).toBe('TINYINT');
    expect(typeToString(tiny.add(1000).type)).toBe('INT');
    expect(typeToString(i.mul(1.5).type)).toBe('DOUBLE');
    expect(typeToString(i.add(2 ** 40).type)).toBe('BIGINT');
    expect(typeToString(f.mul(0.1).type)).toBe('FLOAT');
    expect(f.mul(0.1).get(0)).toBe(Math.fround(Math.fround(0.1)));
  });

  it('works on empty Series and rejects mismatched lengths and non-numeric columns', () => {
    const e = Series.from(new Float64Array(0));
    expect(e.mul(2).add(e).toArray()).toEqual([]);
    expect(Series.from([], { type: T.INT() }).add(1).length).toBe(0);
    expect(() => Series.from([1, 2]).add(Series.from([1]))).toThrow(/2 and 1 rows/);
    expect(() => Series.from(['a']).add(1)).toThrow(/numeric/);
  });

  it('evaluates a fused result once and caches it', () => {
    const a = Series.from([1, 2, null]);
    const r = a.mul(2).add(a);
    expect(r.vector).toBe(r.vector);
    expect(r.values).toEqual(Float64Array.of(3, 6, r.values[2] as number));
    expect(r.validity).not.toBeNull();
    expect(r.nullCount).toBe(1);
  });

  it('keeps long chains bounded (materializes inner parts past the node limit)', () => {
    const a = Series.from(Float64Array.from({ length: 100 }, (_, i) => i));
    let s = a;
    for (let k = 0; k < 200; k++) s = s.add(1);
    expect(s.get(5)).toBe(205);
    let d = a;
    for (let k = 0; k < 30; k++) d = d.add(d); // shared subtrees: 2^30 leaves as a tree
    expect(d.get(1)).toBe(2 ** 30);
  });
});
