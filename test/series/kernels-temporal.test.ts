import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil } from '../../src/series/kernels/temporal.js';
import { Series } from '../../src/series/series.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { layoutOf, seriesOf } from './series-fixtures.js';

const DAY_MS = 86_400_000;
const DATE_LIMIT_DAYS = 100_000_000; // JS Date's range: ±8.64e15 ms

function utcParts(ms: number) {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** Wall-clock parts of an instant in a named zone, as Intl sees them (the reference). */
function zoneParts(ms: number, timeZone: string) {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    era: 'short',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const year = p.era?.startsWith('B') ? 1 - Number(p.year) : Number(p.year);
  return {
    year,
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    second: Number(p.second),
  };
}

/** Whole seconds that fit both JS Date and an Int64 count of 1/per seconds. */
function maxSeconds(per: bigint): bigint {
  const dateLimit = 8n * 10n ** 12n;
  const int64Limit = (2n ** 63n - 1n) / per - 1n;
  return dateLimit < int64Limit ? dateLimit : int64Limit;
}

const PARTS = ['year', 'month', 'day', 'hour', 'minute', 'second'] as const;

describe('civil calendar', () => {
  it('days ↔ civil dates agree with Date for every day in its range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -DATE_LIMIT_DAYS, max: DATE_LIMIT_DAYS }), (days) => {
        const p = utcParts(days * DAY_MS);
        expect(civilFromDays(days)).toEqual([p.year, p.month, p.day]);
        expect(daysFromCivil(p.year, p.month, p.day)).toBe(days);
      }),
      { numRuns: 2000 },
    );
    expect(civilFromDays(-719528)).toEqual([0, 1, 1]);
    expect(civilFromDays(0)).toEqual([1970, 1, 1]);
    expect(daysFromCivil(1969, 12, 31)).toBe(-1);
  });
});

describe('dt parts', () => {
  it('of DATE columns (before 1970 included)', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.option(fc.integer({ min: -DATE_LIMIT_DAYS, max: DATE_LIMIT_DAYS }), { nil: null }), {
            maxLength: 40,
          })
          .chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length))),
        ([xs, lay]) => {
          const s = seriesOf(T.DATE(), xs, lay);
          for (const part of ['year', 'month', 'day'] as const) {
            expect(s.dt[part]().toArray()).toEqual(
              xs.map((d) => (d === null ? null : utcParts(d * DAY_MS)[part])),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
    expect(() => Series.from([0], { type: T.DATE() }).dt.hour()).toThrow(/no hour/);
  });

  it('of TIMESTAMP columns in s / ms / µs / ns, exact at every unit', () => {
    const units = [
      { p: 0, per: 1n, perMs: 0 },
      { p: 3, per: 1000n, perMs: 1 },
      { p: 6, per: 1_000_000n, perMs: 1000 },
      { p: 9, per: 1_000_000_000n, perMs: 1_000_000 },
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...units).chain((u) =>
          fc.tuple(
            fc.constant(u),
            fc.array(
              fc.option(
                fc.oneof(
                  fc
                    .tuple(
                      // whole seconds within both Date's range and Int64 in this unit
                      fc.bigInt({ min: -maxSeconds(u.per), max: maxSeconds(u.per) }),
                      fc.bigInt({ min: 0n, max: u.per - 1n }),
                    )
                    .map(([sec, sub]) => sec * u.per + sub),
                  fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }),
                  u.p === 9 ? fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) : fc.constant(-1n),
                ),
                { nil: null },
              ),
              { maxLength: 30 },
            ),
          ),
        ),
        ([u, xs]) => {
          const s = Series.from(BigInt64Array.from(xs.map((x) => x ?? 0n)), { type: T.TIMESTAMP(u.p) });
          const withNulls = Series.from(
            xs.map((x) => (x === null ? null : 0)),
            { type: T.INT() },
          );
          for (const part of PARTS) {
            const got = s.dt[part]().toArray();
            xs.forEach((x, i) => {
              const v = x ?? 0n;
              // floor to ms (BigInt division truncates: fix negatives)
              const perMsBig = u.per === 1n ? 1n : u.per / 1000n;
              let ms = u.per === 1n ? v * 1000n : v / perMsBig;
              if (u.per !== 1n && v < 0n && v % perMsBig !== 0n) ms -= 1n;
              expect(got[i]).toBe(utcParts(Number(ms))[part]);
            });
          }
          expect(s.dt.year().nullCount).toBe(0);
          expect(withNulls.length).toBe(xs.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('of TIMESTAMP_LTZ columns in a time zone (named, fixed, session default)', () => {
    const zones = [
      'UTC',
      'America/New_York',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
      'Europe/Berlin',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.array(fc.integer({ min: -2_000_000_000_000, max: 4_000_000_000_000 }), { maxLength: 30 }),
        (zone, ms) => {
          const s = Series.from(ms, { type: T.TIMESTAMP_LTZ(3) });
          for (const part of PARTS) {
            expect(s.dt[part](zone).toArray()).toEqual(ms.map((m) => zoneParts(m, zone)[part]));
          }
        },
      ),
      { numRuns: 60 },
    );
    const s = Series.from([0, 1_700_000_000_000], { type: T.TIMESTAMP_LTZ(3) });
    expect(s.dt.hour('+05:45').toArray()).toEqual([5, 3]);
    expect(s.dt.minute('-09:30').toArray()).toEqual([30, 43]);
    const before = process.env.TABLE_LOCAL_TIME_ZONE;
    process.env.TABLE_LOCAL_TIME_ZONE = 'Asia/Shanghai';
    try {
      expect(s.dt.hour().toArray()).toEqual([8, 6]);
    } finally {
      if (before === undefined) delete process.env.TABLE_LOCAL_TIME_ZONE;
      else process.env.TABLE_LOCAL_TIME_ZONE = before;
    }
    expect(() => s.dt.hour('Mars/Olympus')).toThrow(/unknown time zone/);
    expect(() => Series.from([0], { type: T.TIMESTAMP(3) }).dt.hour('UTC')).toThrow(/TIMESTAMP_LTZ only/);
  });

  it('of TIME columns, and nulls pass through', () => {
    const t = Series.from([0, 3_723_000, null, 86_399_999], { type: T.TIME(3) });
    expect(t.dt.hour().toArray()).toEqual([0, 1, null, 23]);
    expect(t.dt.minute().toArray()).toEqual([0, 2, null, 59]);
    expect(t.dt.second().toArray()).toEqual([0, 3, null, 59]);
    expect(() => t.dt.year()).toThrow(/no year/);
    expect(() => Series.from([1]).dt.year()).toThrow(/DATE, TIME or TIMESTAMP/);
  });
});
