/**
 * `vecudf inspect <file>`: decodes an Arrow IPC stream or file (told apart by the `ARROW1` magic)
 * and prints its schema — each column with its vecudf DataType, or its Arrow type when it has
 * none — and the row count of each batch. Malformed or unsupported input gives one line
 * `error: …` on stderr and exit code 1; the decoder never trusts a length field beyond the file.
 *
 * @example
 * $ vecudf inspect data.arrow
 * format: Arrow IPC file, 1,234 bytes
 * columns: 2
 *   id     BIGINT NOT NULL
 *   flags  Uint8 (Arrow type; no vecudf DataType)
 * batches: 1
 *   batch 0: 17 rows
 * rows: 17
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { decodeIpc } from '../codec/ipc-reader.js';
import { fromArrowField, UnsupportedTypeError } from '../types/arrow-mapping.js';
import { typeToString } from '../types/data-types.js';

const fmt = (n: number) => n.toLocaleString('en-US');

/** The report `inspect` prints for the bytes of an Arrow IPC stream or file. */
export function inspectBytes(bytes: Uint8Array): string {
  const { format, schema, batches } = decodeIpc(bytes);
  const lines = [
    `format: Arrow IPC ${format}, ${fmt(bytes.length)} bytes`,
    `columns: ${schema.fields.length}`,
  ];
  const width = Math.max(0, ...schema.fields.map((f) => f.name.length));
  for (const f of schema.fields) {
    let type: string;
    try {
      type = typeToString(fromArrowField(f));
    } catch (e) {
      if (!(e instanceof UnsupportedTypeError)) throw e;
      type = `${String(f.type)} (Arrow type; no vecudf DataType)`;
    }
    lines.push(`  ${f.name.padEnd(width)}  ${type}`);
  }
  lines.push(`batches: ${batches.length}`);
  batches.forEach((b, i) => {
    lines.push(`  batch ${i}: ${fmt(b.numRows)} rows`);
  });
  lines.push(`rows: ${fmt(batches.reduce((n, b) => n + b.numRows, 0))}`);
  return `${lines.join('\n')}\n`;
}

/** One line, whatever the error: its message without stack or line breaks. */
function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s*\n\s*/g, ' ').trim() || 'unknown error';
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('print the schema and batch row counts of an Arrow IPC stream or file')
    .argument('<file>', 'Arrow IPC stream or file (.arrow, .arrows, .stream, .feather v2)')
    .action((file: string) => {
      try {
        const bytes = fs.readFileSync(file);
        process.stdout.write(inspectBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
      } catch (e) {
        process.stderr.write(`error: ${file}: ${oneLine(e)}\n`);
        process.exitCode = 1;
      }
    });
}
