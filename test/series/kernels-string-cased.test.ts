/**
 * `lower(s)` / `upper(s)` then contains / startsWith / endsWith, searched on the original bytes
 * (kernels/string-cased.ts, the WebAssembly scan of simd-scan.ts and the Horspool path of
 * string-search.ts), against naive references: JS case mapping and search on decoded strings, and
 * the column's own materialized case mapping (strCase) searched byte for byte.
 */
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newBitmap } from '../../src/series/bitmap.js';
import { type ScanKernel, simdScanner } from '../../src/series/kernels/simd-scan.js';
import { strCase, strSearch } from '../../src/series/kernels/string.js';
import { strSearchCased } from '../../src/series/kernels/string-cased.js';
import { Series } from '../../src/series/series.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { layoutOf, seriesOf } from './series-fixtures.js';

type Where = 'contains' | 'start' | 'end';
const WHERE: readonly Where[] = ['contains', 'start', 'end'];
const enc = new TextEncoder();

/** JS reference of a search on a case-mapped string. */
function reference(x: string | null, p: string, where: Where, upper: boolean): boolean | null {
  if (x === null) return null;
  const y = upper ? x.toUpperCase() : x.toLowerCase();
  return where === 'contains' ? y.includes(p) : where === 'start' ? y.startsWith(p) : y.endsWith(p);
}

function search(s: Series, p: string, where: Where, upper: boolean): Series {
  const mapped = upper ? s.str.upper() : s.str.lower();
  return where === 'contains'
    ? mapped.str.contains(p)
    : where === 'start'
      ? mapped.str.startsWith(p)
      : mapped.str.endsWith(p);
}

// Characters whose case mapping is unusual: lower('İ') = 'i̇', lower(Kelvin sign) = 'k',
// upper('ß') = 'SS', upper('ı') = 'I', upper('ſ') = 'S', upper('ﬁ') = 'FI', Σ's final form.
const SPECIAL = ['İ', '\u212a', 'ß', 'ı', 'ſ', 'ﬁ', 'Σ', 'σ', 'é', 'É', '🙂', '\u0307', '日'];
const unit = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom('v', 'V', 'i', 'I', 'd', 'D', 'e', 'o', 'O', 'k', 'K', 's', 'S', '/', '.'),
  },
  { weight: 2, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const row = (maxLength: number) => fc.string({ unit, maxLength });
const needle = fc.oneof(
  fc.constantFrom(
    'video',
    'VIDEO',
    'Video',
    'vid',
    'k',
    'i',
    'I',
    'ss',
    'SS',
    'fi',
    'FI',
    'i\u0307',
    'İ',
    'σ',
    'ς',
  ),
  fc.string({ unit, minLength: 1, maxLength: 6 }),
  fc.string({ unit, minLength: 17, maxLength: 40 }), // more than one 16-byte chunk
  fc.constant(''),
);
const nullable = <V>(a: fc.Arbitrary<V>) => fc.option(a, { freq: 7 });

/** Rows (some null) in a layout: few short ones (Horspool path) or enough for the SIMD scan. */
const column = fc
  .oneof(
    fc.array(nullable(row(12)), { maxLength: 30 }),
    fc.array(nullable(row(70)), { minLength: 40, maxLength: 160 }),
  )
  .chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length)));

