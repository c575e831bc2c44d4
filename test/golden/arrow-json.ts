/**
 * Reading Arrow's integration JSON (the truth of the golden files) and comparing decoded Arrow
 * Data against it: validity, offsets, type ids and every valid value, straight from the buffers;
 * and the JS values `makeGetter` gives against the values the JSON spells out.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type * as arrow from 'apache-arrow';
import { expect } from 'vitest';

export const GOLDEN_DIR = path.resolve(process.cwd(), '../shared/arrow-golden');

export interface JType {
  name: string;
  bitWidth?: number;
  isSigned?: boolean;
  precision?: string | number;
  scale?: number;
  unit?: string;
  byteWidth?: number;
  listSize?: number;
  mode?: string;
  typeIds?: number[];
  timezone?: string;
}
export interface JField {
  name: string;
  type: JType;
  nullable: boolean;
  children: JField[];
  dictionary?: { id: number; indexType: JType; isOrdered: boolean };
  metadata?: { key: string; value: string }[];
}
export interface JColumn {
  name: string;
  count: number;
  VALIDITY?: number[];
  DATA?: unknown[];
  OFFSET?: (number | string)[];
  TYPE_ID?: number[];
  children?: JColumn[];
}
export interface JFile {
  schema: { fields: JField[]; metadata?: { key: string; value: string }[] };
  batches: { count: number; columns: JColumn[] }[];
  dictionaries?: { id: number; data: { count: number; columns: JColumn[] } }[];
}

/** The golden cases: name → paths of the stream and the JSON. Fails loudly if the folder is missing. */
export function goldenCases(): { name: string; stream: string; json: string }[] {
  if (!fs.existsSync(GOLDEN_DIR)) {
    throw new Error(
      `golden files missing: ${GOLDEN_DIR} (expected ../shared/arrow-golden next to the project)`,
    );
  }
  return fs
    .readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.stream'))
    .sort()
    .map((f) => {
      const name = f.replace(/^generated_/, '').replace(/\.stream$/, '');
      return {
        name,
        stream: path.join(GOLDEN_DIR, f),
        json: path.join(GOLDEN_DIR, f.replace(/\.stream$/, '.json.gz')),
      };
    });
}

export function readJson(file: string): JFile {
  return JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')) as JFile;
}

const hex = (b: Uint8Array) =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex').toUpperCase();
const utf8 = new TextDecoder();

function bit(bits: Uint8Array, i: number): boolean {
  return (bits[i >> 3]! & (1 << (i & 7))) !== 0;
}

function isValid(d: arrow.Data, i: number): boolean {
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return true;
  return bit(d.nullBitmap, d.offset + i);
}

function int64(words: Int32Array | Uint32Array, at: number): bigint {
  return BigInt.asIntN(64, (BigInt(words[at + 1]! >>> 0) << 32n) | BigInt(words[at]! >>> 0));
}

function wideInt(words: Uint32Array, at: number, n: number): bigint {
  let v = 0n;
  for (let k = n - 1; k >= 0; k--) v = (v << 32n) | BigInt(words[at + k]!);
  return BigInt.asIntN(32 * n, v);
}

/** Dictionaries of the JSON file by id, and which decoded dictionaries were already checked. */
export interface CheckContext {
  readonly dictionaries: Map<number, JColumn>;
  readonly checked: Set<arrow.Vector>;
  /** Arrow JS renames a Map's children (entries / key / value): skip name checks under a Map. */
  readonly inMap?: boolean;
}

export function dictionaryMap(file: JFile): Map<number, JColumn> {
  return new Map((file.dictionaries ?? []).map((d) => [d.id, d.data.columns[0]!]));
}

/** Compares field name, nullability and metadata with the JSON schema field. */
export function checkField(f: arrow.Field, jf: JField, inMap = false): void {
  if (!inMap) expect(f.name, 'field name').toBe(jf.name);
  expect(f.nullable, `nullable of '${jf.name}'`).toBe(jf.nullable);
  const meta = new Map((jf.metadata ?? []).map((m) => [m.key, m.value]));
  if (meta.size > 0) expect(new Map(f.metadata)).toEqual(meta);
  const type = f.type as arrow.DataType;
  const children: arrow.Field[] =
    (type.typeId === -1 ? (type as arrow.Dictionary).dictionary.children : type.children) ?? [];
  expect(children.length, `children of '${jf.name}'`).toBe(jf.children.length);
  children.forEach((c, i) => {
    checkField(c, jf.children[i]!, inMap || jf.type.name === 'map');
  });
}

