/**
 * Flink's `Schema` proto (flink-fn-execution.proto, what a `CoderInfoDescriptor` carries) ↔
 * vecudf DataTypes, both directions: the worker reads the UDF input and output row types from
 * the descriptor's coders, the runner writes them. Mirrors Flink's `PythonTypeUtils.toProtoType`
 * (Java) and `pyflink.fn_execution.coders.from_proto` (Python): type name, nullability and the
 * type's info (length, precision, scale, element / key / value types, row fields).
 *
 * Types Flink's vectorized path rejects (MULTISET, ZONED_TIMESTAMP) are rejected here too, naming
 * the field.
 *
 * @example
 * const fields = fromFlinkSchema(coderInfo.arrowType!.schema!); // [{ name: 'a', type: DOUBLE }, …]
 * const schema = toFlinkSchema(fields);                           // and back
 */
import { type Schema, type Schema_FieldType, Schema_TypeName } from '../proto/flink.js';
import { type DataType, MAX_LENGTH, type RowField, DataTypes as T } from '../types/data-types.js';

export class FlinkSchemaError extends Error {
  override readonly name = 'FlinkSchemaError';
}

/** The fields of a Flink row schema as vecudf fields (names and types, nullability included). */
export function fromFlinkSchema(schema: Schema, where = 'schema'): RowField[] {
  return schema.fields.map((f, i) => {
    if (!f.type) throw new FlinkSchemaError(`${where}: field ${i} ('${f.name}') has no type`);
    return { name: f.name, type: fromFlinkFieldType(f.type, `${where}.${f.name || i}`) };
  });
}

/** One Flink field type as a DataType. */
export function fromFlinkFieldType(t: Schema_FieldType, where = 'field'): DataType {
  const n = t.nullable;
  // Lengths and precisions default as Flink's own type constructors do when the info is absent.
  switch (t.typeName) {
    case Schema_TypeName.TINYINT:
      return T.TINYINT(n);
    case Schema_TypeName.SMALLINT:
      return T.SMALLINT(n);
    case Schema_TypeName.INT:
      return T.INT(n);
    case Schema_TypeName.BIGINT:
      return T.BIGINT(n);
    case Schema_TypeName.FLOAT:
      return T.FLOAT(n);
    case Schema_TypeName.DOUBLE:
      return T.DOUBLE(n);
    case Schema_TypeName.BOOLEAN:
      return T.BOOLEAN(n);
    case Schema_TypeName.DATE:
      return T.DATE(n);
    case Schema_TypeName.NULL:
      return T.NULL();
    case Schema_TypeName.DECIMAL:
      return checked(where, () => T.DECIMAL(t.decimalInfo?.precision ?? 10, t.decimalInfo?.scale ?? 0, n));
    case Schema_TypeName.CHAR:
      return checked(where, () => T.CHAR(t.charInfo?.length ?? 1, n));
    case Schema_TypeName.VARCHAR:
      return checked(where, () => T.VARCHAR(t.varCharInfo?.length ?? MAX_LENGTH, n));
    case Schema_TypeName.BINARY:
      return checked(where, () => T.BINARY(t.binaryInfo?.length ?? 1, n));
    case Schema_TypeName.VARBINARY:
      return checked(where, () => T.VARBINARY(t.varBinaryInfo?.length ?? MAX_LENGTH, n));
    case Schema_TypeName.TIME:
      return checked(where, () => T.TIME(t.timeInfo?.precision ?? 0, n));
    case Schema_TypeName.TIMESTAMP:
      return checked(where, () => T.TIMESTAMP(t.timestampInfo?.precision ?? 6, n));
    case Schema_TypeName.LOCAL_ZONED_TIMESTAMP:
      return checked(where, () => T.TIMESTAMP_LTZ(t.localZonedTimestampInfo?.precision ?? 6, n));
    case Schema_TypeName.BASIC_ARRAY:
      if (!t.collectionElementType) throw new FlinkSchemaError(`${where}: ARRAY without an element type`);
      return T.ARRAY(fromFlinkFieldType(t.collectionElementType, `${where}[]`), n);
    case Schema_TypeName.MAP:
      if (!t.mapInfo?.keyType || !t.mapInfo.valueType) {
        throw new FlinkSchemaError(`${where}: MAP without key and value types`);
      }
      return T.MAP(
        fromFlinkFieldType(t.mapInfo.keyType, `${where}.key`),
        fromFlinkFieldType(t.mapInfo.valueType, `${where}.value`),
        n,
      );
    case Schema_TypeName.ROW:
      if (!t.rowSchema) throw new FlinkSchemaError(`${where}: ROW without a schema`);
      return checked(where, () => T.ROW(fromFlinkSchema(t.rowSchema!, where), n));
    case Schema_TypeName.MULTISET:
    case Schema_TypeName.ZONED_TIMESTAMP:
      throw new FlinkSchemaError(
        `${where}: ${Schema_TypeName[t.typeName]} is not supported (Flink's vectorized UDFs do not support it either)`,
      );
    default:
      throw new FlinkSchemaError(`${where}: unknown Flink type name ${t.typeName}`);
  }
}

function checked(where: string, make: () => DataType): DataType {
  try {
    return make();
  } catch (e) {
    throw new FlinkSchemaError(`${where}: ${(e as Error).message}`);
  }
}

/** A DataType as a Flink field type (the inverse of `fromFlinkFieldType`). */
export function toFlinkFieldType(t: DataType): Schema_FieldType {
  const nullable = t.nullable;
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
      return { typeName: Schema_TypeName[t.kind], nullable };
    case 'DECIMAL':
      return {
        typeName: Schema_TypeName.DECIMAL,
        nullable,
        decimalInfo: { precision: t.precision, scale: t.scale },
      };
    case 'CHAR':
      return { typeName: Schema_TypeName.CHAR, nullable, charInfo: { length: t.length } };
    case 'VARCHAR':
      return { typeName: Schema_TypeName.VARCHAR, nullable, varCharInfo: { length: t.length } };
    case 'BINARY':
      return { typeName: Schema_TypeName.BINARY, nullable, binaryInfo: { length: t.length } };
    case 'VARBINARY':
      return { typeName: Schema_TypeName.VARBINARY, nullable, varBinaryInfo: { length: t.length } };
    case 'TIME':
      return { typeName: Schema_TypeName.TIME, nullable, timeInfo: { precision: t.precision } };
    case 'TIMESTAMP':
      return { typeName: Schema_TypeName.TIMESTAMP, nullable, timestampInfo: { precision: t.precision } };
    case 'TIMESTAMP_LTZ':
      return {
        typeName: Schema_TypeName.LOCAL_ZONED_TIMESTAMP,
        nullable,
        localZonedTimestampInfo: { precision: t.precision },
      };
    case 'ARRAY':
      return {
        typeName: Schema_TypeName.BASIC_ARRAY,
        nullable,
        collectionElementType: toFlinkFieldType(t.element),
      };
    case 'MAP':
      return {
        typeName: Schema_TypeName.MAP,
        nullable,
        mapInfo: { keyType: toFlinkFieldType(t.key), valueType: toFlinkFieldType(t.value) },
      };
    case 'ROW':
      return { typeName: Schema_TypeName.ROW, nullable, rowSchema: toFlinkSchema(t.fields) };
  }
}

/** A row of named fields as a Flink `Schema`. */
export function toFlinkSchema(fields: readonly RowField[]): Schema {
  return { fields: fields.map((f) => ({ name: f.name, description: '', type: toFlinkFieldType(f.type) })) };
}
