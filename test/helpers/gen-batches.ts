/**
 * Seeded record batches for runner tests and benchmarks: any DataType through the project's
 * column builders (values as docs/dev/contracts.md defines them), with a null rate per column.
 * DOUBLE and STRING columns without nulls take a fast path (typed arrays, UTF-8 bytes + offsets)
 * so that million-row inputs are cheap to make.
 *
 * @example
 * const batches = genBatches({ rows: 100_000, batchRows: 30_000, seed: 1,
 *   columns: [{ name: 'a', type: T.DOUBLE() }, { name: 's', type: T.STRING(), nullRate: 0.1 }] });
 */
import { type Data, Float64, makeData, RecordBatch, Struct, Utf8 } from 'apache-arrow';
import { createColumnBuilder } from '../../src/series/column-builder.js';
import { toArrowSchema } from '../../src/types/arrow-mapping.js';
import type { DataType } from '../../src/types/data-types.js';
import { type Rng, rng } from './random.js';

export interface GenColumn {
  name: string;
  type: DataType;
  /** Probability of null (default 0; ignored for NOT NULL types). */
  nullRate?: number;
}

export interface GenSpec {
  rows: number;
  /** Rows per batch (default: all in one). */
  batchRows?: number;
  seed: number;
  columns: GenColumn[];
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'ünïcode', '中文', '', 'x'.repeat(40)];

/** A random JS value of type `t` (contracts.md representation). */
export function randomValue(t: DataType, r: Rng, depth = 0): unknown {
  switch (t.kind) {
    case 'TINYINT':
      return r.int(-128, 127);
    case 'SMALLINT':
      return r.int(-32768, 32767);
    case 'INT':
      return r.int(-2_000_000_000, 2_000_000_000);
    case 'BIGINT':
      return BigInt(r.int(-1_000_000, 1_000_000)) * 1_000_000_007n + BigInt(r.int(0, 1000));
    case 'FLOAT':
      return Math.fround((r.float() - 0.5) * 1000);
    case 'DOUBLE':
      return (r.float() - 0.5) * 1e6;
    case 'BOOLEAN':
      return r.chance(0.5);
    case 'DATE':
      return r.int(-20_000, 30_000);
    case 'TIME':
      return r.int(0, 86_399) * 1000;
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ':
      return r.int(-1_000_000, 2_000_000) * 1_000_000;
    case 'DECIMAL': {
      const digits = Math.min(t.precision - t.scale, 9);
      const whole = r.int(0, 10 ** digits - 1);
      const frac =
        t.scale > 0
          ? `.${String(r.int(0, 10 ** Math.min(t.scale, 9) - 1))
              .padStart(t.scale, '0')
              .slice(0, t.scale)}`
          : '';
      return `${r.chance(0.5) ? '-' : ''}${whole}${frac}`;
    }
    case 'CHAR':
    case 'VARCHAR':
      return r.pick(WORDS) + String(r.int(0, 999));
    case 'BINARY':
      return Uint8Array.from({ length: t.length }, () => r.int(0, 255));
    case 'VARBINARY':
      return Uint8Array.from({ length: r.int(0, 12) }, () => r.int(0, 255));
    case 'ARRAY':
      return Array.from({ length: r.int(0, 3) }, () => maybeNull(t.element, r, depth + 1));
    case 'MAP': {
      const m = new Map<unknown, unknown>();
      for (let i = r.int(0, 3); i > 0; i--)
        m.set(randomValue(t.key, r, depth + 1), maybeNull(t.value, r, depth + 1));
      return m;
    }
    case 'ROW': {
      const o: Record<string, unknown> = {};
      for (const f of t.fields) o[f.name] = maybeNull(f.type, r, depth + 1);
      return o;
    }
    case 'NULL':
      return null;
  }
}

function maybeNull(t: DataType, r: Rng, depth: number): unknown {
  return t.nullable && r.chance(0.2) ? null : randomValue(t, r, depth);
}

function fastColumn(c: GenColumn, n: number, r: Rng): Data | undefined {
  if ((c.nullRate ?? 0) > 0) return undefined;
  if (c.type.kind === 'DOUBLE') {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.round((r.float() - 0.5) * 2e6) / 8;
    return makeData({ type: new Float64(), length: n, data: v });
  }
  if (c.type.kind === 'VARCHAR' && c.type.length === 2147483647) {
    const enc = new TextEncoder();
    const words = WORDS.map((w) => enc.encode(w));
    const offsets = new Int32Array(n + 1);
    const parts: Uint8Array[] = [];
    let at = 0;
    for (let i = 0; i < n; i++) {
      const w = words[r.int(0, words.length - 1)]!;
      parts.push(w);
      at += w.length;
      offsets[i + 1] = at;
    }
    const bytes = new Uint8Array(at);
    let p = 0;
    for (const w of parts) {
      bytes.set(w, p);
      p += w.length;
    }
    return makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data: bytes });
  }
  return undefined;
}

/** Generates `spec.rows` rows as batches of `spec.batchRows` (deterministic for a seed). */
export function genBatches(spec: GenSpec): RecordBatch[] {
  const schema = toArrowSchema(spec.columns.map((c) => ({ name: c.name, type: c.type })));
  const r = rng(spec.seed);
  const out: RecordBatch[] = [];
  const per = spec.batchRows ?? spec.rows;
  for (let start = 0; start < spec.rows; start += per) {
    const n = Math.min(per, spec.rows - start);
    const children = spec.columns.map((c) => {
      const fast = fastColumn(c, n, r);
      if (fast) return fast;
      const b = createColumnBuilder(c.type, n);
      const rate = c.type.nullable ? (c.nullRate ?? 0) : 0;
      for (let i = 0; i < n; i++) b.append(r.chance(rate) ? null : randomValue(c.type, r));
      return b.finishData();
    });
    out.push(
      new RecordBatch(
        schema,
        makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }),
      ),
    );
  }
  return out;
}

/** All rows of some batches as plain JSON-comparable values, column by column. */
export function columnValues(batches: readonly RecordBatch[], name: string): unknown[] {
  const out: unknown[] = [];
  for (const b of batches) {
    const v = b.getChild(name);
    if (!v) throw new Error(`no column ${name}`);
    for (let i = 0; i < v.length; i++) out.push(normalize(v.get(i)));
  }
  return out;
}

function normalize(x: unknown): unknown {
  if (x === null || x === undefined) return null;
  if (typeof x === 'bigint') return `${x}n`;
  if (x instanceof Uint8Array) return [...x];
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<unknown>, normalize);
  if (typeof x === 'object' && x !== null && 'toJSON' in x)
    return normalize((x as { toJSON(): unknown }).toJSON());
  if (Array.isArray(x)) return x.map(normalize);
  if (x instanceof Map) return [...x.entries()].map(([k, v]) => [normalize(k), normalize(v)]);
  if (typeof x === 'object')
    return Object.fromEntries(Object.entries(x as object).map(([k, v]) => [k, normalize(v)]));
  return x;
}