/** Compares one decoded column with its JSON, buffer by buffer. */
export function checkData(d: arrow.Data, jf: JField, jc: JColumn, ctx: CheckContext, where: string): void {
  const at = `${where}.${jc.name}`;
  expect(d.length, `${at}: row count`).toBe(jc.count);
  const n = jc.count;
  if (jf.type.name === 'null') {
    expect(d.nullCount, `${at}: null count`).toBe(n);
    return;
  }
  if (jc.VALIDITY) {
    const got = Array.from({ length: n }, (_, i) => (isValid(d, i) ? 1 : 0));
    expect(got, `${at}: validity`).toEqual(jc.VALIDITY);
    expect(d.nullCount, `${at}: null count`).toBe(jc.VALIDITY.filter((v) => v === 0).length);
  }
  const valid = (i: number) => (jc.VALIDITY ? jc.VALIDITY[i] === 1 : true);
  if (jf.dictionary) {
    const idx = d.values as ArrayLike<number | bigint>;
    for (let i = 0; i < n; i++) if (valid(i)) expect(Number(idx[i]), `${at}[${i}] index`).toBe(jc.DATA![i]);
    const dict = d.dictionary!;
    if (!ctx.checked.has(dict)) {
      ctx.checked.add(dict);
      expect(dict.data.length, `${at}: dictionary chunks`).toBe(1);
      const jd = ctx.dictionaries.get(jf.dictionary.id);
      expect(jd, `${at}: dictionary ${jf.dictionary.id} in JSON`).toBeDefined();
      checkData(dict.data[0]!, { ...jf, dictionary: undefined }, jd!, ctx, `${at}<dict>`);
    }
    return;
  }
  const t = jf.type;
  const data = jc.DATA ?? [];
  const each = (f: (i: number) => void) => {
    for (let i = 0; i < n; i++) if (valid(i)) f(i);
  };
  switch (t.name) {
    case 'int': {
      const v = d.values as ArrayLike<number | bigint>;
      if (t.bitWidth === 64) each((i) => expect(String(v[i]), `${at}[${i}]`).toBe(data[i]));
      else each((i) => expect(v[i], `${at}[${i}]`).toBe(data[i]));
      return;
    }
    case 'floatingpoint': {
      const v = d.values as Float32Array | Float64Array;
      const single = t.precision === 'SINGLE';
      each((i) => expect(v[i], `${at}[${i}]`).toBe(single ? Math.fround(data[i] as number) : data[i]));
      return;
    }
    case 'bool': {
      const v = d.values as Uint8Array;
      each((i) => expect(bit(v, d.offset + i), `${at}[${i}]`).toBe(data[i]));
      return;
    }
    case 'utf8':
    case 'binary':
    case 'largeutf8':
    case 'largebinary': {
      const o = d.valueOffsets as ArrayLike<number | bigint>;
      const v = d.values as Uint8Array;
      const jo = jc.OFFSET!.map(Number);
      for (let i = 0; i < n; i++) {
        expect(Number(o[i + 1]) - Number(o[i]), `${at}[${i}] length`).toBe(jo[i + 1]! - jo[i]!);
      }
      const text = t.name.endsWith('utf8');
      each((i) => {
        const b = v.subarray(Number(o[i]), Number(o[i + 1]));
        expect(text ? utf8.decode(b) : hex(b), `${at}[${i}]`).toBe(data[i]);
      });
      return;
    }
    case 'fixedsizebinary': {
      const w = t.byteWidth!;
      const v = d.values as Uint8Array;
      each((i) => expect(hex(v.subarray(i * w, i * w + w)), `${at}[${i}]`).toBe(data[i]));
      return;
    }
    case 'decimal': {
      const words = (t.bitWidth ?? 128) / 32;
      const v = d.values as Uint32Array;
      each((i) => expect(String(wideInt(v, i * words, words)), `${at}[${i}]`).toBe(data[i]));
      return;
    }
    case 'date':
    case 'time':
    case 'timestamp':
    case 'duration': {
      const v = d.values as ArrayLike<number | bigint>;
      const wide = v instanceof BigInt64Array;
      each((i) => expect(wide ? String(v[i]) : v[i], `${at}[${i}]`).toBe(data[i]));
      return;
    }
    case 'interval': {
      const v = d.values as Int32Array;
      if (t.unit === 'YEAR_MONTH') each((i) => expect(v[i], `${at}[${i}]`).toBe(data[i]));
      else if (t.unit === 'DAY_TIME') {
        each((i) => expect({ days: v[2 * i], milliseconds: v[2 * i + 1] }, `${at}[${i}]`).toEqual(data[i]));
      } else {
        each((i) =>
          expect(
            { months: v[4 * i], days: v[4 * i + 1], nanoseconds: Number(int64(v, 4 * i + 2)) },
            `${at}[${i}]`,
          ).toEqual(data[i]),
        );
      }
      return;
    }
    case 'list':
    case 'largelist':
    case 'map': {
      const o = d.valueOffsets as ArrayLike<number | bigint>;
      const jo = jc.OFFSET!.map(Number);
      const rebase = Number(o[0]) - jo[0]!;
      for (let i = 0; i <= n; i++) expect(Number(o[i]) - rebase, `${at} offset ${i}`).toBe(jo[i]);
      const child =
        rebase === 0 ? d.children[0]! : d.children[0]!.slice(rebase, d.children[0]!.length - rebase);
      checkData(child, jf.children[0]!, jc.children![0]!, { ...ctx, inMap: t.name === 'map' }, at);
      return;
    }
    case 'fixedsizelist':
    case 'struct':
      jf.children.forEach((cf, k) => {
        checkData(d.children[k]!, cf, jc.children![k]!, ctx, at);
      });
      return;
    case 'union': {
      const ids = d.typeIds as Int8Array;
      expect(Array.from(ids.subarray(0, n)), `${at}: type ids`).toEqual(jc.TYPE_ID);
      if (t.mode === 'DENSE') {
        expect(Array.from((d.valueOffsets as Int32Array).subarray(0, n)), `${at}: offsets`).toEqual(
          jc.OFFSET,
        );
      }
      jf.children.forEach((cf, k) => {
        checkData(d.children[k]!, cf, jc.children![k]!, ctx, at);
      });
      return;
    }
    default:
      throw new Error(`${at}: no comparison for JSON type ${t.name}`);
  }
}

