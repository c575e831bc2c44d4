/**
 * Flink's logical SQL types, as plain immutable objects.
 *
 * Each DataType maps to exactly one Arrow type (see `arrow-mapping.ts`), following Flink's
 * `ArrowUtils.LogicalTypeToArrowTypeConverter`. Every type carries its nullability, as in Flink
 * (`DataTypes.INT().notNull()` there; `T.INT(false)` or `notNull(T.INT())` here).
 *
 * @example
 * import { DataTypes as T } from 'vecudf';
 * const t = T.ROW([T.FIELD('id', T.BIGINT(false)), T.FIELD('tags', T.ARRAY(T.STRING()))]);
 */

export type DataType =
  | { readonly kind: 'TINYINT' | 'SMALLINT' | 'INT' | 'BIGINT'; readonly nullable: boolean }
  | { readonly kind: 'FLOAT' | 'DOUBLE' | 'BOOLEAN' | 'DATE' | 'NULL'; readonly nullable: boolean }
  | {
      readonly kind: 'DECIMAL';
      readonly nullable: boolean;
      readonly precision: number;
      readonly scale: number;
    }
  | { readonly kind: 'CHAR' | 'VARCHAR'; readonly nullable: boolean; readonly length: number }
  | { readonly kind: 'BINARY' | 'VARBINARY'; readonly nullable: boolean; readonly length: number }
  | {
      readonly kind: 'TIME' | 'TIMESTAMP' | 'TIMESTAMP_LTZ';
      readonly nullable: boolean;
      readonly precision: number;
    }
  | { readonly kind: 'ARRAY'; readonly nullable: boolean; readonly element: DataType }
  | { readonly kind: 'MAP'; readonly nullable: boolean; readonly key: DataType; readonly value: DataType }
  | { readonly kind: 'ROW'; readonly nullable: boolean; readonly fields: readonly RowField[] };

/** A named field of a ROW type. */
export interface RowField {
  readonly name: string;
  readonly type: DataType;
}

export type TypeKind = DataType['kind'];

/** `VARCHAR(n)` with this length is Flink's `STRING`; `VARBINARY` with it is `BYTES`. */
export const MAX_LENGTH = 2147483647;

function checkPrecision(kind: string, p: number, min: number, max: number): number {
  if (!Number.isInteger(p) || p < min || p > max) {
    throw new RangeError(`${kind} precision must be an integer in [${min}, ${max}], got ${p}`);
  }
  return p;
}

function checkLength(kind: string, n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_LENGTH) {
    throw new RangeError(`${kind} length must be an integer in [1, ${MAX_LENGTH}], got ${n}`);
  }
  return n;
}

/**
 * Factories for every supported type; `nullable` defaults to true, as in Flink.
 * Names and defaults follow Flink's `DataTypes` (TIME() is TIME(0), TIMESTAMP() is TIMESTAMP(6)).
 */
