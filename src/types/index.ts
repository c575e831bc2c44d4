/** Types: Flink's DataTypes, their Arrow mapping, and the type-string parser. */
export * from './arrow-mapping.js';
export * from './data-types.js';
export * from './parse.js';
