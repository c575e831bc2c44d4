import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRows, decodeRowsToColumns, encodeRows, RowCodecError } from '../../src/codec/row-coder.js';
import { runRowWiseCoded } from '../../src/codec/row-coder-exec.js';
import { makeBatch } from '../../src/exec/batch.js';
import { UdfError } from '../../src/exec/errors.js';
import { compilePlan } from '../../src/exec/plan.js';
import { runRowWise } from '../../src/exec/row-wise.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { udf } from '../../src/udf/define.js';
import { batchOf, columnsOf } from '../exec/support/batches.js';
import { ALL_TYPES, arbValue, nullable } from '../exec/support/values.js';

const plusRow = udf((a: number | null, b: number | null) => (a == null || b == null ? null : a + b), {
  name: 'plus',
  inputTypes: ['DOUBLE', 'DOUBLE'],
  resultType: 'DOUBLE',
});
const hasVideo = udf((s: string | null) => (s == null ? null : s.toLowerCase().includes('video')), {
  name: 'has_video',
  inputTypes: ['STRING'],
  resultType: 'BOOLEAN',
});
const tag = udf((s: string | null, k: bigint | null) => (s == null ? null : `${s}#${k}`), {
  name: 'tag',
  inputTypes: ['STRING', 'BIGINT'],
  resultType: 'STRING',
});

describe('encodeRows / decodeRowsToColumns over Arrow batches', () => {
  it('round-trips batches of every type with nulls, reading straight from the Arrow buffers', () => {
    const typesArb = fc.array(fc.constantFrom(...ALL_TYPES), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(
        typesArb.chain((types) =>
          fc.tuple(
            fc.constant(types),
            fc.array(fc.tuple(...types.map((t) => nullable(arbValue(t, { wholeMillisTime: true }), 3))), {
              maxLength: 10,
            }),
          ),
        ),
        ([types, rows]) => {
          const batch = batchOf(
            types.map((t, c) => ({ name: `c${c}`, type: t, values: rows.map((r) => r[c]) })),
          );
          const bytes = encodeRows(batch, types);
          const back = makeBatch(
            decodeRowsToColumns(bytes, types).map((vector, c) => ({
              name: `c${c}`,
              type: types[c]!,
              vector,
            })),
            rows.length,
          );
          expect(columnsOf(back, types)).toEqual(columnsOf(batch, types));
          let n = 0;
          decodeRows(bytes, types, () => n++);
          expect(n).toBe(rows.length);
        },
      ),
      { numRuns: 80 },
    );
  });
});

describe('runRowWiseCoded', () => {
  it('decodes, calls, encodes: the same results as runRowWise over the Arrow batch', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            nullable(fc.double()),
            nullable(fc.double()),
            nullable(fc.string({ maxLength: 12 })),
            nullable(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
          ),
          { maxLength: 30 },
        ),
        async (rows) => {
          const inputTypes = [T.DOUBLE(), T.DOUBLE(), T.STRING(), T.BIGINT()];
          const batch = batchOf(
            inputTypes.map((t, c) => ({ name: `c${c}`, type: t, values: rows.map((r) => r[c]) })),
          );
          const plan = compilePlan({
            calls: [
              { udf: plusRow, args: [{ column: 0 }, { column: 1 }] },
              { udf: hasVideo, args: [{ call: { udf: tag, args: [{ column: 2 }, { column: 3 }] } }] },
              { udf: tag, args: [{ column: 2 }, { constant: 7, type: 'BIGINT' }] },
            ],
            inputTypes,
          });
          const expected = columnsOf(await runRowWise(plan, batch));
          const out = await runRowWiseCoded(plan, encodeRows(batch, inputTypes));
          const outTypes = plan.calls.map((c) => c.resultType);
          const cols = decodeRowsToColumns(out, outTypes);
          const got = makeBatch(
            cols.map((vector, c) => ({ name: `f${c}`, type: outTypes[c]!, vector })),
            rows.length,
          );
          expect(columnsOf(got)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps concurrent calls apart (async UDFs interleave; each call has its own output buffer)', async () => {
    const inputTypes = [T.DOUBLE()];
    const later = udf(
      async (a: number | null) => {
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        return a == null ? null : a * 10;
      },
      { name: 'later', resultType: 'DOUBLE' },
    );
    const plan = compilePlan({ calls: [{ udf: later, args: [{ column: 0 }] }], inputTypes });
    const inputs = [0, 1, 2].map((k) =>
      encodeRows(batchOf([{ name: 'a', type: T.DOUBLE(), values: [k, null, k + 0.5] }])),
    );
    const outs = await Promise.all(inputs.map((bytes) => runRowWiseCoded(plan, bytes)));
    outs.forEach((out, k) => {
      expect(Array.from(decodeRowsToColumns(out, [T.DOUBLE()])[0]!, (v) => v)).toEqual([
        k * 10,
        null,
        (k + 0.5) * 10,
      ]);
    });
  });

  it('counts rows and batches per call', async () => {
    const inputTypes = [T.DOUBLE(), T.DOUBLE()];
    const plan = compilePlan({ calls: [{ udf: plusRow, args: [{ column: 0 }, { column: 1 }] }], inputTypes });
    const batch = batchOf(inputTypes.map((t, c) => ({ name: `c${c}`, type: t, values: [1, 2, 3] })));
    await runRowWiseCoded(plan, encodeRows(batch));
    await runRowWiseCoded(plan, encodeRows(batch));
    expect(plan.metrics[0]).toMatchObject({ rows: 6, batches: 2 });
    expect(plan.metrics[0]!.ms).toBeGreaterThanOrEqual(0);
  });

  it('names the UDF and row of a result that does not fit, and of a UDF that throws', async () => {
    const inputTypes = [T.DOUBLE()];
    const bad = udf((a: number) => (a > 1 ? 'many' : a), { name: 'bad', resultType: 'DOUBLE' });
    const batch = batchOf([{ name: 'a', type: T.DOUBLE(), values: [0, 1, 2] }]);
    const plan = compilePlan({ calls: [{ udf: bad, args: [{ column: 0 }] }], inputTypes });
    const err = await runRowWiseCoded(plan, encodeRows(batch)).catch((e) => e);
    expect(err).toBeInstanceOf(UdfError);
    expect(err.message).toBe(
      "UDF 'bad' failed on row 2 of the batch: The result of UDF 'bad' does not fit its result type DOUBLE at row 2: expected DOUBLE, got string 'many'",
    );
    const boom = udf(
      () => {
        throw new RangeError('nope');
      },
      { name: 'boom', resultType: 'DOUBLE' },
    );
    await expect(
      runRowWiseCoded(compilePlan({ calls: [{ udf: boom, args: [] }], inputTypes }), encodeRows(batch)),
    ).rejects.toThrow("UDF 'boom' failed on row 0 of the batch: nope");
  });

  it('refuses malformed input with RowCodecError and needs the input types', async () => {
    const inputTypes = [T.DOUBLE(), T.DOUBLE()];
    const plan = compilePlan({ calls: [{ udf: plusRow, args: [{ column: 0 }, { column: 1 }] }] });
    await expect(runRowWiseCoded(plan, Uint8Array.of(3, 0, 1))).rejects.toThrow(
      'the input row types are needed',
    );
    await expect(runRowWiseCoded(plan, Uint8Array.of(3, 0, 1), { inputTypes })).rejects.toThrow(
      RowCodecError,
    );
  });
});
