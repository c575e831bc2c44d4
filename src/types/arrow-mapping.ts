/**
 * DataType ↔ Arrow type, exactly as Flink's `ArrowUtils` maps them (protocol-notes/pyflink.md §2).
 *
 * DataType → Arrow (one Arrow type per DataType):
 *
 * | DataType | Arrow |
 * | --- | --- |
 * | TINYINT / SMALLINT / INT / BIGINT | Int8 / Int16 / Int32 / Int64 (signed) |
 * | FLOAT / DOUBLE | Float32 / Float64 |
 * | BOOLEAN | Bool |
 * | DECIMAL(p, s) | Decimal(p, s), 128 bit |
 * | CHAR / VARCHAR / STRING | Utf8 |
 * | BINARY(n) | FixedSizeBinary(n) |
 * | VARBINARY / BYTES | Binary |
 * | DATE | Date32<DAY> |
 * | TIME(p) | p = 0: Time32<SECOND>; 1–3: Time32<MILLISECOND>; 4–6: Time64<MICROSECOND>; 7–9: Time64<NANOSECOND> |
 * | TIMESTAMP(p), TIMESTAMP_LTZ(p) | Timestamp, unit by p as for TIME, time zone null (so TIMESTAMP_LTZ comes back from Arrow as TIMESTAMP; the worker takes the type from the descriptor) |
 * | ARRAY<T> | List, child field `element` |
 * | MAP<K, V> | Map (keysSorted false), child `entries`: Struct<key NOT NULL, value> (Arrow JS names the entries child `entries`; Flink's Java writes `items` — readers go by position) |
 * | ROW<…> | Struct with the row's field names |
 * | NULL | Null |
 *
 * Arrow → DataType takes the closest DataType whose Arrow layout is the same buffers, so a decoded
 * column can be used as is (no conversion): a Timestamp with a time zone is TIMESTAMP_LTZ, a Time
 * unit gives precision 0/3/6/9, Utf8 is STRING, Binary is BYTES, child field names are free.
 * Arrow types with another layout have no DataType and throw {@link UnsupportedTypeError}:
 * unsigned integers, Float16, Decimal256, Date64 (DATE is Date32), LargeUtf8 / LargeBinary /
 * LargeList (64-bit offsets), Utf8View / BinaryView, FixedSizeList, Interval, Duration, Union, and
 * Dictionary (Flink never sends dictionary-encoded columns; decode them to their value type first),
 * and Structs with two fields of the same name (a ROW's field names are unique).
 */
import * as arrow from 'apache-arrow';
import { type DataType, type RowField, DataTypes as T, withNullable } from './data-types.js';

/**
 * An Arrow type that vecudf has no DataType for.
 *
 * @example
 * try { fromArrowType(new arrow.Uint32(), 'x'); } catch (e) {
 *   // e.message === "column 'x': Arrow type Uint32 has no vecudf DataType"
 * }
 */
export class UnsupportedTypeError extends Error {
  override readonly name = 'UnsupportedTypeError';
  constructor(
    /** The top-level column the type was found in. */
    readonly column: string,
    /** The Arrow type, as Arrow JS prints it (`Uint32`, `Dictionary<Int8, Utf8>`, …). */
    readonly arrowType: string,
    /** Where inside a nested column, e.g. `x.element`; equal to `column` at the top level. */
    readonly path: string = column,
    hint?: string,
  ) {
    super(
      `column '${column}': Arrow type ${arrowType} has no vecudf DataType` +
        (path !== column ? ` (at ${path})` : '') +
        (hint ? `; ${hint}` : ''),
    );
  }
}

/** Arrow's TimeUnit for a TIME / TIMESTAMP precision (0 → s, 1–3 → ms, 4–6 → µs, 7–9 → ns). */
export function timeUnitForPrecision(precision: number): arrow.TimeUnit {
  if (precision === 0) return arrow.TimeUnit.SECOND;
  if (precision <= 3) return arrow.TimeUnit.MILLISECOND;
  if (precision <= 6) return arrow.TimeUnit.MICROSECOND;
  return arrow.TimeUnit.NANOSECOND;
}

function precisionForTimeUnit(unit: arrow.TimeUnit): number {
  switch (unit) {
    case arrow.TimeUnit.SECOND:
      return 0;
    case arrow.TimeUnit.MILLISECOND:
      return 3;
    case arrow.TimeUnit.MICROSECOND:
      return 6;
    default:
      return 9;
  }
}

/**
 * The Arrow type of a DataType (nullability lives on the Arrow field, see {@link toArrowField}).
 *
 * @example
 * toArrowType(T.TIMESTAMP(3)); // Timestamp<MILLISECOND> with time zone null
 */
