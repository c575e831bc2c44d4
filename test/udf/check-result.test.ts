import type * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { createColumnBuilder } from '../../src/series/column-builder.js';
import { Series } from '../../src/series/series.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { toResultVector } from '../../src/udf/check-result.js';

const L = "vectorized UDF 'f'";

function vec(type: ReturnType<typeof T.INT>, values: unknown[]): arrow.Vector {
  const b = createColumnBuilder(type);
  for (const v of values) b.append(v);
  return b.finish();
}

describe('toResultVector: PyFlink’s checks and ours', () => {
  it('refuses what is not a column, naming the type that came', () => {
    expect(() => toResultVector(L, 5, 1, T.DOUBLE())).toThrow(
      "The result type of vectorized UDF 'f' must be a Series, typed array or array, got number",
    );
    expect(() => toResultVector(L, null, 1, T.DOUBLE())).toThrow(
      'must be a Series, typed array or array, got null',
    );
    expect(() => toResultVector(L, new Map(), 1, T.DOUBLE())).toThrow(
      'must be a Series, typed array or array, got Map',
    );
    expect(() => toResultVector(L, 'abc', 3, T.STRING())).toThrow('got string');
  });

  it('refuses a result whose length differs from the input', () => {
    expect(() => toResultVector(L, [], 1, T.DOUBLE())).toThrow(
      "The result length '0' of vectorized UDF 'f' is not equal to the input length '1'",
    );
    expect(() => toResultVector(L, new Float64Array(3), 2, T.DOUBLE())).toThrow(
      "The result length '3' of vectorized UDF 'f' is not equal to the input length '2'",
    );
    expect(() => toResultVector(L, new Series(vec(T.INT(), [1, 2])), 3, T.INT())).toThrow(
      "The result length '2'",
    );
  });

  it('checks every value against the result type: wrong kind, overflow, fractions, nulls for NOT NULL', () => {
    expect(() => toResultVector(L, [1, 'x'], 2, T.DOUBLE())).toThrow(
      "The result of vectorized UDF 'f' does not fit its result type DOUBLE at row 1: expected DOUBLE, got string 'x'",
    );
    expect(() => toResultVector(L, Float64Array.of(1, 2 ** 31), 2, T.INT())).toThrow(
      "The result of vectorized UDF 'f' does not fit its result type INT at row 1: value 2147483648 out of range for INT",
    );
    expect(() => toResultVector(L, [0.5], 1, T.BIGINT())).toThrow(
      'at row 0: value 0.5 is not an integer, expected BIGINT',
    );
    expect(() => toResultVector(L, [1, null], 2, T.DOUBLE(false))).toThrow(
      'does not fit its result type DOUBLE NOT NULL at row 1: null where DOUBLE NOT NULL expected',
    );
    expect(() => toResultVector(L, new Series(vec(T.DOUBLE(), [1, null])), 2, T.DOUBLE(false))).toThrow(
      '1 null(s) where DOUBLE NOT NULL allows none',
    );
  });

  it('wraps a typed array of the matching storage without copying it', () => {
    const values = Float64Array.of(1, 2, 3);
    const v = toResultVector(L, values, 3, T.DOUBLE());
    expect(v.data[0]!.values.buffer).toBe(values.buffer);
    expect(v.toArray()).toEqual(values);
    const ints = Int32Array.of(7, 8);
    expect(toResultVector(L, ints, 2, T.INT()).data[0]!.values.buffer).toBe(ints.buffer);
    expect(toResultVector(L, Int32Array.of(1, 2), 2, T.DOUBLE()).toArray()).toEqual(Float64Array.of(1, 2)); // widened
  });

  it('passes a Series of the same type through, casts other numeric Series only when no value changes', () => {
    const same = vec(T.DOUBLE(), [1.5, null]);
    expect(toResultVector(L, new Series(same), 2, T.DOUBLE()).data[0]).toBe(same.data[0]);
    const ints = new Series(vec(T.INT(), [1, null, -3]));
    const asDouble = toResultVector(L, ints, 3, T.DOUBLE());
    expect(String(asDouble.type)).toBe('Float64');
    expect([...asDouble]).toEqual([1, null, -3]);
    expect([...toResultVector(L, new Series(vec(T.DOUBLE(), [2, 4])), 2, T.SMALLINT())]).toEqual([2, 4]);
    expect(() => toResultVector(L, new Series(vec(T.DOUBLE(), [2, 4.5])), 2, T.INT())).toThrow(
      "The result of vectorized UDF 'f' does not fit its result type INT at row 1: value 4.5 is not an integer, expected INT (a DOUBLE Series is cast only when no value changes)",
    );
    expect(() => toResultVector(L, new Series(vec(T.DOUBLE(), [0.1])), 1, T.FLOAT())).toThrow(
      'value 0.1 (DOUBLE) cannot be held exactly by FLOAT',
    );
    expect(() => toResultVector(L, new Series(vec(T.BIGINT(), [2n ** 60n + 1n])), 1, T.DOUBLE())).toThrow(
      'at row 0',
    );
    expect(() => toResultVector(L, new Series(vec(T.STRING(), ['1'])), 1, T.DOUBLE())).toThrow(
      "The result of vectorized UDF 'f' is a Series of STRING, expected DOUBLE",
    );
  });

  it('accepts a bare Arrow vector and joins several chunks into one', () => {
    const a = vec(T.INT(), [1, 2]);
    const b = vec(T.INT(), [3]);
    const joined = toResultVector(L, a.concat(b), 3, T.INT());
    expect(joined.data.length).toBe(1);
    expect([...joined]).toEqual([1, 2, 3]);
  });
});
