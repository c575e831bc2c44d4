import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromArrowField,
  fromArrowSchema,
  fromArrowType,
  toArrowField,
  toArrowSchema,
  toArrowType,
  UnsupportedTypeError,
} from '../../src/types/arrow-mapping.js';
import { type DataType, DataTypes as T, typeToString } from '../../src/types/data-types.js';
import { dataType } from './arbitraries.js';

const cases: [DataType, string][] = [
  [T.TINYINT(), 'Int8'],
  [T.SMALLINT(), 'Int16'],
  [T.INT(), 'Int32'],
  [T.BIGINT(), 'Int64'],
  [T.FLOAT(), 'Float32'],
  [T.DOUBLE(), 'Float64'],
  [T.BOOLEAN(), 'Bool'],
  [T.DECIMAL(10, 2), 'Decimal[10e+2]'],
  [T.CHAR(3), 'Utf8'],
  [T.VARCHAR(10), 'Utf8'],
  [T.STRING(), 'Utf8'],
  [T.BINARY(5), 'FixedSizeBinary[5]'],
  [T.VARBINARY(5), 'Binary'],
  [T.BYTES(), 'Binary'],
  [T.DATE(), 'Date32<DAY>'],
  [T.TIME(0), 'Time32<SECOND>'],
  [T.TIME(2), 'Time32<MILLISECOND>'],
  [T.TIME(3), 'Time32<MILLISECOND>'],
  [T.TIME(5), 'Time64<MICROSECOND>'],
  [T.TIME(9), 'Time64<NANOSECOND>'],
  [T.TIMESTAMP(0), 'Timestamp<SECOND>'],
  [T.TIMESTAMP(3), 'Timestamp<MILLISECOND>'],
  [T.TIMESTAMP(6), 'Timestamp<MICROSECOND>'],
  [T.TIMESTAMP_LTZ(7), 'Timestamp<NANOSECOND>'],
  [T.ARRAY(T.INT()), 'List<Int32>'],
  [T.MAP(T.STRING(), T.BIGINT()), 'Map<{key:Utf8, value:Int64}>'],
  [T.ROW([T.FIELD('a', T.INT()), T.FIELD('b', T.STRING())]), 'Struct<{a:Int32, b:Utf8}>'],
  [T.NULL(), 'Null'],
];

describe('toArrowType (Flink ArrowUtils mapping)', () => {
  it.each(cases)('%o → %s', (dt, want) => {
    expect(String(toArrowType(dt))).toBe(want);
  });

  it('uses 128-bit decimals, null time zones and Flink child names', () => {
    const d = toArrowType(T.DECIMAL(38, 18)) as arrow.Decimal;
    expect([d.bitWidth, d.precision, d.scale]).toEqual([128, 38, 18]);
    expect((toArrowType(T.TIMESTAMP_LTZ(3)) as arrow.Timestamp).timezone).toBeNull();
    const list = toArrowType(T.ARRAY(T.INT(false))) as arrow.List;
    expect(list.children[0]!.name).toBe('element');
    expect(list.children[0]!.nullable).toBe(false);
    const map = toArrowType(T.MAP(T.STRING(), T.INT())) as arrow.Map_;
    expect(map.keysSorted).toBe(false);
    const entries = map.children[0]!;
    expect(entries.name).toBe('entries');
    expect(entries.nullable).toBe(false);
    const [k, v] = entries.type.children;
    expect([k!.name, k!.nullable, v!.name, v!.nullable]).toEqual(['key', false, 'value', true]);
  });

  it('puts nullability on the field', () => {
    expect(toArrowField('x', T.INT(false)).nullable).toBe(false);
    expect(toArrowField('x', T.INT()).nullable).toBe(true);
    const s = toArrowSchema([
      { name: 'a', type: T.DOUBLE() },
      { name: 'b', type: T.STRING(false) },
    ]);
    expect(s.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ['a', 'Float64', true],
      ['b', 'Utf8', false],
    ]);
  });
});