export function toArrowType(dt: DataType): arrow.DataType {
  switch (dt.kind) {
    case 'TINYINT':
      return new arrow.Int8();
    case 'SMALLINT':
      return new arrow.Int16();
    case 'INT':
      return new arrow.Int32();
    case 'BIGINT':
      return new arrow.Int64();
    case 'FLOAT':
      return new arrow.Float32();
    case 'DOUBLE':
      return new arrow.Float64();
    case 'BOOLEAN':
      return new arrow.Bool();
    case 'DATE':
      return new arrow.DateDay();
    case 'NULL':
      return new arrow.Null();
    case 'DECIMAL':
      return new arrow.Decimal(dt.scale, dt.precision, 128);
    case 'CHAR':
    case 'VARCHAR':
      return new arrow.Utf8();
    case 'BINARY':
      return new arrow.FixedSizeBinary(dt.length);
    case 'VARBINARY':
      return new arrow.Binary();
    case 'TIME': {
      const unit = timeUnitForPrecision(dt.precision);
      return new arrow.Time(unit, unit <= arrow.TimeUnit.MILLISECOND ? 32 : 64);
    }
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return new arrow.Timestamp(timeUnitForPrecision(dt.precision), null);
    case 'ARRAY':
      return new arrow.List(toArrowField('element', dt.element));
    case 'MAP': {
      const entries = new arrow.Struct([
        new arrow.Field('key', toArrowType(dt.key), false),
        toArrowField('value', dt.value),
      ]);
      return new arrow.Map_(new arrow.Field('entries', entries, false), false);
    }
    case 'ROW':
      return new arrow.Struct(dt.fields.map((f) => toArrowField(f.name, f.type)));
  }
}

/** An Arrow field: the type's Arrow type, nullable as the type is. */
export function toArrowField(name: string, dt: DataType): arrow.Field {
  return new arrow.Field(name, toArrowType(dt), dt.nullable);
}

/**
 * An Arrow schema for named columns (names may repeat, as in Arrow).
 *
 * @example
 * toArrowSchema([{ name: 'a', type: T.DOUBLE() }, { name: 'b', type: T.STRING(false) }]);
 */
export function toArrowSchema(fields: readonly { name: string; type: DataType }[]): arrow.Schema {
  return new arrow.Schema(fields.map((f) => toArrowField(f.name, f.type)));
}

/**
 * The DataType of an Arrow type (nullable; an Arrow type alone carries no nullability — use
 * {@link fromArrowField} for that). `column` names the column in the error for a type without one.
 *
 * @example
 * fromArrowType(new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, 'UTC'), 'ts'); // TIMESTAMP_LTZ(6)
 */
export function fromArrowType(type: arrow.DataType, column: string): DataType {
  return convert(type, true, column, column);
}

/** The DataType of an Arrow field, with the field's nullability. */
export function fromArrowField(field: arrow.Field): DataType {
  return convert(field.type, field.nullable, field.name, field.name);
}

/** Name and DataType of every column of an Arrow schema, in order. */
export function fromArrowSchema(schema: arrow.Schema): { name: string; type: DataType }[] {
  return schema.fields.map((f) => ({ name: f.name, type: fromArrowField(f) }));
}

