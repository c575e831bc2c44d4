import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataTypes as T, typeToString } from '../../src/types/data-types.js';
import { DataTypeParseError, parseDataType } from '../../src/types/parse.js';
import { dataType } from './arbitraries.js';

describe('parseDataType', () => {
  it('is the inverse of typeToString (fast-check)', () => {
    fc.assert(
      fc.property(dataType(3, { withNull: true }), (dt) => {
        const s = typeToString(dt);
        expect(parseDataType(s)).toEqual(dt);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['DECIMAL(10, 2) NOT NULL', T.DECIMAL(10, 2, false)],
    ['ARRAY<INT>', T.ARRAY(T.INT())],
    ['MAP<STRING, BIGINT>', T.MAP(T.STRING(), T.BIGINT())],
    ['ROW<a INT, b STRING>', T.ROW([T.FIELD('a', T.INT()), T.FIELD('b', T.STRING())])],
    ['ROW(a INT NOT NULL, b STRING)', T.ROW([T.FIELD('a', T.INT(false)), T.FIELD('b', T.STRING())])],
    ["ROW<a INT 'the id'>", T.ROW([T.FIELD('a', T.INT())])],
    ['ROW<`my field` INT, `a``b` DOUBLE>', T.ROW([T.FIELD('my field', T.INT()), T.FIELD('a`b', T.DOUBLE())])],
    ['string', T.STRING()],
    ['TIMESTAMP(3)', T.TIMESTAMP(3)],
    ['TIMESTAMP', T.TIMESTAMP(6)],
    ['TIMESTAMP(3) WITH LOCAL TIME ZONE', T.TIMESTAMP_LTZ(3)],
    ['TIMESTAMP WITHOUT TIME ZONE', T.TIMESTAMP(6)],
    ['TIME', T.TIME(0)],
    ['DECIMAL', T.DECIMAL(10, 0)],
    ['NUMERIC(5)', T.DECIMAL(5, 0)],
    ['INTEGER NULL', T.INT()],
    ['DOUBLE PRECISION NOT NULL', T.DOUBLE(false)],
    ['  varchar ( 20 )  ', T.VARCHAR(20)],
    ['CHAR', T.CHAR(1)],
    ['BYTES', T.BYTES()],
    ['BINARY(16)', T.BINARY(16)],
    ['ARRAY<ARRAY<MAP<INT, ROW<>>>>', T.ARRAY(T.ARRAY(T.MAP(T.INT(false), T.ROW([]))))],
  ])('parses %s', (input, want) => {
    expect(parseDataType(input)).toEqual(want);
  });

  it.each([
    ['', /expected a type name .* got end of input at position 0/],
    ['ARRAY<INT', /expected '>', got end of input at position 9/],
    ['MAP<STRING BIGINT>', /expected ',', got 'BIGINT' at position 11/],
    ['DECIMAL(10, 20)', /DECIMAL scale must be .* at position 8/],
    ['DECIMAL(39, 2)', /DECIMAL precision must be .* at position 8/],
    ['TIMESTAMP(10)', /precision must be .* at position 10/],
    ['VARCHAR(0)', /length must be .* at position 8/],
    ['INTT', /expected a type name .*got 'INTT' at position 0/],
    ['INT NOT', /expected NULL, got end of input at position 7/],
    ['INT extra', /expected end of input, got 'extra' at position 4/],
    ['ROW<a>', /expected a type name .* got '>' at position 5/],
    ['ROW<a INT, a INT>', /two fields named 'a' at position 0/],
    ['ROW<`a INT>', /unterminated ` quote at position 4/],
    ['INT;', /unexpected character ';' at position 3/],
    ['NULL NOT NULL', /NULL cannot/],
  ])('rejects %j clearly', (input, re) => {
    expect(() => parseDataType(input)).toThrow(DataTypeParseError);
    expect(() => parseDataType(input)).toThrow(re);
  });
});
