/**
 * Arrow columns → DuckDB: the SQL type of each Arrow type, and a function per column that
 * appends row i to a DuckDB appender, reading the Arrow buffers directly.
 *
 * Types: integers, floats, BOOLEAN, DECIMAL(p ≤ 38), VARCHAR, BLOB, DATE, TIME (µs), TIMESTAMP
 * (seconds to microseconds become TIMESTAMP, nanoseconds TIMESTAMP_NS, a time zone TIMESTAMPTZ).
 * Nested types are refused with an error naming the column.
 *
 * @example
 * const cols = duckDbColumns(batch);           // [{ name, sqlType, append }]
 * for (let i = 0; i < batch.numRows; i++) { for (const c of cols) c.append(appender, i); appender.endRow(); }
 */
import type * as Duck from '@duckdb/node-api';
import type { DuckDBAppender } from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { SinkSchemaError } from './sink.js';

let duck: typeof Duck | undefined;

/**
 * Loads DuckDB's driver (once). Loaded on demand, by the sink when it opens: importing vecudf —
 * which every worker does through its UDF modules — must not load DuckDB's native library (it
 * made a worker's JavaScript heap ~4 MB larger, and every full GC of the worker slower).
 */
export async function loadDuckDb(): Promise<typeof Duck> {
  duck ??= await import('@duckdb/node-api');
  return duck;
}

function driver(): typeof Duck {
  if (!duck) throw new Error('internal: DuckDB columns built before the driver was loaded (loadDuckDb)');
  return duck;
}

export interface DuckDbColumn {
  name: string;
  sqlType: string;
  /** Appends row i (null included). */
  append: (a: DuckDBAppender, i: number) => void;
}

/** A DuckDB identifier in double quotes. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const decoder = new TextDecoder();

/** The SQL type of an Arrow type, or a SinkSchemaError naming the column. */
export function duckDbType(type: arrow.DataType, column: string): string {
  switch (type.typeId) {
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      const base = ({ 8: 'TINYINT', 16: 'SMALLINT', 32: 'INTEGER', 64: 'BIGINT' } as Record<number, string>)[
        t.bitWidth
      ];
      return t.isSigned ? base : `U${base}`;
    }
    case arrow.Type.Float:
      return (type as arrow.Float).precision === arrow.Precision.DOUBLE ? 'DOUBLE' : 'FLOAT';
    case arrow.Type.Bool:
      return 'BOOLEAN';
    case arrow.Type.Utf8:
      return 'VARCHAR';
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary:
    case arrow.Type.FixedSizeBinary:
      return 'BLOB';
    case arrow.Type.Decimal: {
      const t = type as arrow.Decimal;
      if (t.precision > 38)
        throw new SinkSchemaError(`column '${column}': DuckDB decimals hold at most 38 digits`);
      return `DECIMAL(${t.precision}, ${t.scale})`;
    }
    case arrow.Type.Date:
      return 'DATE';
    case arrow.Type.Time:
      return 'TIME';
    case arrow.Type.Timestamp: {
      const t = type as arrow.Timestamp;
      if (t.timezone) return 'TIMESTAMPTZ';
      return t.unit === arrow.TimeUnit.NANOSECOND ? 'TIMESTAMP_NS' : 'TIMESTAMP';
    }
    default:
      throw new SinkSchemaError(`column '${column}': the DuckDB sink does not store ${type} columns`);
  }
}

/** Microseconds per unit (for converting to DuckDB's µs types), as bigint. */
function microsPer(unit: arrow.TimeUnit): bigint {
  return unit === arrow.TimeUnit.SECOND ? 1_000_000n : unit === arrow.TimeUnit.MILLISECOND ? 1000n : 1n;
}

/** Name, SQL type and appender of every column of a batch. */
export function duckDbColumns(batch: arrow.RecordBatch): DuckDbColumn[] {
  return batch.schema.fields.map((f, c) => {
    const d = batch.data.children[c];
    const appendValue = valueAppender(d, f.name);
    const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
    const off = d.offset;
    const append = bitmap
      ? (a: DuckDBAppender, i: number) => {
          const b = off + i;
          if ((bitmap[b >>> 3] & (1 << (b & 7))) === 0) a.appendNull();
          else appendValue(a, i);
        }
      : appendValue;
    return { name: f.name, sqlType: duckDbType(f.type, f.name), append };
  });
}

