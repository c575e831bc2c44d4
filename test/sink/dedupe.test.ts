import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lastRowPerKey, UpsertBuffer } from '../../src/sink/dedupe.js';

const batchOf = (rows: [string | null, number | null, number][]) =>
  new arrow.Table({
    k1: arrow.vectorFromArray(
      rows.map((r) => r[0]),
      new arrow.Utf8(),
    ),
    k2: arrow.vectorFromArray(
      rows.map((r) => r[1]),
      new arrow.Int32(),
    ),
    v: arrow.vectorFromArray(
      rows.map((r) => r[2]),
      new arrow.Float64(),
    ),
  }).batches[0]!;

/** Reference: a Map keyed by the JSON of the key, keeping insertion order of first appearance. */
function naive(rows: [string | null, number | null, number][]) {
  const m = new Map<string, [string | null, number | null, number]>();
  for (const r of rows) m.set(JSON.stringify([r[0], r[1]]), r);
  return [...m.values()].map(([k1, k2, v]) => ({ k1, k2, v }));
}

const rowArb = fc.tuple(
  fc.option(fc.constantFrom('a', 'b', '', '北京'), { freq: 4 }),
  fc.option(fc.integer({ min: 0, max: 3 }), { freq: 4 }),
  fc.double({ noNaN: true }),
);

describe('lastRowPerKey / UpsertBuffer', () => {
  it('keeps the last row of each key (two key columns, nulls as keys), across batches', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(rowArb, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 4 }),
        (parts) => {
          const out = lastRowPerKey(parts.map(batchOf), ['k1', 'k2']);
          expect(out.toArray().map((r) => r.toJSON())).toEqual(naive(parts.flat()));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('UpsertBuffer compacts as it grows and gives the same result', () => {
    const buffer = new UpsertBuffer();
    const all: [string | null, number | null, number][] = [];
    for (let i = 0; i < 200; i++) {
      const rows: [string | null, number | null, number][] = Array.from({ length: 500 }, (_, j) => [
        `k${(i * 7 + j) % 97}`,
        j % 3,
        i * 1000 + j,
      ]);
      all.push(...rows);
      buffer.add(batchOf(rows), ['k1', 'k2']);
    }
    expect(
      buffer
        .result()!
        .toArray()
        .map((r) => r.toJSON()),
    ).toEqual(naive(all));
    expect(() => buffer.add(batchOf([['a', 1, 1]]), ['k1'])).toThrow(/key columns changed/);
    expect(new UpsertBuffer().result()).toBeNull();
  });
});
