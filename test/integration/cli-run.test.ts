/**
 * `vecudf run` as a user runs it (a separate node process): the full path (runner → gRPC →
 * worker process) in both modes and the in-process path give identical files; bad arguments and
 * failures end with a one-line `error: …` and exit code 1.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { registerRun } from '../../src/cli/run.js';
import { decodeIpc } from '../../src/codec/ipc-reader.js';
import { columnValues } from '../helpers/gen-batches.js';
import { writeInputFile } from '../helpers/input-file.js';
import { projectRoot, vecudf } from '../helpers/vecudf-cli.js';

const root = projectRoot;
const UDFS = join(root, 'test', 'helpers', 'udfs.ts');

/** The command in this process (faster than a spawn), with its stderr and exit code captured. */
async function inProcessCli(...args: string[]): Promise<{ code: number; stderr: string }> {
  const program = new Command()
    .exitOverride()
    .configureOutput({ writeErr: (t) => (stderr += t), writeOut: () => {} });
  registerRun(program);
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((t: string | Uint8Array) => {
    stderr += String(t);
    return true;
  });
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'vecudf', ...args]);
    return { code: process.exitCode ?? 0, stderr };
  } catch (e) {
    return { code: (e as { exitCode?: number }).exitCode ?? 1, stderr };
  } finally {
    spy.mockRestore();
    process.exitCode = before;
  }
}

let dir: string;
let input: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vecudf-run-'));
  input = join(dir, 'in.arrow');
  writeInputFile(input, 150_000, 3);
});

function read(path: string) {
  return decodeIpc(readFileSync(path)).batches;
}

describe('vecudf run', () => {
  it('gives identical results through the worker (vectorized and row-wise) and in process', async () => {
    const out = (n: string) => join(dir, `${n}.arrow`);
    const stats = (n: string) => join(dir, `${n}.json`);
    const common = ['--input', input, '--columns', 'a,b', '--batch-size', '20000'];
    const [vec, row, inproc] = await Promise.all([
      vecudf('run', '--udf', `${UDFS}#plus`, ...common, '--output', out('vec'), '--stats', stats('vec')),
      vecudf('run', '--udf', `${UDFS}#plusRow`, ...common, '--output', out('row'), '--stats', stats('row')),
      vecudf(
        'run',
        '--udf',
        `${UDFS}#plus`,
        ...common,
        '--output',
        out('inproc'),
        '--in-process',
        '--stats',
        stats('inproc'),
      ),
    ]);
    for (const r of [vec, row, inproc]) {
      expect(r.stderr).not.toMatch(/error/);
      expect(r.code).toBe(0);
    }
    const v = read(out('vec'));
    expect(v[0]!.schema.fields.map((f) => f.name)).toEqual(['a', 'b', 's', 'result']);
    const a = columnValues(v, 'a') as number[];
    const b = columnValues(v, 'b') as number[];
    expect(columnValues(v, 'result')).toEqual(a.map((x, i) => x + b[i]!));
    for (const other of [read(out('row')), read(out('inproc'))]) {
      for (const c of ['a', 'b', 's', 'result']) expect(columnValues(other, c)).toEqual(columnValues(v, c));
    }
    const sv = JSON.parse(readFileSync(stats('vec'), 'utf8'));
    expect(sv).toMatchObject({ rows: 150_000, batches: 8, mode: 'vectorized', path: 'grpc' });
    expect(sv.elapsedMs).toBeGreaterThan(0);
    expect(sv.udfMs).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(stats('row'), 'utf8'))).toMatchObject({
      rows: 150_000,
      mode: 'row',
      path: 'grpc',
    });
    expect(JSON.parse(readFileSync(stats('inproc'), 'utf8'))).toMatchObject({
      rows: 150_000,
      path: 'in-process',
    });
  });

  it('runs a plain function given its kind and result type', async () => {
    const out = join(dir, 'same.arrow');
    const r = await inProcessCli(
      'run',
      '--udf',
      `${UDFS}#same`,
      '--kind',
      'row',
      '--result-type',
      'STRING',
      '--input',
      input,
      '--columns',
      's',
      '--output',
      out,
      '--in-process',
    );
    expect(r.code).toBe(0);
    const o = read(out);
    expect(columnValues(o, 'result')).toEqual(columnValues(o, 's'));
  });

  it('ends bad arguments and failures with one error line and exit code 1', async () => {
    const missing = await inProcessCli('run', '--input', input, '--output', join(dir, 'x.arrow'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: required option '--udf <file#export>' not specified/m);
    const column = await inProcessCli(
      'run',
      '--udf',
      `${UDFS}#plus`,
      '--input',
      input,
      '--columns',
      'a,zz',
      '--output',
      join(dir, 'x.arrow'),
      '--in-process',
    );
    expect(column.code).toBe(1);
    expect(column.stderr.trim()).toBe("error: --columns: no input column 'zz' (columns: a, b, s)");
    const udf = await inProcessCli(
      'run',
      '--udf',
      `${UDFS}#nope`,
      '--input',
      input,
      '--columns',
      'a',
      '--output',
      join(dir, 'x.arrow'),
      '--in-process',
    );
    expect(udf.code).toBe(1);
    expect(udf.stderr).toMatch(/^error: UDF module .* has no export 'nope'/);
    expect(udf.stderr.trim().split('\n')).toHaveLength(1);
    const kind = await inProcessCli(
      'run',
      '--udf',
      `${UDFS}#plus`,
      '--kind',
      'banana',
      '--input',
      input,
      '--output',
      join(dir, 'x.arrow'),
    );
    expect(kind.code).toBe(1);
    expect(kind.stderr).toMatch(/^error: option '--kind <kind>' argument 'banana' is invalid/m);
    const file = await inProcessCli(
      'run',
      '--udf',
      `${UDFS}#plus`,
      '--input',
      join(dir, 'none.arrow'),
      '--output',
      join(dir, 'x.arrow'),
    );
    expect(file.code).toBe(1);
    expect(file.stderr).toMatch(/^error: .*none\.arrow/);
  });
});
