/**
 * The generated CDN logs as CSV (for the streaming-input demo: `… | vecudf run --input -`), through
 * the CSV sink: header `uuid,client_ip,request_time,response_size,uri,event_ts`, timestamps as
 * `2024-06-01 00:00:00.020`, a null client_ip as an empty field and an empty one as `""`.
 *
 * Run: `npx tsx examples/cdn/generate-csv.ts [--rows N] [--seed S] [out.csv | -]` (default: stdout).
 *
 * @example
 * await writeCdnLogCsv('out/logs.csv', { rows: 100_000, seed: 42 });
 */
import { pathToFileURL } from 'node:url';
import { CsvSink } from '../../src/sink/csv.js';
import { type CdnLogOptions, cdnLogStream } from './generate.js';

/** Writes the rows to a CSV file, or to stdout for `-`; resolves to the number of rows written. */
export async function writeCdnLogCsv(target: string, opts: CdnLogOptions): Promise<number> {
  const sink = target === '-' ? CsvSink.toStream(process.stdout, {}, 'stdout') : await CsvSink.open(target);
  let rows = 0;
  try {
    for await (const batch of cdnLogStream(opts)) {
      await sink.write(batch);
      rows += batch.numRows;
    }
  } finally {
    await sink.close();
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const [value] = args.splice(i, 2).slice(1);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new RangeError(`${name} needs a non-negative integer, got '${value}'`);
    return n;
  };
  const rows = option('--rows', 1_000_000);
  const seed = option('--seed', 42);
  const target = args[0] ?? '-';
  try {
    const written = await writeCdnLogCsv(target, { rows, seed });
    if (target !== '-') console.error(`wrote ${written} rows to ${target}`);
  } catch (e) {
    // A reader that stops early (`| head`) closes the pipe: that is not an error here.
    if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
  }
}
