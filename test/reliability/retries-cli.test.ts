/**
 * `vecudf run --retries 1`: the CLI's worker is killed (SIGKILL) once the first results are out;
 * the command starts a new worker, re-sends the lost bundles and exits 0 with every row once, in
 * input order.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Table, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { numbered, PROCESS_UDFS } from './process-support.js';

describe('vecudf run --retries', () => {
  it('survives its worker being killed mid-run: every row once, in order, exit code 0', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const dir = mkdtempSync(join(tmpdir(), 'vecudf-retries-'));
    try {
      const input = join(dir, 'in.arrow');
      writeFileSync(input, tableToIPC(new Table(numbered(20_000, 5_000)), 'file'));
      const child = spawn(
        process.execPath,
        [
          '--import',
          tsx,
          join(root, 'src/cli/main.ts'),
          'run',
          '--udf',
          `${PROCESS_UDFS}#slow`,
          '--input',
          input,
          '--columns',
          'x',
          '--output',
          '-',
          '--batch-size',
          '1000',
          '--bundle-size',
          '5000',
          '--threads',
          '1',
          '--retries',
          '1',
        ],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      let killed: number | undefined;
      child.stderr!.on('data', (b: Buffer) => {
        stderr += b;
      });
      child.stdout!.on('data', (b: Buffer) => {
        stdout += b;
        if (killed !== undefined) return;
        // the first results are out: kill the worker (the run's only child) under the next bundles
        const pids = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).split('\n');
        killed = Number(pids[0]);
        process.kill(killed, 'SIGKILL');
      });
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      expect(killed, stderr).toBeGreaterThan(0);
      expect(code, stderr).toBe(0);
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toBe('i,x,result');
      const rows = lines.slice(1).map((l) => l.split(',').map(Number));
      expect(rows).toHaveLength(20_000);
      rows.forEach(([i, , r], k) => {
        if (i !== k || r !== k / 2) throw new Error(`row ${k}: ${lines[k + 1]}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
