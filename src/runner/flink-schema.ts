/**
 * DataType → Flink's `Schema` proto (flink-fn-execution.proto), the schema the runner puts in
 * the `CoderInfoDescriptor` of the descriptor's coders, as Flink's `PythonTypeUtils.toProtoType`
 * writes it. (The worker reads it back with the inverse.)
 *
 * @example
 * const schema = toFlinkSchema([{ name: 'a', type: T.DOUBLE() }, { name: 's', type: T.STRING() }]);
 */
import { type Schema, type Schema_FieldType, Schema_TypeName } from '../proto/flink.js';
import type { DataType } from '../types/data-types.js';

/** The Flink field type of one DataType (nullability included). */
export function toFlinkFieldType(t: DataType): Schema_FieldType {
  const base = { nullable: t.nullable };
  switch (t.kind) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
    case 'FLOAT':
    case 'DOUBLE':
    case 'BOOLEAN':
    case 'DATE':
    case 'NULL':
      return { ...base, typeName: Schema_TypeName[t.kind] };
    case 'DECIMAL':
      return {
        ...base,
        typeName: Schema_TypeName.DECIMAL,
        decimalInfo: { precision: t.precision, scale: t.scale },
      };
    case 'CHAR':
      return { ...base, typeName: Schema_TypeName.CHAR, charInfo: { length: t.length } };
    case 'VARCHAR':
      return { ...base, typeName: Schema_TypeName.VARCHAR, varCharInfo: { length: t.length } };
    case 'BINARY':
      return { ...base, typeName: Schema_TypeName.BINARY, binaryInfo: { length: t.length } };
    case 'VARBINARY':
      return { ...base, typeName: Schema_TypeName.VARBINARY, varBinaryInfo: { length: t.length } };
    case 'TIME':
      return { ...base, typeName: Schema_TypeName.TIME, timeInfo: { precision: t.precision } };
    case 'TIMESTAMP':
      return { ...base, typeName: Schema_TypeName.TIMESTAMP, timestampInfo: { precision: t.precision } };
    case 'TIMESTAMP_LTZ':
      return {
        ...base,
        typeName: Schema_TypeName.LOCAL_ZONED_TIMESTAMP,
        localZonedTimestampInfo: { precision: t.precision },
      };
    case 'ARRAY':
      return {
        ...base,
        typeName: Schema_TypeName.BASIC_ARRAY,
        collectionElementType: toFlinkFieldType(t.element),
      };
    case 'MAP':
      return {
        ...base,
        typeName: Schema_TypeName.MAP,
        mapInfo: { keyType: toFlinkFieldType(t.key), valueType: toFlinkFieldType(t.value) },
      };
    case 'ROW':
      return { ...base, typeName: Schema_TypeName.ROW, rowSchema: toFlinkSchema(t.fields) };
  }
}

/** The Flink `Schema` of a row with these fields. */
export function toFlinkSchema(fields: readonly { name: string; type: DataType }[]): Schema {
  return { fields: fields.map((f) => ({ name: f.name, description: '', type: toFlinkFieldType(f.type) })) };
}