/**
 * The JS value (contracts.md) of row i of a JSON column whose field has a DataType: what
 * `makeGetter` must return. Timestamps come back as ms numbers; see {@link sameJsValue}.
 */
export function jsonValue(jf: JField, jc: JColumn, i: number): unknown {
  if (jc.VALIDITY && jc.VALIDITY[i] === 0) return null;
  const t = jf.type;
  const v = jc.DATA?.[i];
  switch (t.name) {
    case 'null':
      return null;
    case 'int':
      return t.bitWidth === 64 ? BigInt(v as string) : v;
    case 'floatingpoint':
      return t.precision === 'SINGLE' ? Math.fround(v as number) : v;
    case 'bool':
    case 'utf8':
      return v;
    case 'binary':
    case 'fixedsizebinary':
      return new Uint8Array(Buffer.from(v as string, 'hex'));
    case 'decimal': {
      const u = BigInt(v as string);
      const s = t.scale ?? 0;
      const digits = (u < 0n ? -u : u).toString().padStart(s + 1, '0');
      const body =
        s === 0 ? digits : `${digits.slice(0, digits.length - s)}.${digits.slice(digits.length - s)}`;
      return u < 0n ? `-${body}` : body;
    }
    case 'date':
      return v;
    case 'time':
    case 'timestamp': {
      const x = BigInt(v as string | number);
      const per = { SECOND: 0.001, MILLISECOND: 1, MICROSECOND: 1000, NANOSECOND: 1e6 }[t.unit as 'SECOND'];
      if (per < 1) return Number(x) * 1000;
      const p = BigInt(per);
      let q = x / p;
      let r = x % p;
      if (r < 0n) {
        q -= 1n;
        r += p;
      }
      return Number(q) + Number(r) / per;
    }
    case 'list': {
      const o = jc.OFFSET!.map(Number);
      return Array.from({ length: o[i + 1]! - o[i]! }, (_, k) =>
        jsonValue(jf.children[0]!, jc.children![0]!, o[i]! + k),
      );
    }
    case 'map': {
      const o = jc.OFFSET!.map(Number);
      const entries = jc.children![0]!;
      const [kf, vf] = jf.children[0]!.children as [JField, JField];
      const m = new Map<unknown, unknown>();
      for (let k = o[i]!; k < o[i + 1]!; k++) {
        m.set(jsonValue(kf, entries.children![0]!, k), jsonValue(vf, entries.children![1]!, k));
      }
      return m;
    }
    case 'struct': {
      const out: Record<string, unknown> = {};
      jf.children.forEach((cf, k) => {
        out[cf.name] = jsonValue(cf, jc.children![k]!, i);
      });
      return out;
    }
    default:
      throw new Error(`no JS value for JSON type ${t.name}`);
  }
}

/** Equality of JS values, with timestamps compared to the precision a double holds. */
export function sameJsValue(got: unknown, want: unknown, where: string): void {
  if (typeof want === 'number' && typeof got === 'number' && !Number.isInteger(want)) {
    expect(Math.abs(got - want), where).toBeLessThanOrEqual(Math.abs(want) * 4e-16 + 1e-9);
    return;
  }
  expect(got, where).toEqual(want);
}
