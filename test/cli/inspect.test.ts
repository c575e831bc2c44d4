/**
 * `vecudf inspect` through the built CLI (`npm run build`, then `node dist/src/cli/main.js`), on
 * golden files and on malformed files written to a temp dir.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectBytes } from '../../src/cli/inspect.js';
import { GOLDEN_DIR } from '../golden/arrow-json.js';

const ROOT = process.cwd();
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
let tmp = '';

beforeAll(() => {
  // tsc emits even when another part of the tree does not type-check yet; what matters is the JS
  try {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  } catch {
    // type errors elsewhere: the emitted files are still there
  }
  expect(fs.existsSync(path.join(ROOT, 'dist/src/cli/inspect.js'))).toBe(true);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecudf-inspect-'));
}, 180_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function run(file: string) {
  const r = spawnSync(process.execPath, [CLI, 'inspect', file], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

function write(name: string, bytes: Uint8Array): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, bytes);
  return p;
}

const golden = (name: string) =>
  new Uint8Array(fs.readFileSync(path.join(GOLDEN_DIR, `generated_${name}.stream`)));

describe('vecudf inspect', () => {
  it('prints the schema with DataTypes and the rows of each batch of a stream', () => {
    const r = run(path.join(GOLDEN_DIR, 'generated_primitive.stream'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^format: Arrow IPC stream, 20,280 bytes\ncolumns: 30\n/);
    expect(r.stdout).toMatch(/\n {2}bool_nonnullable +BOOLEAN NOT NULL\n/);
    expect(r.stdout).toMatch(/\n {2}int64_nullable +BIGINT\n/);
    expect(r.stdout).toMatch(/\n {2}uint32_nullable +Uint32 \(Arrow type; no vecudf DataType\)\n/);
    expect(r.stdout).toMatch(/\n {2}fixedsizebinary_19_nullable +BINARY\(19\)\n/);
    expect(r.stdout).toMatch(/\nbatches: 2\n {2}batch 0: 17 rows\n {2}batch 1: 20 rows\nrows: 37\n$/);
  });

  it('reads an Arrow file (ARROW1 magic) through its footer', () => {
    const table = arrow.tableFromIPC(golden('datetime'));
    const file = write('datetime.arrow', arrow.tableToIPC(table, 'file'));
    const r = run(file);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^format: Arrow IPC file, /);
    expect(r.stdout).toMatch(/\n {2}f1 +Date64<MILLISECOND> \(Arrow type; no vecudf DataType\)\n/);
    expect(r.stdout).toMatch(/\n {2}f13 +TIMESTAMP_LTZ\(6\)\n/);
    expect(r.stdout).toMatch(/\nbatches: 2\n {2}batch 0: 7 rows\n {2}batch 1: 10 rows\nrows: 17\n$/);
  });

  it('reports an empty stream (schema, no batches)', () => {
    expect(inspectBytes(golden('primitive_no_batches'))).toMatch(/\nbatches: 0\nrows: 0\n$/);
  });

  const stream = () => golden('nested');
  const malformed: [string, () => Uint8Array, RegExp][] = [
    ['empty.arrows', () => new Uint8Array(0), /empty input/],
    ['truncated.arrows', () => stream().slice(0, 1000), /truncated|runs past the end/],
    [
      'random.arrows',
      () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24),
      /continuation marker|metadata/,
    ],
    [
      'lying-metadata.arrows',
      () => {
        const b = stream();
        new DataView(b.buffer).setInt32(4, 0x7ffffff0, true);
        return b;
      },
      /metadata length 2147483632 runs past the end/,
    ],
    [
      'lying-body.arrows',
      () => {
        // the body length of the first record batch message, set far beyond the file
        const b = stream();
        const dv = new DataView(b.buffer);
        const schemaLen = dv.getInt32(4, true);
        const rb = 8 + schemaLen;
        const meta = arrow.Message.decode(b.subarray(rb + 8, rb + 8 + dv.getInt32(rb + 4, true)));
        const want = BigInt(meta.bodyLength);
        for (let p = rb + 8; p < rb + 8 + 200; p += 8) {
          if (dv.getBigInt64(p, true) === want) {
            dv.setBigInt64(p, 1n << 40n, true);
            return b;
          }
        }
        throw new Error('body length field not found');
      },
      /body length 1099511627776 runs past the end/,
    ],
    [
      'wrong-magic.arrow',
      () => Uint8Array.from([...Buffer.from('ARROW1\0\0'), ...stream(), ...Buffer.from('ARROW2')]),
      /missing ARROW1 magic at the end/,
    ],
    [
      'bad-footer.arrow',
      () => {
        const f = arrow.tableToIPC(arrow.tableFromIPC(stream()), 'file');
        new DataView(f.buffer, f.byteOffset).setInt32(f.length - 10, 0x40000000, true);
        return f;
      },
      /footer length 1073741824 does not fit/,
    ],
  ];

  it.each(malformed)('%s: one `error:` line on stderr, exit code 1', (name, bytes, re) => {
    const r = run(write(name, bytes()));
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(re);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('fails cleanly on a missing file and on a directory', () => {
    for (const p of [path.join(tmp, 'does-not-exist.arrow'), tmp]) {
      const r = run(p);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: .*\n$/);
      expect(r.stderr.trim().split('\n').length).toBe(1);
    }
  });
});
