/**
 * Writes `requests.arrow`, the input of the quickstart: 1,000 rows of the CDN example's logs
 * (seed 7), columns uri, response_size (bytes) and request_time (ms), as an Arrow IPC file.
 * A test checks that the shipped file is exactly this script's output.
 *
 * @example
 * npx tsx examples/quickstart/make-requests.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { cdnLogTable } from '../cdn/generate.js';

/** The bytes of `requests.arrow`. */
export function requestsFile(): Uint8Array {
  const logs = cdnLogTable({ rows: 1_000, seed: 7 });
  return arrow.tableToIPC(logs.select(['uri', 'response_size', 'request_time']), 'file');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL('./requests.arrow', import.meta.url), requestsFile());
}
