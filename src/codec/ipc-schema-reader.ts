/**
 * Reads an Arrow `Schema` flatbuffer table (Schema.fbs) into an apache-arrow Schema.
 *
 * Slots read (field ids of Schema.fbs): Schema {0 endianness, 1 fields, 2 custom_metadata};
 * Field {0 name, 1 nullable, 2 type_type, 3 type, 4 dictionary, 5 children, 6 custom_metadata};
 * DictionaryEncoding {0 id, 1 indexType, 2 isOrdered}; per type table as commented below.
 */
import * as arrow from 'apache-arrow';
import type { FbReader, FbTable } from './ipc-flatbuffers.js';

/** Deepest nesting accepted; real schemas are a handful of levels deep. */
const MAX_DEPTH = 64;

/** Arrow's `Type` union tags in Schema.fbs. */
const T = {
  NONE: 0,
  Null: 1,
  Int: 2,
  FloatingPoint: 3,
  Binary: 4,
  Utf8: 5,
  Bool: 6,
  Decimal: 7,
  Date: 8,
  Time: 9,
  Timestamp: 10,
  Interval: 11,
  List: 12,
  Struct_: 13,
  Union: 14,
  FixedSizeBinary: 15,
  FixedSizeList: 16,
  Map: 17,
  Duration: 18,
  LargeBinary: 19,
  LargeUtf8: 20,
  LargeList: 21,
  RunEndEncoded: 22,
  BinaryView: 23,
  Utf8View: 24,
  ListView: 25,
  LargeListView: 26,
} as const;

const TYPE_NAMES = Object.fromEntries(Object.entries(T).map(([k, v]) => [v, k]));

/** Reads the Schema table `t`. */
export function readSchema(fb: FbReader, t: FbTable): arrow.Schema {
  if (fb.i16(t, 0, 0) !== 0) fb.fail('big-endian data is not supported', t.pos);
  // a field table takes at least 4 bytes of metadata: this bounds the work on shared subtrees
  const budget = { fields: Math.max(16, Math.floor((fb.end - fb.start) / 4)) };
  const fields: arrow.Field[] = [];
  const v = fb.vector(t, 1, 4);
  if (v !== null) {
    for (let i = 0; i < v.length; i++) fields.push(readField(fb, fb.tableIn(v, i), 0, budget));
  }
  return new arrow.Schema(fields, fb.keyValues(t, 2));
}

function readField(fb: FbReader, t: FbTable, depth: number, budget: { fields: number }): arrow.Field {
  if (depth > MAX_DEPTH) fb.fail(`schema nested deeper than ${MAX_DEPTH} levels`, t.pos);
  if (--budget.fields < 0) fb.fail('schema has more fields than its size allows', t.pos);
  const name = fb.string(t, 0) ?? '';
  const nullable = fb.bool(t, 1, false);
  const children: arrow.Field[] = [];
  const cv = fb.vector(t, 5, 4);
  if (cv !== null) {
    for (let i = 0; i < cv.length; i++) children.push(readField(fb, fb.tableIn(cv, i), depth + 1, budget));
  }
  let type = readType(fb, t, name, children);
  const dict = fb.table(t, 4);
  if (dict !== null) {
    const id = fb.i64(dict, 0, 0);
    const idx = fb.table(dict, 1);
    const indices = idx === null ? new arrow.Int32() : intType(fb, idx, name);
    type = new arrow.Dictionary(type, indices as arrow.Int32, id, fb.bool(dict, 2, false));
  }
  return new arrow.Field(name, type, nullable, fb.keyValues(t, 6));
}

function intType(fb: FbReader, t: FbTable, name: string): arrow.DataType {
  // Int {0 bitWidth: int, 1 is_signed: bool}
  const bits = fb.i32(t, 0, 0);
  const signed = fb.bool(t, 1, false);
  switch (bits) {
    case 8:
      return signed ? new arrow.Int8() : new arrow.Uint8();
    case 16:
      return signed ? new arrow.Int16() : new arrow.Uint16();
    case 32:
      return signed ? new arrow.Int32() : new arrow.Uint32();
    case 64:
      return signed ? new arrow.Int64() : new arrow.Uint64();
    default:
      return fb.fail(`field '${name}': integer bit width ${bits} is not 8, 16, 32 or 64`, t.pos);
  }
}

function timeUnit(fb: FbReader, u: number, name: string, pos: number): arrow.TimeUnit {
  if (u < 0 || u > 3) fb.fail(`field '${name}': unknown time unit ${u}`, pos);
  return u as arrow.TimeUnit;
}

