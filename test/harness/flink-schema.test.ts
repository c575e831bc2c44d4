import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlinkSchemaError, fromFlinkSchema, toFlinkSchema } from '../../src/harness/flink-schema.js';
import { Schema, Schema_TypeName } from '../../src/proto/flink.js';
import { type DataType, DataTypes as T, typeToString } from '../../src/types/data-types.js';

const leaf: fc.Arbitrary<DataType> = fc.oneof(
  fc.constantFrom(
    T.TINYINT(),
    T.SMALLINT(),
    T.INT(false),
    T.BIGINT(),
    T.FLOAT(),
    T.DOUBLE(false),
    T.BOOLEAN(),
    T.DATE(),
    T.STRING(),
    T.BYTES(),
  ),
  fc
    .record({ p: fc.integer({ min: 1, max: 38 }), s: fc.integer({ min: 0, max: 38 }) })
    .map(({ p, s }) => T.DECIMAL(p, Math.min(p, s))),
  fc.integer({ min: 1, max: 100 }).map((n) => T.CHAR(n)),
  fc.integer({ min: 1, max: 100 }).map((n) => T.VARCHAR(n, false)),
  fc.integer({ min: 1, max: 100 }).map((n) => T.BINARY(n)),
  fc.integer({ min: 0, max: 9 }).map((p) => T.TIME(p)),
  fc.integer({ min: 0, max: 9 }).map((p) => T.TIMESTAMP(p)),
  fc.integer({ min: 0, max: 9 }).map((p) => T.TIMESTAMP_LTZ(p, false)),
);
const { type } = fc.letrec<{ type: DataType }>((tie) => ({
  type: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('type').map((e) => T.ARRAY(e)),
    fc.tuple(leaf, tie('type')).map(([k, v]) => T.MAP(k, v)),
    fc
      .array(tie('type'), { minLength: 1, maxLength: 3 })
      .map((ts) => T.ROW(ts.map((t, i) => T.FIELD(`f${i}`, t)))),
  ),
}));

describe('Flink Schema proto ↔ DataType', () => {
  it('round-trips every supported type, through the wire bytes', () => {
    fc.assert(
      fc.property(fc.array(type, { minLength: 1, maxLength: 4 }), (types) => {
        const fields = types.map((t, i) => ({ name: `c${i}`, type: t }));
        const bytes = Schema.encode(toFlinkSchema(fields)).finish();
        const back = fromFlinkSchema(Schema.decode(bytes));
        expect(back.map((f) => `${f.name} ${typeToString(f.type)}`)).toEqual(
          fields.map((f) => `${f.name} ${typeToString(f.type)}`),
        );
      }),
    );
  });

  it("reads Flink's field types as PythonTypeUtils.toProtoType writes them", () => {
    const s: Schema = {
      fields: [
        {
          name: 'ts',
          description: '',
          type: {
            typeName: Schema_TypeName.LOCAL_ZONED_TIMESTAMP,
            nullable: true,
            localZonedTimestampInfo: { precision: 3 },
          },
        },
        {
          name: 'm',
          description: '',
          type: {
            typeName: Schema_TypeName.MAP,
            nullable: false,
            mapInfo: {
              keyType: {
                typeName: Schema_TypeName.VARCHAR,
                nullable: false,
                varCharInfo: { length: 2147483647 },
              },
              valueType: { typeName: Schema_TypeName.BIGINT, nullable: true },
            },
          },
        },
      ],
    };
    expect(fromFlinkSchema(s).map((f) => typeToString(f.type))).toEqual([
      'TIMESTAMP_LTZ(3)',
      'MAP<STRING NOT NULL, BIGINT> NOT NULL',
    ]);
  });

  it('rejects what Flink rejects, naming the field', () => {
    const s: Schema = {
      fields: [
        { name: 'z', description: '', type: { typeName: Schema_TypeName.ZONED_TIMESTAMP, nullable: true } },
      ],
    };
    expect(() => fromFlinkSchema(s, 'input')).toThrow(FlinkSchemaError);
    expect(() => fromFlinkSchema(s, 'input')).toThrow(/input\.z: ZONED_TIMESTAMP is not supported/);
  });
});
