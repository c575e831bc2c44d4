import { describe, expect, it } from 'vitest';
import { planFromUdfs, UdfPayloadError, udfNamesOf } from '../../src/harness/udf-plan.js';
import { type UserDefinedFunction, UserDefinedFunctions } from '../../src/proto/flink.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { udfsPayload } from './flink-fixtures.js';

const IN = [
  { name: 'a', type: T.DOUBLE() },
  { name: 'b', type: T.BIGINT() },
];

function udfs(bytes: Uint8Array) {
  return UserDefinedFunctions.decode(bytes);
}

describe('UserDefinedFunctions → plan', () => {
  it('maps offsets, JSON constants and nested calls; names outputs after the output schema', () => {
    const payload = udfsPayload([
      {
        export: 'plus',
        module: '/m.mjs',
        kind: 'vectorized',
        resultType: 'DOUBLE',
        args: [{ offset: 1 }, { udf: { export: 'neg', module: '/m.mjs', args: [{ offset: 0 }] } }],
      },
      { export: 'scale', module: '/m.mjs', args: [{ offset: 0 }, { constant: '12', type: 'BIGINT' }] },
    ]);
    const plan = planFromUdfs(udfs(payload), IN, [
      { name: 'x', type: T.DOUBLE() },
      { name: 'y', type: T.DOUBLE() },
    ]);
    expect(plan).toEqual({
      calls: [
        {
          name: 'x',
          udf: { module: '/m.mjs', export: 'plus', kind: 'vectorized', resultType: 'DOUBLE' },
          args: [
            { column: 1 },
            { call: { udf: { module: '/m.mjs', export: 'neg' }, args: [{ column: 0 }] } },
          ],
        },
        {
          name: 'y',
          udf: { module: '/m.mjs', export: 'scale' },
          args: [{ column: 0 }, { constant: '12', type: 'BIGINT' }],
        },
      ],
      inputTypes: [T.DOUBLE(), T.BIGINT()],
    });
    expect(udfNamesOf(plan)).toEqual(['plus', 'neg', 'scale']);
  });

  it('explains payloads it cannot read', () => {
    const base = {
      payload: new Uint8Array(),
      inputs: [],
      windowIndex: 0,
      takesRowAsInput: false,
      isPandasUdf: true,
    };
    const one = (u: Partial<UserDefinedFunction>): UserDefinedFunctions => ({
      udfs: [{ ...base, ...u }],
      metricEnabled: false,
      windows: [],
      profileEnabled: false,
      jobParameters: [],
    });
    const json = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
    expect(() => planFromUdfs(one({ payload: Uint8Array.of(0x80, 4, 0x95) }), IN, [])).toThrow(
      /Python pickle/,
    );
    expect(() => planFromUdfs(one({ payload: json({ module: 'm.mjs' }) }), IN, [])).toThrow(
      /"module" and "export"/,
    );
    expect(() => planFromUdfs(one({ payload: new TextEncoder().encode('{nope') }), IN, [])).toThrow(
      /not JSON/,
    );
    expect(() =>
      planFromUdfs(one({ payload: json({ module: 'm', export: 'f', kind: 'magic' }) }), IN, []),
    ).toThrow(/"kind" must be one of/);
    const ok = json({ module: 'm', export: 'f' });
    expect(() => planFromUdfs(one({ payload: ok, takesRowAsInput: true }), IN, [])).toThrow(
      /takes_row_as_input/,
    );
    expect(() =>
      planFromUdfs(one({ payload: ok, inputs: [{ inputConstant: Uint8Array.of(1, 0x80) }] }), IN, []),
    ).toThrow(/cannot read the constant \(tag 1, pickled\)/);
    expect(() => planFromUdfs(one({ payload: ok, inputs: [{}] }), IN, [])).toThrow(UdfPayloadError);
    expect(() => planFromUdfs({ ...one({}), udfs: [] }, IN, [])).toThrow(/holds no UDF/);
  });
});
