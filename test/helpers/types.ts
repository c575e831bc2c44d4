/**
 * One column of every DataType the runner path supports, for tests that push all of them
 * through the worker and back.
 */
import { DataTypes as T } from '../../src/types/data-types.js';
import type { GenColumn } from './gen-batches.js';

export const EVERY_TYPE: GenColumn[] = [
  { name: 'tiny', type: T.TINYINT(), nullRate: 0.1 },
  { name: 'small', type: T.SMALLINT(), nullRate: 0.1 },
  { name: 'int', type: T.INT(), nullRate: 0.1 },
  { name: 'big', type: T.BIGINT(), nullRate: 0.1 },
  { name: 'float', type: T.FLOAT(), nullRate: 0.1 },
  { name: 'double', type: T.DOUBLE(), nullRate: 0.1 },
  { name: 'bool', type: T.BOOLEAN(), nullRate: 0.1 },
  { name: 'str', type: T.STRING(), nullRate: 0.1 },
  { name: 'vchar', type: T.VARCHAR(20), nullRate: 0.1 },
  { name: 'bytes', type: T.BYTES(), nullRate: 0.1 },
  { name: 'bin', type: T.BINARY(5), nullRate: 0.1 },
  { name: 'dec', type: T.DECIMAL(12, 3), nullRate: 0.1 },
  { name: 'dec38', type: T.DECIMAL(38, 18), nullRate: 0.1 },
  { name: 'date', type: T.DATE(), nullRate: 0.1 },
  { name: 'time', type: T.TIME(3), nullRate: 0.1 },
  { name: 'ts', type: T.TIMESTAMP(3), nullRate: 0.1 },
  { name: 'ts6', type: T.TIMESTAMP(6), nullRate: 0.1 },
  { name: 'ltz', type: T.TIMESTAMP_LTZ(3), nullRate: 0.1 },
  { name: 'arr', type: T.ARRAY(T.INT()), nullRate: 0.1 },
  { name: 'arrs', type: T.ARRAY(T.STRING()), nullRate: 0.1 },
  { name: 'map', type: T.MAP(T.STRING(false), T.BIGINT()), nullRate: 0.1 },
  { name: 'row', type: T.ROW([T.FIELD('x', T.INT()), T.FIELD('y', T.STRING())]), nullRate: 0.1 },
  { name: 'nn', type: T.INT(false) },
];
