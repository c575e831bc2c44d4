import { describe, expect, it } from 'vitest';
import { DescriptorError, stagesOf } from '../../src/harness/stages.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { descriptor, INPUT, OUTPUT } from './flink-fixtures.js';

const IN = [{ name: 'a', type: T.DOUBLE() }];
const OUT = [{ name: 'f0', type: T.DOUBLE() }];
const UDF = { export: 'f', module: '/m.mjs', args: [{ offset: 0 }] };

describe("the stages of Flink's descriptor", () => {
  it('finds source, UDF transform and sink with their endpoint, format and plan', () => {
    const [s, ...more] = stagesOf(
      descriptor({ id: '1-2', dataUrl: 'localhost:7', udfs: [UDF], input: IN, output: OUT }),
    );
    expect(more).toEqual([]);
    expect(s).toMatchObject({
      transformId: 'transform',
      mode: 'arrow',
      source: { transformId: INPUT, url: 'localhost:7' },
      sink: { transformId: OUTPUT, url: 'localhost:7' },
      planKey: '1-2/transform',
      udfNames: ['f'],
    });
    expect(s!.inputFields).toEqual(IN);
    expect(
      stagesOf(
        descriptor({
          id: 'r',
          mode: 'row',
          dataUrl: 'h:1',
          udfs: [{ ...UDF, kind: 'row' }],
          input: IN,
          output: OUT,
        }),
      )[0]!.mode,
    ).toBe('row');
  });

  it('refuses what it cannot run, saying what and where', () => {
    const d = () => descriptor({ id: 'd', dataUrl: 'h:1', udfs: [UDF], input: IN, output: OUT });
    const odd = d();
    odd.transforms.extra = {
      ...odd.transforms.transform!,
      spec: { urn: 'beam:transform:pardo:v1', payload: new Uint8Array() },
    };
    expect(() => stagesOf(odd)).toThrow(/transform extra: URN 'beam:transform:pardo:v1' is not supported/);
    const windowed = d();
    windowed.coders['fn/wire/input:0-length_prefix0']!.spec!.urn = 'beam:coder:windowed_value:v1';
    expect(() => stagesOf(windowed)).toThrow(/full windowed values/);
    const noSink = d();
    delete noSink.transforms[OUTPUT];
    expect(() => stagesOf(noSink)).toThrow(DescriptorError);
    // is_pandas_udf = false with Arrow coders
    expect(() =>
      stagesOf(
        descriptor({ id: 'm', dataUrl: 'h:1', udfs: [{ ...UDF, pandas: false }], input: IN, output: OUT }),
      ),
    ).toThrow(/is_pandas_udf=false does not match its arrow coders/);
  });
});
