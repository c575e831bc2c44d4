import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CastError } from '../../src/series/kernels/cast.js';
import { Series } from '../../src/series/series.js';
import { type DataType, DataTypes as T, typeToString } from '../../src/types/data-types.js';
import { double, layoutOf, same, seriesOf, text, withNulls } from './series-fixtures.js';

type Kind = 'TINYINT' | 'SMALLINT' | 'INT' | 'BIGINT' | 'FLOAT' | 'DOUBLE';
const KINDS: Kind[] = ['TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'FLOAT', 'DOUBLE'];
const RANGE: Record<string, [bigint, bigint]> = {
  TINYINT: [-128n, 127n],
  SMALLINT: [-32768n, 32767n],
  INT: [-(2n ** 31n), 2n ** 31n - 1n],
  BIGINT: [-(2n ** 63n), 2n ** 63n - 1n],
};
const isInt = (k: Kind) => k in RANGE;

function valuesOf(k: Kind): fc.Arbitrary<number | bigint> {
  switch (k) {
    case 'TINYINT':
      return fc.integer({ min: -128, max: 127 });
    case 'SMALLINT':
      return fc.integer({ min: -32768, max: 32767 });
    case 'INT':
      return fc.oneof(fc.integer(), fc.integer({ min: -200, max: 200 }));
    case 'BIGINT':
      return fc.oneof(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: -200n, max: 200n }),
      );
    case 'FLOAT':
      return double.map(Math.fround);
    case 'DOUBLE':
      return fc.oneof(double, fc.double({ min: -300, max: 300 }), fc.double({ min: -1e19, max: 1e19 }));
  }
}

/** One value cast to a number kind: the value, or 'invalid'. */
function castNumber(x: number | bigint, to: Kind): unknown {
  if (!isInt(to)) return to === 'FLOAT' ? Math.fround(Number(x)) : Number(x);
  let v: bigint;
  if (typeof x === 'bigint') v = x;
  else {
    if (!Number.isFinite(x)) return 'invalid';
    v = BigInt(Math.trunc(x));
  }
  const [lo, hi] = RANGE[to]!;
  if (v < lo || v > hi) return 'invalid';
  return to === 'BIGINT' ? v : Number(v);
}

describe('cast between numbers', () => {
  it('converts every kind to every kind, truncating and range-checking', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.constantFrom(...KINDS), fc.constantFrom(...KINDS)).chain(([from, to]) =>
          fc.tuple(
            fc.constant(from),
            fc.constant(to),
            withNulls(valuesOf(from), 40).chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length))),
          ),
        ),
        ([from, to, [xs, lay]]) => {
          const s = seriesOf(T[from](), xs, lay);
          const want = xs.map((x) => (x === null ? null : castNumber(x, to)));
          const tolerant = s.cast(T[to](), { invalid: 'null' });
          expect(typeToString(tolerant.type)).toBe(to);
          const got = tolerant.toArray();
          want.forEach((w, i) => {
            expect(same(got[i], w === 'invalid' ? null : w)).toBe(true);
          });
          if (want.includes('invalid')) expect(() => s.cast(T[to]())).toThrow(CastError);
          else expect(s.cast(T[to]()).toArray()).toEqual(got);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names the row and value of an invalid cast', () => {
    expect(() => Series.from([1, 300]).cast(T.TINYINT())).toThrow(
      /cast DOUBLE to TINYINT: row 1: 300 out of range/,
    );
    expect(() => Series.from([Number.NaN]).cast(T.INT())).toThrow(/row 0: NaN/);
    expect(() => Series.from([2n ** 40n]).cast(T.INT())).toThrow(/1099511627776 out of range/);
    expect(Series.from([1.9, -1.9, -0.5]).cast(T.INT()).toArray()).toEqual([1, -1, 0]);
  });

  it('converts booleans to and from numbers', () => {
    expect(Series.from([true, false, null]).cast(T.INT()).toArray()).toEqual([1, 0, null]);
    expect(Series.from([true, false]).cast(T.BIGINT()).toArray()).toEqual([1n, 0n]);
    expect(Series.from([2, 0, -0.5, null]).cast(T.BOOLEAN()).toArray()).toEqual([true, false, true, null]);
    expect(
      Series.from([2n ** 40n, 0n])
        .cast(T.BOOLEAN())
        .toArray(),
    ).toEqual([true, false]);
    expect(() => Series.from([Number.NaN]).cast(T.BOOLEAN())).toThrow(CastError);
  });
});

