/**
 * Writes a seeded Arrow file for `vecudf run` tests and benchmarks: columns `a`, `b` (DOUBLE) and
 * `s` (STRING), in batches of 65,536 rows as writers commonly make them.
 *
 * @example
 * writeInputFile('/tmp/in.arrow', 1_000_000, 1);
 * // or from a shell: npx tsx test/helpers/input-file.ts 1000000 /tmp/in.arrow
 */
import { writeFileSync } from 'node:fs';
import { RecordBatchFileWriter, RecordBatchStreamWriter } from 'apache-arrow';
import { DataTypes as T } from '../../src/types/data-types.js';
import { genBatches } from './gen-batches.js';

export function writeInputFile(path: string, rows: number, seed = 1): void {
  const batches = genBatches({
    rows,
    batchRows: 65_536,
    seed,
    columns: [
      { name: 'a', type: T.DOUBLE() },
      { name: 'b', type: T.DOUBLE() },
      { name: 's', type: T.STRING() },
    ],
  });
  const Writer = path.endsWith('.arrows') ? RecordBatchStreamWriter : RecordBatchFileWriter;
  writeFileSync(path, Writer.writeAll(batches).toUint8Array(true));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  writeInputFile(process.argv[3] ?? 'input.arrow', Number(process.argv[2] ?? 100_000));
}