function readType(fb: FbReader, field: FbTable, name: string, children: arrow.Field[]): arrow.DataType {
  const tag = fb.u8(field, 2, T.NONE);
  const t = fb.table(field, 3);
  const need = (n: number) => {
    if (children.length !== n) {
      fb.fail(
        `field '${name}': ${TYPE_NAMES[tag]} needs ${n} child field(s), has ${children.length}`,
        field.pos,
      );
    }
  };
  // a type table without fields may be omitted by some writers: read defaults from an empty table
  const at = t ?? { pos: field.pos, vt: field.vt, vtSize: 4 };
  switch (tag) {
    case T.Null:
      return new arrow.Null();
    case T.Int:
      return intType(fb, at, name);
    case T.FloatingPoint: {
      // FloatingPoint {0 precision: HALF 0 | SINGLE 1 | DOUBLE 2}
      const p = fb.i16(at, 0, 0);
      if (p === 0) return new arrow.Float16();
      if (p === 1) return new arrow.Float32();
      if (p === 2) return new arrow.Float64();
      return fb.fail(`field '${name}': unknown float precision ${p}`, at.pos);
    }
    case T.Binary:
      return new arrow.Binary();
    case T.Utf8:
      return new arrow.Utf8();
    case T.LargeBinary:
      return new arrow.LargeBinary();
    case T.LargeUtf8:
      return new arrow.LargeUtf8();
    case T.Bool:
      return new arrow.Bool();
    case T.Decimal: {
      // Decimal {0 precision: int, 1 scale: int, 2 bitWidth: int = 128}
      const bits = fb.i32(at, 2, 128);
      if (bits !== 128 && bits !== 256)
        fb.fail(`field '${name}': decimal bit width ${bits} is not supported`, at.pos);
      return new arrow.Decimal(fb.i32(at, 1, 0), fb.i32(at, 0, 0), bits);
    }
    case T.Date: {
      // Date {0 unit: DAY 0 | MILLISECOND 1 = MILLISECOND}
      const u = fb.i16(at, 0, 1);
      if (u === 0) return new arrow.DateDay();
      if (u === 1) return new arrow.DateMillisecond();
      return fb.fail(`field '${name}': unknown date unit ${u}`, at.pos);
    }
    case T.Time: {
      // Time {0 unit: TimeUnit = MILLISECOND, 1 bitWidth: int = 32}
      const unit = timeUnit(fb, fb.i16(at, 0, 1), name, at.pos);
      const bits = fb.i32(at, 1, 32);
      if (bits !== (unit <= arrow.TimeUnit.MILLISECOND ? 32 : 64)) {
        fb.fail(`field '${name}': a time in ${arrow.TimeUnit[unit]} cannot be ${bits} bit`, at.pos);
      }
      return new arrow.Time(unit, bits as 32 | 64);
    }
    case T.Timestamp:
      // Timestamp {0 unit: TimeUnit = SECOND, 1 timezone: string}
      return new arrow.Timestamp(
        timeUnit(fb, fb.i16(at, 0, 0), name, at.pos),
        t === null ? null : fb.string(t, 1),
      );
    case T.Interval: {
      // Interval {0 unit: YEAR_MONTH 0 | DAY_TIME 1 | MONTH_DAY_NANO 2}
      const u = fb.i16(at, 0, 0);
      if (u < 0 || u > 2) fb.fail(`field '${name}': unknown interval unit ${u}`, at.pos);
      return new arrow.Interval(u as arrow.IntervalUnit);
    }
    case T.Duration:
      // Duration {0 unit: TimeUnit = MILLISECOND}
      return new arrow.Duration(timeUnit(fb, fb.i16(at, 0, 1), name, at.pos));
    case T.FixedSizeBinary: {
      // FixedSizeBinary {0 byteWidth: int}
      const w = fb.i32(at, 0, 0);
      if (w < 1) fb.fail(`field '${name}': fixed-size binary width ${w}`, at.pos);
      return new arrow.FixedSizeBinary(w);
    }
    case T.List:
      need(1);
      return new arrow.List(children[0]!);
    case T.LargeList:
      need(1);
      return new arrow.LargeList(children[0]!);
    case T.FixedSizeList: {
      // FixedSizeList {0 listSize: int}
      need(1);
      const n = fb.i32(at, 0, 0);
      if (n < 0) fb.fail(`field '${name}': fixed-size list size ${n}`, at.pos);
      return new arrow.FixedSizeList(n, children[0]!);
    }
    case T.Struct_:
      return new arrow.Struct(children);
    case T.Map: {
      // Map {0 keysSorted: bool}; one child: a non-null Struct<key, value>
      need(1);
      const entries = children[0]!;
      if (entries.type.typeId !== arrow.Type.Struct || entries.type.children.length !== 2) {
        fb.fail(`field '${name}': a Map's child must be a struct of key and value`, field.pos);
      }
      return new arrow.Map_(entries, fb.bool(at, 0, false));
    }
    case T.Union: {
      // Union {0 mode: Sparse 0 | Dense 1, 1 typeIds: [int]}
      const mode = fb.i16(at, 0, 0);
      if (mode !== 0 && mode !== 1) fb.fail(`field '${name}': unknown union mode ${mode}`, at.pos);
      const v = t === null ? null : fb.vector(t, 1, 4);
      const ids: number[] = [];
      if (v !== null) for (let i = 0; i < v.length; i++) ids.push(fb.view.getInt32(v.pos + 4 * i, true));
      else for (let i = 0; i < children.length; i++) ids.push(i);
      if (ids.length !== children.length) {
        fb.fail(`field '${name}': union has ${ids.length} type ids for ${children.length} children`, at.pos);
      }
      for (const id of ids)
        if (id < 0 || id > 127) fb.fail(`field '${name}': union type id ${id} out of range`, at.pos);
      return new arrow.Union(mode as arrow.UnionMode, ids, children);
    }
    case T.BinaryView:
    case T.Utf8View:
    case T.RunEndEncoded:
    case T.ListView:
    case T.LargeListView:
      return fb.fail(
        `field '${name}': Arrow type ${TYPE_NAMES[tag]} is not supported by this decoder`,
        field.pos,
      );
    default:
      return fb.fail(`field '${name}': unknown type tag ${tag}`, field.pos);
  }
}
