/**
 * vecudf's public API. Everything a UDF author imports comes from here:
 *
 * @example
 * import { vectorizedUdf, DataTypes as T } from 'vecudf';
 * export const plus = vectorizedUdf((a, b) => a.add(b),
 *   { inputTypes: [T.DOUBLE(), T.DOUBLE()], resultType: T.DOUBLE() });
 */

export * from './codec/index.js';
export * from './exec/public.js';
export { type Access, type AccessOptions, loadAccess } from './proto/access.js';
export * from './runner/index.js';
export { fromDanfo, loadDanfo, toDanfo } from './series/danfo.js';
export { type AggName, type AggSpec, type ColumnInput, DataFrame, GroupBy } from './series/dataframe.js';
export { DateMethods, Series, StringMethods } from './series/series.js';
export * from './sink/index.js';
export * from './types/index.js';
export { HEAP_GROWING_PERCENT, tuneHeapForDataPlane } from './util/heap-tuning.js';