describe('cast to and from STRING', () => {
  it('prints numbers as JS does (FLOAT by its shortest spelling) and parses them back', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KINDS).chain((k) => fc.tuple(fc.constant(k), withNulls(valuesOf(k), 40))),
        ([k, xs]) => {
          const s = seriesOf(T[k](), xs);
          const strings = s.cast(T.STRING());
          const want = xs.map((x) => {
            if (x === null) return null;
            if (k === 'FLOAT') {
              for (let p = 1; p <= 9; p++) {
                const c = Number((x as number).toPrecision(p));
                if (Math.fround(c) === x) return String(c);
              }
            }
            return String(x);
          });
          expect(strings.toArray()).toEqual(want);
          // Parsing the text gives the value back (-0 prints as '0', as in JS).
          const back = strings.cast(T[k]()).toArray();
          back.forEach((v, i) => {
            const x = xs[i] ?? null;
            expect(same(v, x === null ? null : typeof x === 'number' && Object.is(x, -0) ? 0 : x)).toBe(true);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parses integers from the bytes: spaces, sign, digits only, range-checked', () => {
    const candidate = fc.oneof(
      text,
      fc.integer().map(String),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((v) => ` ${v}\t`),
      fc.constantFrom(
        '',
        ' ',
        '+5',
        '-0',
        '1e3',
        '0x10',
        '١٢',
        '12a',
        '--1',
        '9223372036854775807',
        '-9223372036854775808',
        '9223372036854775808',
      ),
    );
    fc.assert(
      fc.property(fc.constantFrom<Kind>('TINYINT', 'INT', 'BIGINT'), withNulls(candidate), (k, xs) => {
        const got = seriesOf(T.STRING(), xs).cast(T[k](), { invalid: 'null' }).toArray();
        const want = xs.map((x) => {
          if (x === null) return null;
          const t = x.replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '');
          if (!/^[+-]?[0-9]+$/.test(t)) return null;
          const v = castNumber(BigInt(t), k);
          return v === 'invalid' ? null : v;
        });
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('parses floats, booleans and rejects junk', () => {
    const s = Series.from([' 1.5 ', '-2e3', '.5', 'NaN', '-Infinity', 'inf', 'abc', '', '1,5', null]);
    expect(s.cast(T.DOUBLE(), { invalid: 'null' }).toArray()).toEqual([
      1.5,
      -2000,
      0.5,
      Number.NaN,
      -Infinity,
      Infinity,
      null,
      null,
      null,
      null,
    ]);
    expect(() => s.cast(T.DOUBLE())).toThrow(/row 6: 'abc' is not a number/);
    const b = Series.from(['true', 'FALSE', ' yes', 'n', '1', '0', 't', 'maybe']);
    expect(b.cast(T.BOOLEAN(), { invalid: 'null' }).toArray()).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      null,
    ]);
    expect(Series.from([true, false, null]).cast(T.STRING()).toArray()).toEqual(['true', 'false', null]);
  });

  it('cuts to CHAR(n) / VARCHAR(n) by code points, CHAR padding with spaces', () => {
    fc.assert(
      fc.property(withNulls(text), fc.integer({ min: 1, max: 6 }), (xs, n) => {
        const s = seriesOf(T.STRING(), xs);
        expect(s.cast(T.VARCHAR(n)).toArray()).toEqual(
          xs.map((x) => (x === null ? null : [...x].slice(0, n).join(''))),
        );
        expect(s.cast(T.CHAR(n)).toArray()).toEqual(
          xs.map((x) => {
            if (x === null) return null;
            const cut = [...x].slice(0, n);
            return cut.join('') + ' '.repeat(n - cut.length);
          }),
        );
        expect(typeToString(s.cast(T.VARCHAR(n)).type)).toBe(`VARCHAR(${n})`);
      }),
      { numRuns: 200 },
    );
    expect(Series.from(['ab', '🙂🙂🙂']).cast(T.CHAR(2)).toArray()).toEqual(['ab', '🙂🙂']);
    expect(Series.from(['a']).cast(T.CHAR(3)).toArray()).toEqual(['a  ']);
  });

  it('converts bytes and strings (UTF-8 checked)', () => {
    const s = Series.from(['é', '', null]);
    const b = s.cast(T.BYTES());
    expect(b.toArray()).toEqual([Uint8Array.of(0xc3, 0xa9), new Uint8Array(0), null]);
    expect(b.cast(T.STRING()).toArray()).toEqual(['é', '', null]);
    const bad = Series.from([Uint8Array.of(0xff), Uint8Array.of(0x41)]);
    expect(bad.cast(T.STRING(), { invalid: 'null' }).toArray()).toEqual([null, 'A']);
    expect(() => bad.cast(T.STRING())).toThrow(/not valid UTF-8/);
    expect(Series.from(['ab', 'abcd']).cast(T.BINARY(3)).toArray()).toEqual([
      Uint8Array.of(97, 98, 0),
      Uint8Array.of(97, 98, 99),
    ]);
  });
});

describe('cast with DECIMAL', () => {
  const decimal = (p: number, s: number) =>
    fc.bigInt({ min: -(10n ** BigInt(p)) + 1n, max: 10n ** BigInt(p) - 1n }).map((u) => {
      const neg = u < 0n;
      const digits = (neg ? -u : u).toString().padStart(s + 1, '0');
      const text =
        s === 0 ? digits : `${digits.slice(0, digits.length - s)}.${digits.slice(digits.length - s)}`;
      return neg ? `-${text}` : text;
    });

  it('to and from numbers and strings, and rescaled half up', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 38 })
          .chain((p) => fc.tuple(fc.constant(p), fc.integer({ min: 0, max: p }))),
        fc
          .integer({ min: 1, max: 38 })
          .chain((p) => fc.tuple(fc.constant(p), fc.integer({ min: 0, max: p }))),
        ([p, s], [p2, s2]) => {
          fc.assert(
            fc.property(withNulls(decimal(p, s), 10), (xs) => {
              const d = seriesOf(T.DECIMAL(p, s), xs);
              expect(d.cast(T.STRING()).toArray()).toEqual(xs);
              expect(d.cast(T.DOUBLE()).toArray()).toEqual(xs.map((x) => (x === null ? null : Number(x))));
              expect(d.cast(T.BIGINT(), { invalid: 'null' }).toArray()).toEqual(
                xs.map((x) => {
                  if (x === null) return null;
                  const v = BigInt(x.split('.')[0]!);
                  return v >= RANGE.BIGINT![0] && v <= RANGE.BIGINT![1] ? v : null;
                }),
              );
              const want = xs.map((x) => (x === null ? null : rescale(x, s, s2, p2)));
              expect(d.cast(T.DECIMAL(p2, s2), { invalid: 'null' }).toArray()).toEqual(want);
            }),
            { numRuns: 5 },
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('from integers and doubles (shortest spelling, half up), range-checked', () => {
    expect(Series.from([1.005, -2.675, 0.1, null]).cast(T.DECIMAL(5, 2)).toArray()).toEqual([
      '1.01',
      '-2.68',
      '0.10',
      null,
    ]);
    expect(Series.from([123], { type: T.INT() }).cast(T.DECIMAL(5, 2)).toArray()).toEqual(['123.00']);
    expect(
      Series.from([2n ** 62n])
        .cast(T.DECIMAL(38, 0))
        .toArray(),
    ).toEqual([String(2n ** 62n)]);
    expect(() => Series.from([1234], { type: T.INT() }).cast(T.DECIMAL(5, 2))).toThrow(/more than 5 digits/);
    expect(Series.from([Infinity, 1]).cast(T.DECIMAL(5, 2), { invalid: 'null' }).toArray()).toEqual([
      null,
      '1.00',
    ]);
    expect(
      Series.from([Math.fround(0.1)], { type: T.FLOAT() })
        .cast(T.DECIMAL(10, 9))
        .toArray(),
    ).toEqual(['0.100000000']);
    expect(Series.from(['1.255', 'x']).cast(T.DECIMAL(4, 2), { invalid: 'null' }).toArray()).toEqual([
      '1.26',
      null,
    ]);
    expect(
      Series.from(['9.99'], { type: T.DECIMAL(3, 2) })
        .cast(T.INT())
        .toArray(),
    ).toEqual([9]);
    expect(
      Series.from(['-9.99'], { type: T.DECIMAL(3, 2) })
        .cast(T.FLOAT())
        .get(0),
    ).toBe(Math.fround(-9.99));
  });
});

/** Half-up rescale of a decimal string from scale s to s2, null when it needs more than p2 digits. */
function rescale(x: string, s: number, s2: number, p2: number): string | null {
  const neg = x.startsWith('-');
  let u = BigInt(x.replace('-', '').replace('.', ''));
  if (s2 >= s) u *= 10n ** BigInt(s2 - s);
  else {
    const d = 10n ** BigInt(s - s2);
    const q = u / d;
    u = (u % d) * 2n >= d ? q + 1n : q;
  }
  if (u >= 10n ** BigInt(p2)) return null;
  const digits = u.toString().padStart(s2 + 1, '0');
  const text =
    s2 === 0 ? digits : `${digits.slice(0, digits.length - s2)}.${digits.slice(digits.length - s2)}`;
  return neg && u !== 0n ? `-${text}` : text;
}

describe('cast between dates, times and timestamps', () => {
  const DAY = 86_400_000;
  it('DATE ↔ STRING round trips, before 1970 and past 9999 included', () => {
    fc.assert(
      fc.property(withNulls(fc.integer({ min: -3_000_000, max: 3_000_000 })), (days) => {
        const s = seriesOf(T.DATE(), days);
        const text = s.cast(T.STRING());
        const want = days.map((d) => {
          if (d === null) return null;
          const date = new Date(d * DAY);
          const y = date.getUTCFullYear();
          const year =
            y < 0 ? `-${String(-y).padStart(4, '0')}` : y > 9999 ? `+${y}` : String(y).padStart(4, '0');
          const mm = String(date.getUTCMonth() + 1).padStart(2, '0');
          const dd = String(date.getUTCDate()).padStart(2, '0');
          return `${year}-${mm}-${dd}`;
        });
        expect(text.toArray()).toEqual(want);
        expect(text.cast(T.DATE()).toArray()).toEqual(days);
      }),
      { numRuns: 200 },
    );
    expect(
      Series.from(['2024-02-30', '2024-2-3', 'x', '2023-02-29'])
        .cast(T.DATE(), { invalid: 'null' })
        .toArray(),
    ).toEqual([null, 19756, null, null]);
  });

  it('TIMESTAMP(p) ↔ STRING round trips with p fraction digits', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 3, 6, 9),
        fc.array(fc.option(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }), { nil: null }), {
          maxLength: 20,
        }),
        (p, raw) => {
          const per = 10n ** BigInt(p);
          const values = raw.map((v) => (v === null ? 0n : (v * per) / 10n ** 8n));
          const s = Series.from(BigInt64Array.from(values), { type: T.TIMESTAMP(p) });
          const text = s.cast(T.STRING());
          const back = text.cast(T.TIMESTAMP(p));
          expect(back.values).toEqual(s.values);
          text.toArray().forEach((t, i) => {
            const v = values[i]!;
            let ms = p === 0 ? v * 1000n : v / (per / 1000n);
            if (p > 3 && v < 0n && v % (per / 1000n) !== 0n) ms -= 1n;
            const iso = new Date(Number(ms)).toISOString();
            if (Math.abs(Number(ms)) < 2e14)
              expect((t as string).slice(0, 19)).toBe(iso.slice(0, 19).replace('T', ' '));
            expect((t as string).length - (t as string).indexOf(':') - 6).toBe(p === 0 ? 0 : p + 1);
          });
        },
      ),
      { numRuns: 200 },
    );
    const parsed = Series.from([
      '2024-03-05 06:07:08.123456789',
      '2024-03-05T06:07',
      '2024-03-05',
      '2024-03-05 24:00:00',
    ]).cast(T.TIMESTAMP(6), { invalid: 'null' });
    expect(parsed.cast(T.STRING()).toArray()).toEqual([
      '2024-03-05 06:07:08.123456',
      '2024-03-05 06:07:00.000000',
      '2024-03-05 00:00:00.000000',
      null,
    ]);
    expect(() => Series.from(['2024-03-05 06:07:08Z']).cast(T.TIMESTAMP(3))).toThrow(CastError);
  });

  it('between units, to DATE (floor) and TIME, from DATE (midnight)', () => {
    const ts = Series.from(BigInt64Array.of(-1n, 1_700_000_000_123_456n, 0n), { type: T.TIMESTAMP(6) });
    expect(ts.cast(T.DATE()).toArray()).toEqual([-1, 19675, 0]);
    expect(ts.cast(T.TIMESTAMP(3)).values).toEqual(BigInt64Array.of(-1n, 1_700_000_000_123n, 0n));
    expect(ts.cast(T.TIMESTAMP(9)).values).toEqual(BigInt64Array.of(-1000n, 1_700_000_000_123_456_000n, 0n));
    expect(ts.cast(T.TIMESTAMP(0)).values).toEqual(BigInt64Array.of(-1n, 1_700_000_000n, 0n));
    expect(ts.cast(T.TIME(3)).toArray()).toEqual([86_399_999.999, 80_000_123, 0].map(Math.floor));
    const d = Series.from([-1, 0, null], { type: T.DATE() });
    expect(d.cast(T.TIMESTAMP(3)).toArray()).toEqual([-DAY, 0, null]);
    expect(() =>
      Series.from(BigInt64Array.of(2n ** 62n), { type: T.TIMESTAMP(3) }).cast(T.TIMESTAMP(9)),
    ).toThrow(/out of range/);
    expect(() => d.cast(T.TIME(0))).toThrow(/cannot cast DATE/);
    expect(
      Series.from([3_723_000], { type: T.TIME(3) })
        .cast(T.STRING())
        .toArray(),
    ).toEqual(['01:02:03.000']);
    expect(Series.from(['01:02:03.5', '25:00']).cast(T.TIME(3), { invalid: 'null' }).toArray()).toEqual([
      3_723_500,
      null,
    ]);
  });

  it('TIMESTAMP_LTZ ↔ TIMESTAMP and STRING through the session zone', () => {
    const before = process.env.TABLE_LOCAL_TIME_ZONE;
    process.env.TABLE_LOCAL_TIME_ZONE = 'Europe/Berlin';
    try {
      const instant = Series.from([Date.UTC(2024, 6, 1, 12), Date.UTC(2024, 0, 1, 12)], {
        type: T.TIMESTAMP_LTZ(3),
      });
      expect(instant.cast(T.STRING()).toArray()).toEqual([
        '2024-07-01 14:00:00.000',
        '2024-01-01 13:00:00.000',
      ]);
      const wall = instant.cast(T.TIMESTAMP(3));
      expect(wall.toArray()).toEqual([Date.UTC(2024, 6, 1, 14), Date.UTC(2024, 0, 1, 13)]);
      expect(wall.cast(T.TIMESTAMP_LTZ(3)).toArray()).toEqual(instant.toArray());
      expect(instant.cast(T.DATE()).toArray()).toEqual([19905, 19723]);
      expect(
        Series.from(['2024-07-01 14:00:00', '2024-07-01 12:00:00Z', '2024-07-01 12:00+02:00'])
          .cast(T.TIMESTAMP_LTZ(3))
          .toArray(),
      ).toEqual([Date.UTC(2024, 6, 1, 12), Date.UTC(2024, 6, 1, 12), Date.UTC(2024, 6, 1, 10)]);
    } finally {
      if (before === undefined) delete process.env.TABLE_LOCAL_TIME_ZONE;
      else process.env.TABLE_LOCAL_TIME_ZONE = before;
    }
  });
});

