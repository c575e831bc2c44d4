/**
 * The command line refuses unsafe access settings before it serves or connects anything:
 * `vecudf worker-pool --host 0.0.0.0` without TLS and a token, a token without TLS.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, type TestCerts } from './tls-certs.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function vecudf(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const { VECUDF_TOKEN: _drop, ...base } = process.env;
    const p = spawn(process.execPath, ['--import', tsx, join(root, 'src', 'cli', 'main.ts'), ...args], {
      cwd: root,
      env: { ...base, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr.on('data', (b) => (stderr += b));
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stderr });
    });
  });
}

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs?.cleanup());

describe('vecudf worker-pool and worker refuse unsafe access settings', () => {
  it('exits 1 with the reason', async () => {
    const tls = [`--tls-cert=${certs.cert}`, `--tls-key=${certs.key}`];
    const [open, noToken, tokenOnly, workerToken] = await Promise.all([
      vecudf(['worker-pool', '--port=0', '--host=0.0.0.0']),
      vecudf(['worker-pool', '--port=0', '--host=0.0.0.0', ...tls]),
      vecudf(['worker-pool', '--port=0', `--token-file=${certs.tokenFile}`]),
      vecudf(['worker', '--id=w', '--control_endpoint=localhost:1'], { VECUDF_TOKEN: certs.token }),
    ]);
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(
      /^error: vecudf worker-pool: binding 0\.0\.0\.0 lets other machines connect, which needs TLS \(--tls-cert and --tls-key\) and a token/m,
    );
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/which needs a token \(--token-file or VECUDF_TOKEN\)/);
    expect(tokenOnly.code).toBe(1);
    expect(tokenOnly.stderr).toMatch(/a token needs TLS/);
    expect(workerToken.code).toBe(1);
    expect(workerToken.stderr).toMatch(/^vecudf worker w: a token needs TLS/m);
  });
});
