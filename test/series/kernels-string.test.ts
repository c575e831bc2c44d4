import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simdScanner } from '../../src/series/kernels/simd-scan.js';
import { Series } from '../../src/series/series.js';
import { DataTypes as T, typeToString } from '../../src/types/data-types.js';
import { FLAT, type Layout, layoutOf, pairOf, seriesOf, text, withNulls } from './series-fixtures.js';

const column = withNulls(text, 60).chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length)));
const str = (xs: (string | null)[], lay: Layout = FLAT) => seriesOf(T.STRING(), xs, lay);
const lift =
  <R>(f: (s: string) => R) =>
  (x: string | null): R | null =>
    x === null ? null : f(x);

describe('string kernels against JS string references', () => {
  it('len counts code points', () => {
    fc.assert(
      fc.property(column, ([xs, lay]) => {
        const r = str(xs, lay).str.len();
        expect(typeToString(r.type)).toBe('INT');
        expect(r.toArray()).toEqual(xs.map(lift((s) => [...s].length)));
      }),
      { numRuns: 200 },
    );
  });

  it('lower / upper: ASCII fast path and Unicode case mapping', () => {
    fc.assert(
      fc.property(column, ([xs, lay]) => {
        const s = str(xs, lay);
        expect(s.str.lower().toArray()).toEqual(xs.map(lift((x) => x.toLowerCase())));
        expect(s.str.upper().toArray()).toEqual(xs.map(lift((x) => x.toUpperCase())));
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(withNulls(fc.string({ unit: 'binary-ascii', maxLength: 10 })), (xs) => {
        expect(str(xs).str.upper().toArray()).toEqual(xs.map(lift((x) => x.toUpperCase())));
      }),
    );
    expect(Series.from(['İ', 'ß', 'ΣΑ']).str.lower().toArray()).toEqual(['i̇', 'ß', 'σα']);
    expect(Series.from(['ß']).str.upper().toArray()).toEqual(['SS']);
  });

  it('trim strips what JS trim strips', () => {
    const ws = fc.constantFrom(
      ' ',
      '\t',
      '\n',
      '\r',
      '\v',
      '\f',
      '\u00a0',
      '\u1680',
      '\u2000',
      '\u200a',
      '\u2028',
      '\u2029',
      '\u202f',
      '\u205f',
      '\u3000',
      '\ufeff',
      '\u0085',
      '\u200b',
    );
    const padded = fc
      .tuple(fc.array(ws, { maxLength: 3 }), text, fc.array(ws, { maxLength: 3 }))
      .map(([a, b, c]) => a.join('') + b + c.join(''));
    fc.assert(
      fc.property(
        withNulls(padded).chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length))),
        ([xs, lay]) => {
          expect(str(xs, lay).str.trim().toArray()).toEqual(xs.map(lift((x) => x.trim())));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('startsWith / endsWith / contains compare bytes', () => {
    const pattern = fc.oneof(text, fc.constantFrom('', 'a', 'video', '🙂', 'é', 'ab'));
    fc.assert(
      fc.property(column, pattern, ([xs, lay], p) => {
        const s = str(xs, lay);
        expect(s.str.startsWith(p).toArray()).toEqual(xs.map(lift((x) => x.startsWith(p))));
        expect(s.str.endsWith(p).toArray()).toEqual(xs.map(lift((x) => x.endsWith(p))));
        expect(s.str.contains(p).toArray()).toEqual(xs.map(lift((x) => x.includes(p))));
      }),
      { numRuns: 300 },
    );
  });

  it('lower / upper then search: case-folded on ASCII columns, exact otherwise', () => {
    const ascii = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 12 }),
      fc.constantFrom('Video', 'VIDEO/x', 'vid', 'https://cdn/VIDEO/hd?v=1', '_@[`{', ''),
    );
    const pattern = fc.oneof(
      ascii,
      text,
      fc.constantFrom('video', 'VIDEO', 'ViD', '_', '@', '`', '{', 'k', 'i'),
    );
    fc.assert(
      fc.property(
        fc
          .oneof(withNulls(ascii), withNulls(text), fc.constant<(string | null)[]>(['İx', 'K', 'ı', null]))
          .chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length))),
        pattern,
        ([xs, lay], p) => {
          const s = str(xs, lay);
          for (const [kase, f] of [
            ['lower', (x: string) => x.toLowerCase()],
            ['upper', (x: string) => x.toUpperCase()],
          ] as const) {
            const mapped = s.str[kase]();
            expect(mapped.str.contains(p).toArray()).toEqual(xs.map(lift((x) => f(x).includes(p))));
            expect(mapped.str.startsWith(p).toArray()).toEqual(xs.map(lift((x) => f(x).startsWith(p))));
            expect(mapped.str.endsWith(p).toArray()).toEqual(xs.map(lift((x) => f(x).endsWith(p))));
            expect(mapped.toArray()).toEqual(xs.map(lift(f)));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('contains on long rows over a small alphabet (many near misses for the word filter)', () => {
    const small = fc.string({ unit: fc.constantFrom('a', 'b', 'v', 'V', 'i', 'I'), maxLength: 40 });
    const pat = fc.string({
      unit: fc.constantFrom('a', 'b', 'v', 'V', 'i', 'I'),
      minLength: 1,
      maxLength: 3,
    });
    fc.assert(
      fc.property(
        withNulls(small, 120).chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length))),
        pat,
        ([xs, lay], p) => {
          const s = str(xs, lay);
          expect(s.str.contains(p).toArray()).toEqual(xs.map(lift((x) => x.includes(p))));
          expect(s.str.lower().str.contains(p).toArray()).toEqual(
            xs.map(lift((x) => x.toLowerCase().includes(p))),
          );
          expect(s.str.upper().str.contains(p).toArray()).toEqual(
            xs.map(lift((x) => x.toUpperCase().includes(p))),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('contains on columns of a few KiB (the WebAssembly SIMD candidate scan), with nulls, slices and non-ASCII', () => {
    expect(simdScanner()).not.toBeNull(); // Node 20 has WebAssembly SIMD: the scan below is exercised
    const unit = fc.constantFrom('v', 'V', 'i', 'd', 'D', 'e', 'o', 'O', 'x', '/', 'é', 'İ', 'K', '🙂');
    const row = fc.string({ unit, minLength: 10, maxLength: 60 });
    const pat = fc.oneof(
      fc.string({ unit, minLength: 1, maxLength: 6 }),
      fc.constantFrom('video', 'VIDEO', 'vo', 'v', 'o', 'é', 'xx/'),
    );
    fc.assert(
      fc.property(
        fc
          .array(fc.option(row, { freq: 8 }), { minLength: 40, maxLength: 120 })
          .chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length))),
        pat,
        ([xs, lay], p) => {
          const s = str(xs, lay);
          expect(s.str.contains(p).toArray()).toEqual(xs.map(lift((x) => x.includes(p))));
          expect(s.str.lower().str.contains(p).toArray()).toEqual(
            xs.map(lift((x) => x.toLowerCase().includes(p))),
          );
          // an all-ASCII column takes the case-folded byte search
          const ascii = xs.map((x) => (x === null ? null : x.replace(/[^\x00-\x7f]/g, 'Vo')));
          const a = str(ascii, lay);
          expect(a.str.lower().str.contains(p).toArray()).toEqual(
            ascii.map(lift((x) => x.toLowerCase().includes(p))),
          );
          expect(a.str.upper().str.contains(p).toArray()).toEqual(
            ascii.map(lift((x) => x.toUpperCase().includes(p))),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the SIMD scan checks the bytes between the first and the last', () => {
    const rows = Array.from(
      { length: 200 },
      (_, i) => ['xx vxxxo', 'a VIDEO b', 'vidxo', null, 'video!'][i % 5]!,
    );
    const s = Series.from(rows, { type: T.STRING() });
    const want = rows.map((x) => (x === null ? null : x.toLowerCase().includes('video')));
    expect(s.str.lower().str.contains('video').toArray()).toEqual(want);
    expect(s.str.contains('video').toArray()).toEqual(
      rows.map((x) => (x === null ? null : x.includes('video'))),
    );
  });

  it('searches byte buffers that do not start on a 4-byte boundary', () => {
    const text = 'xxvideo|VIDEO|vid|eo video';
    const raw = new TextEncoder().encode(`@${text}`);
    const bytes = raw.subarray(1); // byteOffset 1
    const rows = text.split('|');
    const offsets = new Int32Array(rows.length + 1);
    rows.forEach((r, i) => {
      offsets[i + 1] = offsets[i]! + r.length + (i < rows.length - 1 ? 1 : 0);
    });
    const v = arrow.makeVector(
      arrow.makeData({ type: new arrow.Utf8(), length: rows.length, valueOffsets: offsets, data: bytes }),
    );
    const s = new Series(v);
    const want = s.toArray().map((x) => (x as string).includes('video'));
    expect(s.str.contains('video').toArray()).toEqual(want);
    expect(s.str.lower().str.contains('video').toArray()).toEqual(
      s.toArray().map((x) => (x as string).toLowerCase().includes('video')),
    );
  });

  it('contains does not count a match that runs across a row boundary', () => {
    const s = Series.from(['xvid', 'eo', 'video', '', 'vi', 'deo-video', null, 'vvideo']);
    expect(s.str.contains('video').toArray()).toEqual([false, false, true, false, false, true, null, true]);
    expect(Series.from(['aa', 'a']).str.contains('aaa').toArray()).toEqual([false, false]);
  });

  it('substring takes code point positions, negatives from the end', () => {
    const pos = fc.integer({ min: -6, max: 8 });
    fc.assert(
      fc.property(column, pos, fc.option(pos, { nil: undefined }), ([xs, lay], a, b) => {
        const got = str(xs, lay).str.substring(a, b).toArray();
        expect(got).toEqual(xs.map(lift((x) => [...x].slice(a, b).join(''))));
      }),
      { numRuns: 300 },
    );
    expect(() => Series.from(['a']).str.substring(0.5)).toThrow(/integers/);
  });

  it('concat joins columns and fixed strings, null when any column part is null', () => {
    fc.assert(
      fc.property(
        pairOf(text, text).chain(([xs, ys]) =>
          fc.tuple(fc.constant(xs), fc.constant(ys), layoutOf(xs.length)),
        ),
        text,
        ([xs, ys, lay], sep) => {
          const got = str(xs, lay).str.concat(sep, str(ys), '!').toArray();
          expect(got).toEqual(
            xs.map((x, i) => (x === null || ys[i] === null ? null : `${x}${sep}${ys[i]}!`)),
          );
        },
      ),
      { numRuns: 200 },
    );
    expect(() => Series.from(['a']).str.concat(Series.from(['a', 'b']))).toThrow(/rows/);
  });

  it('split gives ARRAY<STRING> as JS split does', () => {
    const sep = fc.constantFrom(',', ', ', 'é', '🙂', 'aa');
    const joined = fc.array(fc.oneof(text, fc.constantFrom('', 'a', ',')), { maxLength: 4 });
    fc.assert(
      fc.property(
        withNulls(fc.tuple(joined, sep).map(([parts, s]) => parts.join(s))).chain((xs) =>
          fc.tuple(fc.constant(xs), layoutOf(xs.length)),
        ),
        sep,
        ([xs, lay], s) => {
          const r = str(xs, lay).str.split(s);
          expect(typeToString(r.type)).toBe('ARRAY<STRING>');
          expect(r.toArray()).toEqual(xs.map(lift((x) => x.split(s))));
        },
      ),
      { numRuns: 200 },
    );
    expect(() => Series.from(['a']).str.split('')).toThrow(/non-empty/);
  });

  it('chains on empty columns and refuses non-string columns', () => {
    const e = Series.from([], { type: T.STRING() });
    expect(e.str.lower().str.contains('x').toArray()).toEqual([]);
    expect(e.str.split(',').toArray()).toEqual([]);
    expect(() => Series.from([1]).str).toThrow(/string Series/);
  });
});