function convert(type: arrow.DataType, nullable: boolean, column: string, path: string): DataType {
  const unsupported = (hint?: string): never => {
    throw new UnsupportedTypeError(column, String(type), path, hint);
  };
  switch (type.typeId) {
    case arrow.Type.Null:
      return T.NULL();
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      if (!t.isSigned) return unsupported('unsigned integers are not supported (Flink has none)');
      if (t.bitWidth === 8) return T.TINYINT(nullable);
      if (t.bitWidth === 16) return T.SMALLINT(nullable);
      if (t.bitWidth === 32) return T.INT(nullable);
      return T.BIGINT(nullable);
    }
    case arrow.Type.Float: {
      const t = type as arrow.Float;
      if (t.precision === arrow.Precision.SINGLE) return T.FLOAT(nullable);
      if (t.precision === arrow.Precision.DOUBLE) return T.DOUBLE(nullable);
      return unsupported('half-precision floats are not supported');
    }
    case arrow.Type.Bool:
      return T.BOOLEAN(nullable);
    case arrow.Type.Utf8:
      return T.STRING(nullable);
    case arrow.Type.Binary:
      return T.BYTES(nullable);
    case arrow.Type.FixedSizeBinary:
      return T.BINARY((type as arrow.FixedSizeBinary).byteWidth, nullable);
    case arrow.Type.Decimal: {
      const t = type as arrow.Decimal;
      if (t.bitWidth !== 128) return unsupported('DECIMAL is a 128-bit decimal');
      if (t.precision < 1 || t.precision > 38 || t.scale < 0 || t.scale > t.precision) {
        return unsupported('DECIMAL needs 1 <= precision <= 38 and 0 <= scale <= precision');
      }
      return T.DECIMAL(t.precision, t.scale, nullable);
    }
    case arrow.Type.Date:
      if ((type as arrow.Date_).unit === arrow.DateUnit.DAY) return T.DATE(nullable);
      return unsupported('DATE is Date32<DAY>');
    case arrow.Type.Time: {
      const t = type as arrow.Time;
      const wantBits = t.unit <= arrow.TimeUnit.MILLISECOND ? 32 : 64;
      if (t.bitWidth !== wantBits) return unsupported(`a time in this unit is ${wantBits} bit`);
      return T.TIME(precisionForTimeUnit(t.unit), nullable);
    }
    case arrow.Type.Timestamp: {
      const t = type as arrow.Timestamp;
      const p = precisionForTimeUnit(t.unit);
      return t.timezone ? T.TIMESTAMP_LTZ(p, nullable) : T.TIMESTAMP(p, nullable);
    }
    case arrow.Type.List: {
      const child = (type as arrow.List).children[0]!;
      const element = convert(child.type, child.nullable, column, `${path}.${child.name}`);
      return T.ARRAY(element, nullable);
    }
    case arrow.Type.Map: {
      const entries = (type as arrow.Map_).children[0]!;
      const [k, v] = entries.type.children as arrow.Field[];
      if (!k || !v) return unsupported('a Map needs a key and a value field');
      const key = convert(k.type, false, column, `${path}.${entries.name}.${k.name}`);
      const value = convert(v.type, v.nullable, column, `${path}.${entries.name}.${v.name}`);
      return T.MAP(withNullable(key, false), value, nullable);
    }
    case arrow.Type.Struct: {
      const children = (type as arrow.Struct).children;
      const names = new Set<string>();
      const fields: RowField[] = [];
      for (const c of children) {
        if (names.has(c.name)) return unsupported(`a ROW cannot have two fields named '${c.name}'`);
        names.add(c.name);
        fields.push(T.FIELD(c.name, convert(c.type, c.nullable, column, `${path}.${c.name}`)));
      }
      return T.ROW(fields, nullable);
    }
    case arrow.Type.LargeUtf8:
    case arrow.Type.LargeBinary:
    case arrow.Type.LargeList:
      return unsupported('64-bit offsets are not supported');
    case arrow.Type.Dictionary:
      return unsupported('dictionary-encoded columns must be decoded to their value type first');
    default:
      return unsupported();
  }
}

/**
 * True when two Arrow types have the same buffers (names, time zones and nullability aside), so a
 * column of type `a` can be read as a column of type `b`.
 *
 * @example
 * sameArrowLayout(new arrow.Timestamp(arrow.TimeUnit.SECOND, 'UTC'), toArrowType(T.TIMESTAMP(0))); // true
 */
export function sameArrowLayout(a: arrow.DataType, b: arrow.DataType): boolean {
  if (a.typeId !== b.typeId) return false;
  switch (a.typeId) {
    case arrow.Type.Int: {
      const x = a as arrow.Int;
      const y = b as arrow.Int;
      return x.bitWidth === y.bitWidth && x.isSigned === y.isSigned;
    }
    case arrow.Type.Float:
      return (a as arrow.Float).precision === (b as arrow.Float).precision;
    case arrow.Type.Decimal:
      return (a as arrow.Decimal).bitWidth === (b as arrow.Decimal).bitWidth;
    case arrow.Type.Date:
      return (a as arrow.Date_).unit === (b as arrow.Date_).unit;
    case arrow.Type.Time:
      return (
        (a as arrow.Time).unit === (b as arrow.Time).unit &&
        (a as arrow.Time).bitWidth === (b as arrow.Time).bitWidth
      );
    case arrow.Type.Timestamp:
      return (a as arrow.Timestamp).unit === (b as arrow.Timestamp).unit;
    case arrow.Type.FixedSizeBinary:
      return (a as arrow.FixedSizeBinary).byteWidth === (b as arrow.FixedSizeBinary).byteWidth;
    case arrow.Type.List:
    case arrow.Type.Map:
    case arrow.Type.Struct: {
      const ca = a.children ?? [];
      const cb = b.children ?? [];
      return ca.length === cb.length && ca.every((f, i) => sameArrowLayout(f.type, cb[i]!.type));
    }
    default:
      return true;
  }
}
