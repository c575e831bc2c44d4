/**
 * `vecudf run` and where its worker comes from: a child process that loads UDFs only from the
 * `--udf-root` directories, or a running `vecudf worker-pool` (`--worker-pool`, Beam's EXTERNAL
 * environment); and who may connect: binding beyond loopback needs TLS and a token.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIpc } from '../../src/codec/ipc-reader.js';
import { columnValues } from '../helpers/gen-batches.js';
import { writeInputFile } from '../helpers/input-file.js';
import { cliMain, projectRoot, tsxLoader, vecudf } from '../helpers/vecudf-cli.js';

const root = projectRoot;
const main = cliMain;
const tsx = tsxLoader;
const UDFS = join(root, 'test', 'helpers', 'udfs.ts');

const read = (path: string) => decodeIpc(readFileSync(path)).batches;

let dir: string;
let input: string;
let pool: ChildProcess | undefined;
let poolAddress: Promise<string>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vecudf-run-worker-'));
  input = join(dir, 'in.arrow');
  writeInputFile(input, 30_000, 5);
  // A pool on any free port; it prints the address it listens on.
  pool = spawn(process.execPath, ['--import', tsx, main, 'worker-pool', '--port=0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let said = '';
  poolAddress = new Promise((resolve, reject) => {
    pool!.stdout!.on('data', (b) => {
      said += b;
      const m = /listening on (\S+)/.exec(said);
      if (m) resolve(m[1]!);
    });
    pool!.on('exit', (code) => reject(new Error(`the worker pool exited (${code}): ${said}`)));
  });
  poolAddress.catch(() => {});
});
afterAll(() => {
  pool?.kill('SIGKILL');
});

describe('vecudf run: the worker', () => {
  it('loads the UDF from a --udf-root directory, and only from there', async () => {
    // A plain function in a module outside the working directory (the worker's default root).
    const elsewhere = mkdtempSync(join(tmpdir(), 'vecudf-udf-root-'));
    const udf = join(elsewhere, 'triple.mjs'); // .mjs: no package.json out there says "module"
    copyFileSync(join(root, 'test', 'fixtures', 'udfs', 'plain.js'), udf);
    const args = (out: string) => [
      'run',
      '--udf',
      udf,
      '--kind',
      'vectorized',
      '--result-type',
      'DOUBLE',
      '--input',
      input,
      '--columns',
      'a',
      '--output',
      join(dir, out),
    ];
    const [refused, allowed] = await Promise.all([
      vecudf(...args('refused.arrow')),
      vecudf(...args('allowed.arrow'), '--udf-root', elsewhere),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: .*is outside the allowed directories/m);
    expect(allowed.stderr).toMatch(/^30,?000 rows in \d+ batches \(vectorized, through the worker\)/);
    expect(allowed.code).toBe(0);
    const out = read(join(dir, 'allowed.arrow'));
    const a = columnValues(out, 'a') as (number | null)[];
    expect(columnValues(out, 'result')).toEqual(a.map((x) => (x === null ? null : 3 * x)));
  });

  it('is started by a worker pool with --worker-pool, with the same results as a child worker', async () => {
    const address = await poolAddress;
    const common = ['--udf', `${UDFS}#plus`, '--input', input, '--columns', 'a,b'];
    const [viaPool, child] = await Promise.all([
      vecudf('run', ...common, '--worker-pool', address, '--output', join(dir, 'pool.arrow')),
      vecudf('run', ...common, '--output', join(dir, 'child.arrow')),
    ]);
    expect(viaPool.stderr).toMatch(/^30,?000 rows in \d+ batches \(vectorized, through the worker\)/);
    expect(viaPool.code).toBe(0);
    expect(child.code).toBe(0);
    const p = read(join(dir, 'pool.arrow'));
    expect(columnValues(p, 'result')).toEqual(columnValues(read(join(dir, 'child.arrow')), 'result'));
    expect(columnValues(p, 'result')).toHaveLength(30_000);
  });

  it('fails with one clear line when no pool listens at --worker-pool', async () => {
    const r = await vecudf(
      'run',
      '--udf',
      `${UDFS}#plus`,
      '--input',
      input,
      '--columns',
      'a,b',
      '--worker-pool',
      '127.0.0.1:1',
      '--start-timeout-ms',
      '1500',
      '--output',
      join(dir, 'nopool.arrow'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: cannot start worker \S+ on the pool at 127\.0\.0\.1:1: /);
  });
});

describe('vecudf run: who may connect', () => {
  it('refuses to bind beyond loopback without TLS and a token, and a token without TLS', async () => {
    const common = ['run', '--udf', `${UDFS}#plus`, '--input', input, '--columns', 'a,b', '--output'];
    const token = join(dir, 'token');
    writeFileSync(token, 'a-token-long-enough-1234\n');
    const [open, plainToken] = await Promise.all([
      vecudf(...common, join(dir, 'open.arrow'), '--bind', '0.0.0.0'),
      vecudf(...common, join(dir, 'token.arrow'), '--token-file', token),
    ]);
    expect(open.code).toBe(1);
    expect(open.stderr.trim()).toBe(
      'error: the runner: binding 0.0.0.0 lets other machines connect, which needs TLS (--tls-cert and --tls-key) and a token (--token-file or VECUDF_TOKEN)',
    );
    expect(plainToken.code).toBe(1);
    expect(plainToken.stderr).toMatch(/^error: a token needs TLS/);
  });
});