describe('fromArrowType', () => {
  it('round-trips every DataType (fast-check)', () => {
    fc.assert(
      fc.property(dataType(3, { withNull: true }), (dt) => {
        const back = fromArrowField(toArrowField('c', dt));
        expect(typeToString(back)).toBe(typeToString(canonical(dt)));
      }),
      { numRuns: 500 },
    );
  });

  it('picks the closest DataType', () => {
    const tz = new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, 'Europe/Paris');
    expect(typeToString(fromArrowType(tz, 'c'))).toBe('TIMESTAMP_LTZ(6)');
    expect(typeToString(fromArrowType(new arrow.TimestampSecond(), 'c'))).toBe('TIMESTAMP(0)');
    expect(typeToString(fromArrowType(new arrow.TimeNanosecond(), 'c'))).toBe('TIME(9)');
    expect(typeToString(fromArrowType(new arrow.Utf8(), 'c'))).toBe('STRING');
    expect(typeToString(fromArrowType(new arrow.Binary(), 'c'))).toBe('BYTES');
    // child names other than Flink's are fine: the layout is the same
    const list = new arrow.List(new arrow.Field('item', new arrow.Int16(), true));
    expect(typeToString(fromArrowType(list, 'c'))).toBe('ARRAY<SMALLINT>');
    const schema = new arrow.Schema([new arrow.Field('m', list, false)]);
    expect(fromArrowSchema(schema).map((f) => [f.name, typeToString(f.type)])).toEqual([
      ['m', 'ARRAY<SMALLINT> NOT NULL'],
    ]);
  });

  const unsupported: [arrow.DataType, string][] = [
    [new arrow.Uint32(), 'Uint32'],
    [new arrow.Uint8(), 'Uint8'],
    [new arrow.Uint64(), 'Uint64'],
    [new arrow.Float16(), 'Float16'],
    [new arrow.Decimal(2, 40, 256), 'Decimal[40e+2]'],
    [new arrow.DateMillisecond(), 'Date64<MILLISECOND>'],
    [new arrow.LargeUtf8(), 'LargeUtf8'],
    [new arrow.LargeBinary(), 'LargeBinary'],
    [new arrow.IntervalDayTime(), 'Interval<DAY_TIME>'],
    [new arrow.DurationSecond(), 'Duration<SECOND>'],
    [new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8()), 'Dictionary<Int8, Utf8>'],
    [new arrow.FixedSizeList(2, new arrow.Field('item', new arrow.Int32())), 'FixedSizeList[2]<Int32>'],
  ];
  it.each(unsupported)('refuses %s with an error naming the column and type', (type, name) => {
    expect(() => fromArrowType(type, 'x')).toThrow(UnsupportedTypeError);
    expect(() => fromArrowType(type, 'x')).toThrow(`column 'x': Arrow type ${name} has no vecudf DataType`);
  });

  it('names the top-level column and the path of a nested unsupported type', () => {
    const type = new arrow.Struct([
      new arrow.Field('ok', new arrow.Int32()),
      new arrow.Field('bad', new arrow.List(new arrow.Field('item', new arrow.Uint16()))),
    ]);
    const err = (() => {
      try {
        fromArrowField(new arrow.Field('col', type));
      } catch (e) {
        return e as UnsupportedTypeError;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(UnsupportedTypeError);
    expect(err.column).toBe('col');
    expect(err.arrowType).toBe('Uint16');
    expect(err.path).toBe('col.bad.item');
    expect(err.message).toMatch(
      /^column 'col': Arrow type Uint16 has no vecudf DataType \(at col\.bad\.item\)/,
    );
  });

  it('refuses a Struct with duplicate field names (a ROW cannot have them)', () => {
    const type = new arrow.Struct([
      new arrow.Field('', new arrow.Int32()),
      new arrow.Field('', new arrow.Utf8()),
    ]);
    expect(() => fromArrowType(type, 's')).toThrow(/column 's'.*two fields named ''/);
  });
});

/**
 * What a DataType becomes after Arrow and back: CHAR/VARCHAR(n) → STRING, VARBINARY(n) → BYTES,
 * precision → the unit's, and TIMESTAMP_LTZ → TIMESTAMP (Flink writes both with time zone null).
 */
function canonical(dt: DataType): DataType {
  switch (dt.kind) {
    case 'CHAR':
    case 'VARCHAR':
      return T.STRING(dt.nullable);
    case 'VARBINARY':
      return T.BYTES(dt.nullable);
    case 'TIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const p = dt.precision === 0 ? 0 : dt.precision <= 3 ? 3 : dt.precision <= 6 ? 6 : 9;
      return { ...dt, kind: dt.kind === 'TIME' ? 'TIME' : 'TIMESTAMP', precision: p };
    }
    case 'ARRAY':
      return T.ARRAY(canonical(dt.element), dt.nullable);
    case 'MAP':
      return T.MAP(canonical(dt.key), canonical(dt.value), dt.nullable);
    case 'ROW':
      return T.ROW(
        dt.fields.map((f) => T.FIELD(f.name, canonical(f.type))),
        dt.nullable,
      );
    default:
      return dt;
  }
}
