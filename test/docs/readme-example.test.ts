/**
 * The README's example cannot rot: its code block is examples/quickstart/speed.ts verbatim, the
 * input file it runs on is what examples/quickstart/make-requests.ts writes, its `vecudf run`
 * command works through the built CLI and gives the speeds the comment promises. (Links:
 * links.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestsFile } from '../../examples/quickstart/make-requests.js';
import { builtCli } from '../harness/built-cli.js';
import { codeBlocks, ROOT, readRepoFile, shellCommands, words } from './markdown.js';

const readme = readRepoFile('README.md');
const blocks = codeBlocks(readme);

describe('README.md', () => {
  let cli: string[] = [];
  let tmp = '';
  beforeAll(() => {
    cli = builtCli();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecudf-readme-'));
  }, 180_000);
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows examples/quickstart/speed.ts verbatim, and only file-backed code', () => {
    const code = blocks.filter((b) => b.lang === 'ts' || b.lang === 'js');
    expect(code.map((b) => b.file)).toEqual(['examples/quickstart/speed.ts']);
    expect(code[0]!.code).toBe(readRepoFile('examples/quickstart/speed.ts'));
    expect(code[0]!.code.split('\n').length).toBeLessThanOrEqual(12);
  });

  it('ships the input file that make-requests.ts writes', () => {
    const shipped = fs.readFileSync(path.join(ROOT, 'examples/quickstart/requests.arrow'));
    expect(Buffer.compare(shipped, Buffer.from(requestsFile()))).toBe(0);
  });

  it('runs its `vecudf run` command through the worker: result = bytes / ms / 1000', () => {
    const commands = blocks.filter((b) => b.lang === 'sh').flatMap((b) => shellCommands(b.code));
    const command = commands.find((c) => c.includes(' run --udf examples/quickstart/speed.ts#mbPerSecond'));
    expect(command).toBeDefined();
    const w = words(command!);
    expect(w.slice(0, 2)).toEqual(['node', 'dist/src/cli/main.js']);
    const args = w.slice(2);
    const out = args.indexOf('--output') + 1;
    args[out] = path.join(tmp, args[out]!);
    const [cmd, ...prefix] = cli;
    const r = spawnSync(cmd!, [...prefix, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^1000 rows in 1 batches \(vectorized, through the worker\)/);
    const t = arrow.tableFromIPC(fs.readFileSync(args[out]!));
    expect(t.schema.names).toEqual(['uri', 'response_size', 'request_time', 'result']);
    const bytes = t.getChild('response_size')!.toArray() as BigInt64Array;
    const ms = t.getChild('request_time')!.toArray() as BigInt64Array;
    const result = t.getChild('result')!.toArray() as Float64Array;
    for (let i = 0; i < t.numRows; i++) expect(result[i]).toBe(Number(bytes[i]) / Number(ms[i]) / 1000);
  });

  it('names the two commands', () => {
    const commands = blocks.filter((b) => b.lang === 'sh').flatMap((b) => shellCommands(b.code));
    expect(commands).toContain('npm ci && npm start');
    expect(commands).toContain('npm ci && npm test');
    const pkg = JSON.parse(readRepoFile('package.json'));
    expect(pkg.scripts.start).toBe('node dist/src/cli/main.js demo');
  });
});
