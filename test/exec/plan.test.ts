import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePlan, loadPlan, type Plan } from '../../src/exec/plan.js';
import { constantFromJson, constantToJson } from '../../src/exec/plan-constants.js';
import { runRowWise } from '../../src/exec/row-wise.js';
import { DataTypes as T, typeToString } from '../../src/types/data-types.js';
import { udf, vectorizedUdaf, vectorizedUdf } from '../../src/udf/define.js';
import { batchOf, columnsOf } from './support/batches.js';
import { ALL_TYPES, arbValue, nullable } from './support/values.js';

const baseDir = resolve(import.meta.dirname, '../fixtures/udfs');

describe('plan constants: type-directed JSON', () => {
  for (const t of ALL_TYPES) {
    it(`${typeToString(t)} survives JSON.stringify / parse`, () => {
      fc.assert(
        fc.property(nullable(arbValue(t)), (v) => {
          const json = JSON.parse(JSON.stringify(constantToJson(v, t)));
          expect(constantFromJson(json, t)).toEqual(v);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('writes BIGINT as a decimal string, bytes as base64, maps as pairs, non-finite doubles as strings', () => {
    expect(constantToJson(2n ** 60n, T.BIGINT())).toBe('1152921504606846976');
    expect(constantToJson(Uint8Array.of(1, 2, 255), T.BYTES())).toBe('AQL/');
    expect(constantToJson(new Map([['a', 1]]), T.MAP(T.STRING(), T.INT()))).toEqual([['a', 1]]);
    expect(constantToJson(Number.NaN, T.DOUBLE())).toBe('NaN');
    expect(() => constantFromJson('12x', T.BIGINT())).toThrow('constant "12x" is not a valid BIGINT value');
    expect(() => constantFromJson(1.5, T.BIGINT())).toThrow('is not a valid BIGINT value');
  });
});

describe('compilePlan', () => {
  const plus = udf((a, b) => a + b, { name: 'plus', inputTypes: ['INT', 'INT'], resultType: 'INT' });
  const total = vectorizedUdaf((a) => a.length, { name: 'total', resultType: 'INT' });
  const vec = vectorizedUdf((a) => a, { name: 'vec', resultType: 'INT' });

  it('checks argument counts, column offsets, nesting, kinds and output names', () => {
    expect(() => compilePlan({ calls: [{ udf: plus, args: [{ column: 0 }] }] })).toThrow(
      "f0: UDF 'plus' takes 2 argument(s), the plan gives 1",
    );
    expect(() =>
      compilePlan({
        calls: [{ udf: plus, args: [{ column: 0 }, { column: 3 }] }],
        inputTypes: ['INT', 'INT'],
      }),
    ).toThrow('f0.arg1: column 3 is out of range; the input row has 2 column(s)');
    expect(() => compilePlan({ calls: [{ udf: plus, args: [{ column: -1 }, { column: 0 }] }] })).toThrow(
      'column must be a non-negative integer',
    );
    expect(() =>
      compilePlan({
        calls: [{ udf: plus, args: [{ call: { udf: total, args: [{ column: 0 }] } }, { column: 0 }] }],
      }),
    ).toThrow("f0.arg0: UDF 'total' is aggregate; only scalar UDFs can be nested as arguments");
    expect(() =>
      compilePlan({
        calls: [
          { udf: total, args: [{ column: 0 }] },
          { udf: vec, args: [{ column: 0 }] },
        ],
      }),
    ).toThrow('aggregate UDFs cannot be mixed with scalar UDFs');
    expect(() =>
      compilePlan({
        calls: [
          { udf: vec, args: [{ column: 0 }], name: 'x' },
          { udf: vec, args: [{ column: 1 }], name: 'x' },
        ],
      }),
    ).toThrow("two calls write the output column 'x'");
    expect(() => compilePlan({ calls: [] })).toThrow('at least one call');
    expect(() => compilePlan({ calls: [{ udf: (() => 1) as never, args: [] }] })).toThrow('not a UDF object');
  });

  it('gives constants the declared argument type and checks that they fit', () => {
    const p = compilePlan({
      calls: [{ udf: plus, args: [{ column: 0 }, { constant: 2n, type: 'BIGINT' }] }],
    });
    const a = p.calls[0]!.args[1]!;
    expect(a.kind === 'constant' && [a.value, typeToString(a.type)]).toEqual([2, 'INT']);
    expect(() =>
      compilePlan({ calls: [{ udf: plus, args: [{ column: 0 }, { constant: 'x', type: 'STRING' }] }] }),
    ).toThrow("f0.arg1: constant does not fit INT: expected INT, got string 'x'");
    expect(() =>
      compilePlan({ calls: [{ udf: vec, args: [{ constant: 1.5, type: 'DECIMAL(3, 0)' }] }] }),
    ).not.toThrow();
  });
});

describe('loadPlan', () => {
  it('loads a JSON plan from modules, with nested calls and constants, and runs it', async () => {
    const plan: Plan = JSON.parse(
      JSON.stringify({
        calls: [
          { udf: { module: 'typed.ts', export: 'plusRow' }, args: [{ column: 0 }, { column: 1 }] },
          {
            udf: {
              module: 'plain.mjs',
              export: 'addRow',
              kind: 'row',
              inputTypes: ['DOUBLE', 'DOUBLE'],
              resultType: 'DOUBLE',
            },
            args: [
              {
                call: {
                  udf: { module: 'typed.ts', export: 'plusRow' },
                  args: [{ column: 0 }, { column: 1 }],
                },
              },
              { constant: 'NaN', type: 'DOUBLE' },
            ],
            name: 'nan',
          },
        ],
        inputTypes: ['DOUBLE', 'DOUBLE'],
      } satisfies Plan),
    );
    const compiled = await loadPlan(plan, { baseDir });
    expect(compiled.mode).toBe('scalar');
    expect(compiled.calls.map((c) => c.udf.name)).toEqual(['plus_row', 'addRow']);
    const batch = batchOf([
      { name: 'a', type: T.DOUBLE(), values: [1, 2, null] },
      { name: 'b', type: T.DOUBLE(), values: [3, 4, 5] },
    ]);
    const out = columnsOf(await runRowWise(compiled, batch));
    expect(out.f0).toEqual([4, 6, null]);
    expect(out.nan).toEqual([Number.NaN, Number.NaN, null]);
  });

  it('names the call of a bad constant or reference', async () => {
    await expect(
      loadPlan(
        {
          calls: [
            {
              udf: { module: 'typed.ts', export: 'plusRow' },
              args: [{ column: 0 }, { constant: [1], type: 'DOUBLE' }],
            },
          ],
        },
        { baseDir },
      ),
    ).rejects.toThrow('plan.calls[0].args[1]: constant [1] is not a valid DOUBLE value');
    await expect(
      loadPlan({ calls: [{ udf: { module: 'typed.ts', export: 'nope' }, args: [] }] }, { baseDir }),
    ).rejects.toThrow("has no export 'nope'");
  });
});