describe('cast: the rest', () => {
  it('returns the same vector when nothing changes, and all nulls from NULL', () => {
    const s = Series.from([1, 2], { type: T.INT() });
    expect(s.cast(T.INT()).vector).toBe(s.vector);
    const str = Series.from(['a'], { type: T.VARCHAR(5) });
    expect(str.cast(T.STRING()).vector).toBe(str.vector);
    expect(str.cast(T.VARCHAR(10)).vector).toBe(str.vector);
    const nulls = new Series(Series.from([null, null], { type: T.NULL() }).vector);
    expect(nulls.cast(T.DOUBLE()).toArray()).toEqual([null, null]);
  });

  it('refuses nulls for a NOT NULL type and unsupported pairs', () => {
    expect(() => Series.from([1, null]).cast(T.DOUBLE(false))).toThrow(/NOT NULL/);
    expect(Series.from([1]).cast(T.INT(false)).toArray()).toEqual([1]);
    expect(() => Series.from([[1]], { type: T.ARRAY(T.INT()) }).cast(T.INT())).toThrow(
      /cannot cast ARRAY<INT> to INT/,
    );
    expect(() => Series.from([1]).cast(T.DATE())).toThrow(/cannot cast/);
  });

  it('keeps the declared type on the result', () => {
    const r = Series.from([1.5]).cast(T.DECIMAL(4, 1) as DataType);
    expect(typeToString(r.type)).toBe('DECIMAL(4, 1)');
  });
});