export const DataTypes = {
  TINYINT: (nullable = true): DataType => ({ kind: 'TINYINT', nullable }),
  SMALLINT: (nullable = true): DataType => ({ kind: 'SMALLINT', nullable }),
  INT: (nullable = true): DataType => ({ kind: 'INT', nullable }),
  BIGINT: (nullable = true): DataType => ({ kind: 'BIGINT', nullable }),
  FLOAT: (nullable = true): DataType => ({ kind: 'FLOAT', nullable }),
  DOUBLE: (nullable = true): DataType => ({ kind: 'DOUBLE', nullable }),
  BOOLEAN: (nullable = true): DataType => ({ kind: 'BOOLEAN', nullable }),
  DATE: (nullable = true): DataType => ({ kind: 'DATE', nullable }),
  /** The type of an all-null column (Arrow `Null`). */
  NULL: (): DataType => ({ kind: 'NULL', nullable: true }),
  DECIMAL: (precision: number, scale: number, nullable = true): DataType => {
    checkPrecision('DECIMAL', precision, 1, 38);
    if (!Number.isInteger(scale) || scale < 0 || scale > precision) {
      throw new RangeError(`DECIMAL scale must be an integer in [0, ${precision}], got ${scale}`);
    }
    return { kind: 'DECIMAL', nullable, precision, scale };
  },
  CHAR: (length: number, nullable = true): DataType => ({
    kind: 'CHAR',
    nullable,
    length: checkLength('CHAR', length),
  }),
  VARCHAR: (length: number, nullable = true): DataType => ({
    kind: 'VARCHAR',
    nullable,
    length: checkLength('VARCHAR', length),
  }),
  STRING: (nullable = true): DataType => ({ kind: 'VARCHAR', nullable, length: MAX_LENGTH }),
  BINARY: (length: number, nullable = true): DataType => ({
    kind: 'BINARY',
    nullable,
    length: checkLength('BINARY', length),
  }),
  VARBINARY: (length: number, nullable = true): DataType => ({
    kind: 'VARBINARY',
    nullable,
    length: checkLength('VARBINARY', length),
  }),
  BYTES: (nullable = true): DataType => ({ kind: 'VARBINARY', nullable, length: MAX_LENGTH }),
  TIME: (precision = 0, nullable = true): DataType => ({
    kind: 'TIME',
    nullable,
    precision: checkPrecision('TIME', precision, 0, 9),
  }),
  TIMESTAMP: (precision = 6, nullable = true): DataType => ({
    kind: 'TIMESTAMP',
    nullable,
    precision: checkPrecision('TIMESTAMP', precision, 0, 9),
  }),
  TIMESTAMP_LTZ: (precision = 6, nullable = true): DataType => ({
    kind: 'TIMESTAMP_LTZ',
    nullable,
    precision: checkPrecision('TIMESTAMP_LTZ', precision, 0, 9),
  }),
  ARRAY: (element: DataType, nullable = true): DataType => ({ kind: 'ARRAY', nullable, element }),
  /** Flink requires (and Arrow's Map layout needs) a NOT NULL key; a nullable key is made NOT NULL. */
  MAP: (key: DataType, value: DataType, nullable = true): DataType => ({
    kind: 'MAP',
    nullable,
    key: withNullable(key, false),
    value,
  }),
  ROW: (fields: readonly RowField[], nullable = true): DataType => {
    const seen = new Set<string>();
    for (const f of fields) {
      if (seen.has(f.name)) throw new Error(`ROW has two fields named '${f.name}'`);
      seen.add(f.name);
    }
    return { kind: 'ROW', nullable, fields: [...fields] };
  },
  FIELD: (name: string, type: DataType): RowField => ({ name, type }),
} as const;

/** The same type with the given nullability. */
export function withNullable<T extends DataType>(t: T, nullable: boolean): T {
  return t.nullable === nullable ? t : { ...t, nullable };
}

/** The same type, NOT NULL. */
export function notNull<T extends DataType>(t: T): T {
  return withNullable(t, false);
}

/** Flink's SQL spelling of a type, e.g. `DECIMAL(10, 2) NOT NULL`, `ARRAY<STRING>`. */
export function typeToString(t: DataType): string {
  const nn = t.nullable ? '' : ' NOT NULL';
  switch (t.kind) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale})${nn}`;
    case 'CHAR':
    case 'BINARY':
      return `${t.kind}(${t.length})${nn}`;
    case 'VARCHAR':
      return (t.length === MAX_LENGTH ? 'STRING' : `VARCHAR(${t.length})`) + nn;
    case 'VARBINARY':
      return (t.length === MAX_LENGTH ? 'BYTES' : `VARBINARY(${t.length})`) + nn;
    case 'TIME':
    case 'TIMESTAMP':
      return `${t.kind}(${t.precision})${nn}`;
    case 'TIMESTAMP_LTZ':
      return `TIMESTAMP_LTZ(${t.precision})${nn}`;
    case 'ARRAY':
      return `ARRAY<${typeToString(t.element)}>${nn}`;
    case 'MAP':
      return `MAP<${typeToString(t.key)}, ${typeToString(t.value)}>${nn}`;
    case 'ROW':
      return `ROW<${t.fields.map((f) => `${quoteName(f.name)} ${typeToString(f.type)}`).join(', ')}>${nn}`;
    default:
      return t.kind + nn;
  }
}

function quoteName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replaceAll('`', '``')}\``;
}

/** Structural equality, nullability included. */
export function typesEqual(a: DataType, b: DataType): boolean {
  return typeToString(a) === typeToString(b);
}

/** True for the fixed-width numeric kinds whose values live in a typed array. */
export function isNumericKind(kind: TypeKind): boolean {
  return (
    kind === 'TINYINT' ||
    kind === 'SMALLINT' ||
    kind === 'INT' ||
    kind === 'BIGINT' ||
    kind === 'FLOAT' ||
    kind === 'DOUBLE'
  );
}

/** True for CHAR / VARCHAR / STRING. */
export function isStringKind(kind: TypeKind): boolean {
  return kind === 'CHAR' || kind === 'VARCHAR';
}