describe('lower / upper then search, without building the mapped column', () => {
  it('matches JS case mapping and search on random text (nulls, empty rows, special letters)', () => {
    fc.assert(
      fc.property(column, needle, fc.boolean(), ([xs, lay], p, upper) => {
        const s = seriesOf(T.STRING(), xs, lay);
        for (const where of WHERE) {
          expect(search(s, p, where, upper).toArray()).toEqual(xs.map((x) => reference(x, p, where, upper)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('does not count a match running across rows, in long columns of near misses', () => {
    // Rows are pieces of 'video' in mixed case: the bytes of the whole column hold the needle
    // across many row boundaries.
    const piece = fc.constantFrom(
      'v',
      'Vi',
      'vid',
      'ViDe',
      'deo',
      'eo',
      'o',
      'VIDEO',
      'xvideox',
      '',
      'İdeo',
      'v\u212a',
    );
    fc.assert(
      fc.property(
        fc
          .array(nullable(piece), { minLength: 200, maxLength: 600 })
          .chain((xs) => fc.tuple(fc.constant(xs), layoutOf(xs.length))),
        fc.constantFrom('video', 'vi', 'eo', 'deov', 'ovi', 'ideo', 'k'),
        ([xs, lay], p) => {
          const s = seriesOf(T.STRING(), xs, lay);
          expect(search(s, p, 'contains', false).toArray()).toEqual(
            xs.map((x) => reference(x, p, 'contains', false)),
          );
          expect(search(s, p.toUpperCase(), 'contains', true).toArray()).toEqual(
            xs.map((x) => reference(x, p.toUpperCase(), 'contains', true)),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('equals the materialized case mapping searched byte for byte, on invalid UTF-8 too', () => {
    // Raw bytes, not strings: invalid sequences decode to U+FFFD when the column is case-mapped.
    const bytesRow = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ unit, maxLength: 30 }).map((x) => enc.encode(x)),
      fc
        .tuple(
          fc.uint8Array({ maxLength: 6 }),
          fc.constantFrom('video', 'VIDEO', 'Vid'),
          fc.uint8Array({ maxLength: 6 }),
        )
        .map(([a, b, c]) => new Uint8Array([...a, ...enc.encode(b), ...c])),
    );
    fc.assert(
      fc.property(
        fc.array(fc.option(bytesRow, { freq: 6 }), { maxLength: 120 }),
        fc.oneof(needle, fc.constantFrom('\ufffd', 'eo\ufffd')),
        fc.boolean(),
        (rows, p, upper) => {
          const v = rawUtf8(rows);
          const materialized = strCase(v, upper);
          for (const where of WHERE) {
            const want = new Series(strSearch(materialized, p, where)).toArray();
            expect(new Series(strSearchCased(v, p, where, upper)).toArray()).toEqual(want);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('takes the exact path only for rows that need it, and still agrees on big columns', () => {
    // ~1.5 MB: the SIMD scan copies it in more than one chunk.
    const n = 30_000;
    const xs: (string | null)[] = [];
    for (let i = 0; i < n; i++) {
      const k = (i * 2654435761) >>> 0;
      xs.push(
        k % 11 === 0
          ? null
          : `https://cdn${k % 7}.example.com/${['Video', 'img', 'VIDEO', 'vİdeo', 'vid\u212ao', 'x'][k % 6]}/${'a'.repeat(k % 23)}`,
      );
    }
    const s = Series.from(xs, { type: T.STRING() });
    for (const p of ['video', 'vi', 'vik', 'e.com/v', 'https://cdn3.example.com/video/aaaaaaaaaaaaa']) {
      expect(s.str.lower().str.contains(p).toArray()).toEqual(
        xs.map((x) => reference(x, p, 'contains', false)),
      );
    }
    expect(s.str.upper().str.contains('VIDEO').toArray()).toEqual(
      xs.map((x) => reference(x, 'VIDEO', 'contains', true)),
    );
  });
});

/** A Utf8 vector over the given raw rows (null: a null row), bytes as they are. */
function rawUtf8(rows: readonly (Uint8Array | null)[]): arrow.Vector {
  const n = rows.length;
  const offsets = new Int32Array(n + 1);
  const valid = newBitmap(n);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (r === null || r === undefined) nulls++;
    else valid[i >>> 3]! |= 1 << (i & 7);
    offsets[i + 1] = offsets[i]! + (r?.length ?? 0);
  }
  const data = new Uint8Array(offsets[n]!);
  rows.forEach((r, i) => {
    if (r) data.set(r, offsets[i]!);
  });
  return arrow.makeVector(
    arrow.makeData({
      type: new arrow.Utf8(),
      length: n,
      valueOffsets: offsets,
      data,
      nullBitmap: valid,
      nullCount: nulls,
    }),
  );
}

describe('what the search on the original bytes relies on', () => {
  it('case mapping gives no character more ASCII characters than it has UTF-8 bytes', () => {
    // So a row shorter than an ASCII pattern cannot contain it once lower- or upper-cased, and the
    // scan decides such rows without the exact path. Every code point, with JS's own mapping.
    const asciiCount = (x: string) => {
      let c = 0;
      for (let k = 0; k < x.length; k++) if (x.charCodeAt(k) < 0x80) c++;
      return c;
    };
    const offenders: string[] = [];
    for (let cp = 0x80; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      const bytes = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      for (const mapped of [ch.toLowerCase(), ch.toUpperCase()]) {
        if (asciiCount(mapped) > bytes) offenders.push(cp.toString(16));
      }
    }
    expect(offenders).toEqual([]);
    // lone surrogates and invalid bytes decode to U+FFFD, whose mappings are itself
    expect('\ufffd'.toLowerCase() + '\ufffd'.toUpperCase()).toBe('\ufffd\ufffd');
  });
});

describe('the WebAssembly SIMD scan against a naive scan of the same bytes', () => {
  const scanner = simdScanner();
  const KERNELS: readonly ScanKernel[] = ['rows', 'wide', 'stream', 'auto'];

  /** Rows of random bytes (biased towards the pattern's bytes), their offsets starting anywhere. */
  const rowsAndPattern = fc
    .record({
      alphabet: fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 5 }),
      lengths: fc.array(fc.oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 60, max: 140 })), {
        maxLength: 200,
      }),
      lead: fc.integer({ min: 0, max: 40 }),
      m: fc.integer({ min: 1, max: 40 }),
      seed: fc.integer(),
      fold: fc.boolean(),
    })
    .map(({ alphabet, lengths, lead, m, seed, fold }) => {
      let x = seed | 1;
      const next = () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x >>> 0;
      };
      const pick = () => {
        const b = alphabet[next() % alphabet.length]!;
        return next() % 4 === 0 && b >= 0x61 && b <= 0x7a ? b - 32 : b; // some upper case
      };
      const n = lengths.length;
      const offsets = new Int32Array(n + 1);
      offsets[0] = lead;
      for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + lengths[i]!;
      const bytes = new Uint8Array(offsets[n]! + 3);
      for (let k = 0; k < bytes.length; k++) bytes[k] = pick();
      const value = Uint8Array.from({ length: m }, () => alphabet[next() % alphabet.length]!);
      const or = Uint8Array.from(value, (v) => (fold && v >= 0x61 && v <= 0x7a ? 0x20 : 0));
      return { offsets, bytes, n, value, or };
    });

  it('contains: rows holding the pattern (through the OR masks), and the unmatched rows (not shorter than it) with bytes ≥ 0x80', () => {
    expect(scanner).not.toBeNull(); // Node 20 has WebAssembly SIMD
    fc.assert(
      fc.property(rowsAndPattern, fc.constantFrom(...KERNELS), ({ offsets, bytes, n, value, or }, kernel) => {
        const bits = newBitmap(n);
        const exact = scanner!.contains(offsets, bytes, n, or, value, bits, null, kernel);
        let want = 0;
        for (let i = 0; i < n; i++) {
          const s = offsets[i]!;
          const e = offsets[i + 1]!;
          let hit = false;
          for (let p = s; p + value.length <= e && !hit; p++) {
            let q = 0;
            while (q < value.length && (bytes[p + q]! | or[q]!) === value[q]) q++;
            hit = q === value.length;
          }
          let high = false;
          for (let p = s; p < e; p++) high ||= bytes[p]! >= 0x80;
          const undecided = !hit && high && e - s >= value.length; // shorter rows cannot match
          expect([i, (bits[i >>> 3]! >>> (i & 7)) & 1]).toEqual([i, hit ? 1 : 0]);
          expect([i, exact === null ? 0 : (exact[i >>> 3]! >>> (i & 7)) & 1]).toEqual([i, undecided ? 1 : 0]);
          if (undecided) want++;
        }
        expect(exact === null).toBe(want === 0); // null only when no row is marked
      }),
      { numRuns: 400 },
    );
  });

  it('contains with a validity bitmap: null rows are skipped (bit clear, never undecided), at any bit offset', () => {
    fc.assert(
      fc.property(
        rowsAndPattern,
        fc.integer({ min: 0, max: 40 }),
        fc.integer(),
        fc.constantFrom(...KERNELS),
        ({ offsets, bytes, n, value, or }, offset, seed, kernel) => {
          let x = seed | 1;
          const valid = new Uint8Array(((offset + n + 63) >>> 6) << 3);
          const isValid = (i: number) => ((valid[(offset + i) >>> 3]! >>> ((offset + i) & 7)) & 1) === 1;
          for (let i = 0; i < offset + n; i++) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            if ((x >>> 0) % 5 !== 0) valid[i >>> 3]! |= 1 << (i & 7);
          }
          const bits = newBitmap(n);
          const exact = scanner!.contains(
            offsets,
            bytes,
            n,
            or,
            value,
            bits,
            { bits: valid, offset },
            kernel,
          );
          let want = 0;
          for (let i = 0; i < n; i++) {
            const s = offsets[i]!;
            const e = offsets[i + 1]!;
            let hit = false;
            for (let p = s; p + value.length <= e && !hit; p++) {
              let q = 0;
              while (q < value.length && (bytes[p + q]! | or[q]!) === value[q]) q++;
              hit = q === value.length;
            }
            let high = false;
            for (let p = s; p < e; p++) high ||= bytes[p]! >= 0x80;
            const ok = isValid(i);
            expect([i, (bits[i >>> 3]! >>> (i & 7)) & 1]).toEqual([i, ok && hit ? 1 : 0]);
            const undecided = ok && !hit && high && e - s >= value.length;
            expect([i, exact === null ? 0 : (exact[i >>> 3]! >>> (i & 7)) & 1]).toEqual([
              i,
              undecided ? 1 : 0,
            ]);
            if (undecided) want++;
          }
          expect(exact === null).toBe(want === 0); // no row past the last one either
        },
      ),
      { numRuns: 300 },
    );
  });

  it('auto takes the wide kernel after a call where matches were mixed, with the same results', () => {
    // Half the rows match at random: the second call runs the wide kernel (the rate of the first).
    const enc8 = new TextEncoder();
    let x = 7;
    const rows: Uint8Array[] = [];
    for (let i = 0; i < 3000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const pad = 'a'.repeat((x >>> 8) % 90);
      rows.push(enc8.encode(x & 0x10000 ? `${pad}ViDeO${i}` : `${pad}vide${i}`));
    }
    const offsets = new Int32Array(rows.length + 1);
    rows.forEach((r, i) => {
      offsets[i + 1] = offsets[i]! + r.length;
    });
    const bytes = new Uint8Array(offsets[rows.length]!);
    for (let i = 0; i < rows.length; i++) bytes.set(rows[i]!, offsets[i]!);
    const value = enc8.encode('video');
    const or = new Uint8Array(5).fill(0x20);
    const want = newBitmap(rows.length);
    scanner!.contains(offsets, bytes, rows.length, or, value, want, null, 'rows');
    for (let k = 0; k < 3; k++) {
      const got = newBitmap(rows.length);
      scanner!.contains(offsets, bytes, rows.length, or, value, got, null, 'auto');
      expect(got).toEqual(want);
    }
    const count = rows.filter((r) => new TextDecoder().decode(r).toLowerCase().includes('video')).length;
    let set = 0;
    for (let i = 0; i < rows.length; i++) set += (want[i >>> 3]! >>> (i & 7)) & 1;
    expect(set).toBe(count);
    expect(count / rows.length).toBeGreaterThan(0.3);
    expect(count / rows.length).toBeLessThan(0.7);
  });

  it('nonAsciiRows: the rows holding a byte ≥ 0x80', () => {
    fc.assert(
      fc.property(rowsAndPattern, ({ offsets, bytes, n }) => {
        const bits = scanner!.nonAsciiRows(offsets, bytes, n);
        let want = 0;
        for (let i = 0; i < n; i++) {
          let high = false;
          for (let p = offsets[i]!; p < offsets[i + 1]!; p++) high ||= bytes[p]! >= 0x80;
          expect([i, bits === null ? 0 : (bits[i >>> 3]! >>> (i & 7)) & 1]).toEqual([i, high ? 1 : 0]);
          if (high) want++;
        }
        expect(bits === null).toBe(want === 0);
      }),
      { numRuns: 300 },
    );
  });

  it('stream: columns of several chunks where nearly every byte is a candidate, nulls at a bit offset', () => {
    // ~2.4 MB of 'a' / 'b' / 'A' (and a byte ≥ 0x80 now and then): the scan's chunks are 1 MiB, and
    // its list of candidates holds one address per byte at worst.
    let x = 12345;
    const next = () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x >>> 8;
    };
    const n = 40_000;
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + (next() % 121);
    const bytes = new Uint8Array(offsets[n]!);
    for (let k = 0; k < bytes.length; k++) {
      const r = next() % 1000;
      bytes[k] = r === 0 ? 0xc3 : r < 450 ? 0x61 : r < 900 ? 0x62 : 0x41;
    }
    const offset = 3;
    const valid = new Uint8Array(((offset + n + 63) >>> 6) << 3);
    for (let i = 0; i < offset + n; i++) if (next() % 7 !== 0) valid[i >>> 3]! |= 1 << (i & 7);
    for (const text of ['a', 'ab', 'aba', 'abab', 'bbbbbbbbbbbbbbba']) {
      const value = enc.encode(text);
      const or = new Uint8Array(value.length).fill(0x20);
      const bits = newBitmap(n);
      const exact = scanner!.contains(offsets, bytes, n, or, value, bits, { bits: valid, offset }, 'stream');
      for (let i = 0; i < n; i++) {
        const s = offsets[i]!;
        const e = offsets[i + 1]!;
        let hit = false;
        for (let p = s; p + value.length <= e && !hit; p++) {
          let q = 0;
          while (q < value.length && (bytes[p + q]! | or[q]!) === value[q]) q++;
          hit = q === value.length;
        }
        let high = false;
        for (let p = s; p < e; p++) high ||= bytes[p]! >= 0x80;
        const ok = ((valid[(offset + i) >>> 3]! >>> ((offset + i) & 7)) & 1) === 1;
        const undecided = ok && !hit && high && e - s >= value.length;
        if (((bits[i >>> 3]! >>> (i & 7)) & 1) !== (ok && hit ? 1 : 0)) expect([text, i, 'hit']).toBe(hit);
        const marked = exact === null ? 0 : (exact[i >>> 3]! >>> (i & 7)) & 1;
        if (marked !== (undecided ? 1 : 0)) expect([text, i, 'undecided']).toBe(undecided);
      }
    }
  });

  it('handles chunks of rows longer than a chunk', () => {
    // 40 rows of 50 KB: the first chunk (32 rows at least) is larger than the scan's chunk size.
    const rows = Array.from(
      { length: 40 },
      (_, i) => `${'x'.repeat(50_000 - 10)}${i % 3 === 0 ? 'VIDEO' : 'vide'}${i}`,
    );
    const s = Series.from(rows, { type: T.STRING() });
    expect(s.str.lower().str.contains('video').toArray()).toEqual(
      rows.map((x) => x.toLowerCase().includes('video')),
    );
  });
});
