/**
 * Arrow columns → MySQL / MariaDB: the SQL type of each Arrow type and a reader per column that
 * gives row i as a value mysql2 escapes correctly (number, bigint, boolean, string, Buffer, null).
 *
 * Types: integers (UNSIGNED too), FLOAT, DOUBLE (NaN and ±Infinity, which MySQL cannot store,
 * become NULL), BOOLEAN, DECIMAL(p ≤ 65), strings (LONGTEXT; VARCHAR(255) for key columns, since
 * an index needs a bounded length), binary (LONGBLOB / VARBINARY(255)), DATE, TIME(fsp) and
 * timestamps as DATETIME(fsp) (fsp 0, 3 or 6; nanoseconds are cut to microseconds; a timestamp
 * with a time zone is stored as its UTC date-time). Written as text, so no session time zone
 * shifts them.
 *
 * @example
 * const cols = mysqlColumns(batch, ['province']); // [{ name, sqlType, value(i) }]
 */
import * as arrow from 'apache-arrow';
import { civilFromDays, decimalText } from './csv-encode.js';
import { SinkSchemaError } from './sink.js';

export type SqlValue = number | bigint | boolean | string | Buffer | null;

export interface MySqlColumn {
  name: string;
  sqlType: string;
  value: (i: number) => SqlValue;
}

/** A MySQL identifier in backquotes. */
export function quoteMySqlIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

function fsp(unit: arrow.TimeUnit): number {
  return unit === arrow.TimeUnit.SECOND ? 0 : unit === arrow.TimeUnit.MILLISECOND ? 3 : 6;
}

/** The SQL type of an Arrow type (`key`: the column is part of the primary key). */
export function mysqlType(type: arrow.DataType, column: string, key: boolean): string {
  switch (type.typeId) {
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      const base = ({ 8: 'TINYINT', 16: 'SMALLINT', 32: 'INT', 64: 'BIGINT' } as Record<number, string>)[
        t.bitWidth
      ];
      return t.isSigned ? base! : `${base} UNSIGNED`;
    }
    case arrow.Type.Float:
      return (type as arrow.Float).precision === arrow.Precision.DOUBLE ? 'DOUBLE' : 'FLOAT';
    case arrow.Type.Bool:
      return 'BOOLEAN';
    case arrow.Type.Utf8:
      return key ? 'VARCHAR(255)' : 'LONGTEXT';
    case arrow.Type.Binary:
    case arrow.Type.FixedSizeBinary:
      return key ? 'VARBINARY(255)' : 'LONGBLOB';
    case arrow.Type.Decimal: {
      const t = type as arrow.Decimal;
      if (t.precision > 65)
        throw new SinkSchemaError(`column '${column}': MySQL decimals hold at most 65 digits`);
      return `DECIMAL(${t.precision}, ${t.scale})`;
    }
    case arrow.Type.Date:
      return 'DATE';
    case arrow.Type.Time: {
      const p = fsp((type as arrow.Time).unit);
      return p ? `TIME(${p})` : 'TIME';
    }
    case arrow.Type.Timestamp: {
      const p = fsp((type as arrow.Timestamp).unit);
      return p ? `DATETIME(${p})` : 'DATETIME';
    }
    default:
      throw new SinkSchemaError(`column '${column}': the MySQL sink does not store ${type} columns`);
  }
}

/** Name, SQL type and value reader of every column of a batch. */
export function mysqlColumns(batch: arrow.RecordBatch, keyColumns: readonly string[] = []): MySqlColumn[] {
  return batch.schema.fields.map((f, c) => {
    const d = batch.data.children[c];
    const sqlType = mysqlType(f.type, f.name, keyColumns.includes(f.name));
    const read = valueReader(d);
    const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
    const off = d.offset;
    const value = bitmap
      ? (i: number) => ((bitmap[(off + i) >>> 3] & (1 << ((off + i) & 7))) === 0 ? null : read(i))
      : read;
    return { name: f.name, sqlType, value };
  });
}

const decoder = new TextDecoder();
const pad = (v: number, n: number) => String(v).padStart(n, '0');

function dateText(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** `HH:MM:SS[.ffffff]` of a time of day in units (10^digits per second), cut to `keep` fraction digits. */
function clockText(units: bigint, digits: number, keep: number): string {
  const p = 10n ** BigInt(digits);
  const secs = Number(units / p);
  const frac = units % p;
  const hms = `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`;
  if (keep === 0) return hms;
  return `${hms}.${frac.toString().padStart(digits, '0').slice(0, keep)}`;
}

function digitsOf(unit: arrow.TimeUnit): number {
  return unit === arrow.TimeUnit.SECOND
    ? 0
    : unit === arrow.TimeUnit.MILLISECOND
      ? 3
      : unit === arrow.TimeUnit.MICROSECOND
        ? 6
        : 9;
}

function valueReader(d: arrow.Data): (i: number) => SqlValue {
  const type = d.type;
  switch (d.typeId) {
    case arrow.Type.Int: {
      const v = d.values as Int32Array & BigInt64Array;
      return (i) => v[i];
    }
    case arrow.Type.Float: {
      const v = d.values as Float64Array;
      const half = (type as arrow.Float).precision === arrow.Precision.HALF;
      return (i) => {
        const x = half ? arrow.util.uint16ToFloat64(v[i]) : v[i];
        return Number.isFinite(x) ? x : null;
      };
    }
    case arrow.Type.Bool: {
      const bits = d.values as Uint8Array;
      const off = d.offset;
      return (i) => (bits[(off + i) >>> 3] & (1 << ((off + i) & 7))) !== 0;
    }
    case arrow.Type.Utf8: {
      const offsets = d.valueOffsets as Int32Array;
      const bytes = d.values as Uint8Array;
      return (i) => decoder.decode(bytes.subarray(offsets[i], offsets[i + 1]));
    }
    case arrow.Type.Decimal: {
      const t = type as arrow.Decimal;
      const words = d.values as Uint32Array;
      const stride = t.bitWidth / 32;
      return (i) => decimalText(words, i * stride, stride, t.scale);
    }
    case arrow.Type.Date: {
      const t = type as arrow.Date_;
      if (t.unit === arrow.DateUnit.DAY) {
        const days = d.values as Int32Array;
        return (i) => dateText(days[i]);
      }
      const ms = d.values as unknown as BigInt64Array;
      return (i) => dateText(Number(ms[i] / 86_400_000n));
    }
    case arrow.Type.Time: {
      const t = type as arrow.Time;
      const v = d.values as Int32Array | BigInt64Array;
      const digits = digitsOf(t.unit);
      return (i) => clockText(BigInt(v[i]), digits, Math.min(digits, 6));
    }
    case arrow.Type.Timestamp: {
      const t = type as arrow.Timestamp;
      const v = d.values as unknown as BigInt64Array;
      const digits = digitsOf(t.unit);
      const perDay = 86_400n * 10n ** BigInt(digits);
      return (i) => {
        let days = v[i] / perDay;
        let rest = v[i] % perDay;
        if (rest < 0n) {
          days -= 1n;
          rest += perDay;
        }
        return `${dateText(Number(days))} ${clockText(rest, digits, Math.min(digits, 6))}`;
      };
    }
    case arrow.Type.Binary:
    case arrow.Type.FixedSizeBinary: {
      const vector = arrow.makeVector(d);
      return (i) => Buffer.from(vector.get(i) as Uint8Array);
    }
    default:
      throw new SinkSchemaError(`the MySQL sink does not store ${type} columns`);
  }
}
