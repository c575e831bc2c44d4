/**
 * fast-check arbitraries for Arrow columns of the kinds the grouping and gather kernels handle,
 * built in varied physical layouts (one chunk, several chunks, sliced with a non-zero offset), so
 * that kernels are exercised on what IPC decoding and slicing really produce.
 */
import * as arrow from 'apache-arrow';
import fc from 'fast-check';

export interface ColumnCase {
  kind: string;
  type: arrow.DataType;
  /** JS values as handed to apache-arrow's builders (null = null). */
  values: unknown[];
}

/** Value pools that make duplicates likely, including the float and UTF-8 corner cases. */
const STRINGS = [
  '',
  'a',
  'b',
  'ab',
  'é',
  'e\u0301',
  '日本',
  '日本語',
  '🙂',
  'a longer string of 33 bytes.....',
  'A',
  'ü'.repeat(40), // 80 bytes: past take's four-bytes-at-a-time copy
];
const FLOATS = [
  0,
  -0,
  1.5,
  -1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e-310,
  2 ** 60,
];

const nullable = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 5, arbitrary: a }, fc.constant(null));

const col = (kind: string, type: arrow.DataType, value: fc.Arbitrary<unknown>, maxLength = 60) =>
  fc.array(nullable(value), { maxLength }).map((values): ColumnCase => ({ kind, type, values }));

const utf8 = fc.oneof(fc.constantFrom(...STRINGS), fc.string({ unit: 'grapheme', maxLength: 6 }));

export const columnCase: fc.Arbitrary<ColumnCase> = fc.oneof(
  col('int8', new arrow.Int8(), fc.integer({ min: -128, max: 127 })),
  col('uint16', new arrow.Uint16(), fc.constantFrom(0, 1, 65535, 300)),
  col('int16', new arrow.Int16(), fc.integer({ min: -4, max: 4 })),
  col('int32', new arrow.Int32(), fc.integer({ min: -3, max: 3 })),
  col('int32-wide', new arrow.Int32(), fc.integer()),
  col(
    'int64',
    new arrow.Int64(),
    fc.constantFrom(0n, 1n, -1n, 2n ** 40n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 32n),
  ),
  col('float64', new arrow.Float64(), fc.constantFrom(...FLOATS)),
  col('float32', new arrow.Float32(), fc.constantFrom(...FLOATS.map(Math.fround))),
  col('bool', new arrow.Bool(), fc.boolean()),
  col('utf8', new arrow.Utf8(), utf8),
  col(
    'binary',
    new arrow.Binary(),
    fc.constantFrom(...STRINGS).map((s) => new TextEncoder().encode(s)),
  ),
  col(
    'date',
    new arrow.DateDay(),
    fc.constantFrom(0, 1, 19000).map((d) => new Date(d * 86400000)),
  ),
  col('timestamp', new arrow.TimestampMillisecond(), fc.constantFrom(0, 1, -5, 1_700_000_000_000)),
  col('dict-utf8', new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), fc.constantFrom(...STRINGS)),
  col(
    'list-int32',
    new arrow.List(new arrow.Field('item', new arrow.Int32(), true)),
    fc.array(nullable(fc.integer({ min: 0, max: 2 })), { maxLength: 2 }),
    30,
  ),
  col(
    'struct',
    new arrow.Struct([
      new arrow.Field('a', new arrow.Int32(), true),
      new arrow.Field('b', new arrow.Utf8(), true),
    ]),
    fc.record({ a: nullable(fc.integer({ min: 0, max: 2 })), b: nullable(fc.constantFrom('x', 'y', 'é')) }),
    30,
  ),
);

/** How to lay a column out: cut points between chunks, and whether to slice a padded vector. */
export interface Layout {
  cuts: number[];
  slicePad: number;
}

export const layout = (length: number): fc.Arbitrary<Layout> =>
  fc.record({
    cuts: fc
      .uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: 3 })
      .map((c) => c.sort((a, b) => a - b)),
    slicePad: fc.integer({ min: 0, max: 3 }),
  });

/**
 * The column as an Arrow vector in the given layout: each chunk is built with `slicePad` extra
 * leading and trailing rows and then sliced, so its buffers start at a non-zero offset.
 */
export function toVector(c: ColumnCase, lay: Layout = { cuts: [], slicePad: 0 }): arrow.Vector {
  const bounds = [0, ...lay.cuts.filter((x) => x > 0 && x < c.values.length), c.values.length];
  const chunks: arrow.Data[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const part = c.values.slice(bounds[k], bounds[k + 1]);
    const pad = Array.from({ length: lay.slicePad }, () => part[0] ?? null);
    const v = arrow.vectorFromArray([...pad, ...part, ...pad], c.type);
    chunks.push(...v.slice(lay.slicePad, lay.slicePad + part.length).data);
  }
  if (chunks.length === 0) chunks.push(...arrow.vectorFromArray([], c.type).data);
  return new arrow.Vector(chunks);
}

/** A comparable JS form of a value read back through apache-arrow's own getters. */
export function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Object.is(v, -0) ? 0 : Number.isFinite(v) ? v : String(v); // JSON-safe
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `bytes:${Array.from(v).join(',')}`;
  if (v instanceof Date) return v.getTime();
  if (v instanceof arrow.Vector) return [...v].map(plain);
  if (typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return Object.fromEntries(
      Object.entries((v as { toJSON(): object }).toJSON()).map(([k, x]) => [k, plain(x)]),
    );
  }
  return v;
}