function valueAppender(d: arrow.Data, column: string): (a: DuckDBAppender, i: number) => void {
  const D = driver();
  const type = d.type;
  switch (d.typeId) {
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      const v = d.values as Int32Array & BigInt64Array;
      if (t.bitWidth === 64)
        return t.isSigned ? (a, i) => a.appendBigInt(v[i]) : (a, i) => a.appendUBigInt(v[i]);
      if (!t.isSigned) {
        if (t.bitWidth === 8) return (a, i) => a.appendUTinyInt(v[i]);
        if (t.bitWidth === 16) return (a, i) => a.appendUSmallInt(v[i]);
        return (a, i) => a.appendUInteger(v[i]);
      }
      if (t.bitWidth === 8) return (a, i) => a.appendTinyInt(v[i]);
      if (t.bitWidth === 16) return (a, i) => a.appendSmallInt(v[i]);
      return (a, i) => a.appendInteger(v[i]);
    }
    case arrow.Type.Float: {
      const v = d.values as Float64Array;
      if ((type as arrow.Float).precision === arrow.Precision.DOUBLE) return (a, i) => a.appendDouble(v[i]);
      if ((type as arrow.Float).precision === arrow.Precision.SINGLE) return (a, i) => a.appendFloat(v[i]);
      return (a, i) => a.appendFloat(arrow.util.uint16ToFloat64(v[i]));
    }
    case arrow.Type.Bool: {
      const bits = d.values as Uint8Array;
      const off = d.offset;
      return (a, i) => a.appendBoolean((bits[(off + i) >>> 3] & (1 << ((off + i) & 7))) !== 0);
    }
    case arrow.Type.Utf8: {
      const offsets = d.valueOffsets as Int32Array;
      const bytes = d.values as Uint8Array;
      return (a, i) => a.appendVarchar(decoder.decode(bytes.subarray(offsets[i], offsets[i + 1])));
    }
    case arrow.Type.Decimal: {
      const t = type as arrow.Decimal;
      const words = d.values as Uint32Array;
      const stride = t.bitWidth / 32;
      const bits = BigInt(t.bitWidth);
      return (a, i) => {
        let v = 0n;
        for (let k = stride - 1; k >= 0; k--) v = (v << 32n) | BigInt(words[i * stride + k]);
        if (v >> (bits - 1n)) v -= 1n << bits;
        a.appendDecimal(new D.DuckDBDecimalValue(v, t.precision, t.scale));
      };
    }
    case arrow.Type.Date: {
      const t = type as arrow.Date_;
      if (t.unit === arrow.DateUnit.DAY) {
        const days = d.values as Int32Array;
        return (a, i) => a.appendDate(new D.DuckDBDateValue(days[i]));
      }
      const ms = d.values as unknown as BigInt64Array;
      return (a, i) => a.appendDate(new D.DuckDBDateValue(Number(ms[i] / 86_400_000n)));
    }
    case arrow.Type.Time: {
      const t = type as arrow.Time;
      const v = d.values as Int32Array | BigInt64Array;
      if (t.unit === arrow.TimeUnit.NANOSECOND)
        return (a, i) => a.appendTime(new D.DuckDBTimeValue(BigInt(v[i]) / 1000n));
      const k = microsPer(t.unit);
      return (a, i) => a.appendTime(new D.DuckDBTimeValue(BigInt(v[i]) * k));
    }
    case arrow.Type.Timestamp: {
      const t = type as arrow.Timestamp;
      const v = d.values as unknown as BigInt64Array;
      if (t.timezone) {
        if (t.unit === arrow.TimeUnit.NANOSECOND)
          return (a, i) => a.appendTimestampTZ(new D.DuckDBTimestampTZValue(v[i] / 1000n));
        const k = microsPer(t.unit);
        return (a, i) => a.appendTimestampTZ(new D.DuckDBTimestampTZValue(v[i] * k));
      }
      if (t.unit === arrow.TimeUnit.NANOSECOND)
        return (a, i) => a.appendTimestampNanoseconds(new D.DuckDBTimestampNanosecondsValue(v[i]));
      const k = microsPer(t.unit);
      return (a, i) => a.appendTimestamp(new D.DuckDBTimestampValue(v[i] * k));
    }
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary:
    case arrow.Type.FixedSizeBinary: {
      const vector = arrow.makeVector(d);
      return (a, i) => a.appendBlob(vector.get(i) as Uint8Array);
    }
    default:
      // Raises the same error as duckDbType for the column.
      duckDbType(type, column);
      throw new SinkSchemaError(`column '${column}': unsupported`);
  }
}
