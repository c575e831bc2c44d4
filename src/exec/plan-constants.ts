/**
 * JSON form of plan constants. The representation is chosen by the constant's type (the plan
 * always carries it), so no tags are needed and the JSON stays readable:
 *
 * | type                                   | JSON                                        |
 * | -------------------------------------- | ------------------------------------------- |
 * | any, when null                         | `null`                                      |
 * | TINYINT SMALLINT INT DATE TIME TIMESTAMP(_LTZ) | number                              |
 * | FLOAT DOUBLE                           | number, or `"NaN"` `"Infinity"` `"-Infinity"` `"-0"` |
 * | BIGINT                                 | decimal string (`"9007199254740993"`); a safe-integer number is read too |
 * | DECIMAL(p, s)                          | decimal string (`"12.30"`)                  |
 * | BOOLEAN                                | boolean                                     |
 * | CHAR VARCHAR STRING                    | string                                      |
 * | BINARY VARBINARY BYTES                 | base64 string                               |
 * | ARRAY<T>                               | array of T's form                           |
 * | MAP<K, V>                              | array of `[key, value]` pairs               |
 * | ROW<…>                                 | object by field name                        |
 *
 * Decoded values are the JS values of docs/dev/contracts.md (bigint, Uint8Array, Map, objects).
 */
import { type DataType, typeToString } from '../types/data-types.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

function bad(t: DataType, v: unknown): never {
  const shown = typeof v === 'bigint' ? `${v}n` : (JSON.stringify(v) ?? String(v));
  throw new TypeError(`constant ${shown} is not a valid ${typeToString(t)} value`);
}

/** The JSON form of a JS constant value of type `t`. */
export function constantToJson(value: unknown, t: DataType): JsonValue {
  if (value === null || value === undefined) return null;
  switch (t.kind) {
    case 'FLOAT':
    case 'DOUBLE':
      if (typeof value !== 'number') bad(t, value);
      // JSON has no NaN, Infinity or -0: those travel as strings
      return Number.isFinite(value) && !Object.is(value, -0)
        ? value
        : Object.is(value, -0)
          ? '-0'
          : String(value);
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      if (typeof value === 'bigint') return Number(value);
      if (value instanceof Date && t.kind !== 'TIME') {
        return t.kind === 'DATE' ? Math.floor(value.getTime() / 86400000) : value.getTime();
      }
      if (typeof value !== 'number') bad(t, value);
      return value;
    case 'BIGINT':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
      return bad(t, value);
    case 'DECIMAL':
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint')
        return String(value);
      return bad(t, value);
    case 'BOOLEAN':
      if (typeof value !== 'boolean') bad(t, value);
      return value;
    case 'CHAR':
    case 'VARCHAR':
      if (typeof value !== 'string') bad(t, value);
      return value;
    case 'BINARY':
    case 'VARBINARY':
      if (!(value instanceof Uint8Array)) bad(t, value);
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    case 'ARRAY':
      if (typeof value !== 'object' || !(Symbol.iterator in value)) bad(t, value);
      return Array.from(value as Iterable<unknown>, (e) => constantToJson(e, t.element));
    case 'MAP': {
      const entries =
        value instanceof Map
          ? [...value.entries()]
          : typeof value === 'object'
            ? Object.entries(value)
            : bad(t, value);
      return entries.map(([k, v]) => [constantToJson(k, t.key), constantToJson(v, t.value)]);
    }
    case 'ROW': {
      if (typeof value !== 'object') bad(t, value);
      const out: { [k: string]: JsonValue } = {};
      t.fields.forEach((f, i) => {
        const v = Array.isArray(value) ? value[i] : (value as Record<string, unknown>)[f.name];
        out[f.name] = constantToJson(v, f.type);
      });
      return out;
    }
    case 'NULL':
      return bad(t, value);
  }
}

/** The JS value of a constant's JSON form. */
export function constantFromJson(json: unknown, t: DataType): unknown {
  if (json === null || json === undefined) return null;
  switch (t.kind) {
    case 'FLOAT':
    case 'DOUBLE':
      if (json === 'NaN') return Number.NaN;
      if (json === 'Infinity') return Number.POSITIVE_INFINITY;
      if (json === '-Infinity') return Number.NEGATIVE_INFINITY;
      if (json === '-0') return -0;
      if (typeof json !== 'number') bad(t, json);
      return json;
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      if (typeof json !== 'number') bad(t, json);
      return json;
    case 'BIGINT':
      if (typeof json === 'string' && /^-?\d+$/.test(json)) return BigInt(json);
      if (typeof json === 'number' && Number.isSafeInteger(json)) return BigInt(json);
      return bad(t, json);
    case 'DECIMAL':
      if (typeof json !== 'string' && typeof json !== 'number') bad(t, json);
      return String(json);
    case 'BOOLEAN':
      if (typeof json !== 'boolean') bad(t, json);
      return json;
    case 'CHAR':
    case 'VARCHAR':
      if (typeof json !== 'string') bad(t, json);
      return json;
    case 'BINARY':
    case 'VARBINARY': {
      if (typeof json !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(json)) bad(t, json);
      const b = Buffer.from(json, 'base64');
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice();
    }
    case 'ARRAY':
      if (!Array.isArray(json)) bad(t, json);
      return json.map((e) => constantFromJson(e, t.element));
    case 'MAP': {
      if (!Array.isArray(json)) bad(t, json);
      const m = new Map<unknown, unknown>();
      for (const pair of json) {
        if (!Array.isArray(pair) || pair.length !== 2) bad(t, json);
        m.set(constantFromJson(pair[0], t.key), constantFromJson(pair[1], t.value));
      }
      return m;
    }
    case 'ROW': {
      if (typeof json !== 'object' || Array.isArray(json)) bad(t, json);
      const out: Record<string, unknown> = {};
      for (const f of t.fields)
        out[f.name] = constantFromJson((json as Record<string, unknown>)[f.name], f.type);
      return out;
    }
    case 'NULL':
      return bad(t, json);
  }
}
