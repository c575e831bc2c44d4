/**
 * Starts a throwaway MariaDB server for tests: a temp data directory initialised by
 * `mariadb-install-db`, `mariadbd` on 127.0.0.1 and a free port, run as the current user; `stop()`
 * shuts it down and deletes the directory. Debian's `mariadb-server` package provides both
 * binaries (.ci/run installs it when missing).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

/** Path of an executable on PATH or in the sbin directories, where Debian puts mariadbd. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    const p = join(d, name);
    if (d && existsSync(p)) return p;
  }
  return undefined;
}

export const mariadbBinaries = {
  server: findBinary('mariadbd') ?? findBinary('mysqld'),
  installDb: findBinary('mariadb-install-db') ?? findBinary('mysql_install_db'),
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface MariaDbServer {
  port: number;
  /** Root connection options (no password, over TCP). */
  root: mysql.ConnectionOptions;
  stop(): Promise<void>;
}

export async function startMariaDb(): Promise<MariaDbServer> {
  const { server, installDb } = mariadbBinaries;
  if (!server || !installDb) throw new Error('mariadbd / mariadb-install-db not found');
  const dir = mkdtempSync(join(tmpdir(), 'vecudf-mariadb-'));
  const data = join(dir, 'data');
  const user = userInfo().username;
  await promisify(execFile)(installDb, [
    '--no-defaults',
    `--datadir=${data}`,
    `--user=${user}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const port = await freePort();
  const child: ChildProcess = spawn(
    server,
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'sock')}`,
      `--pid-file=${join(dir, 'pid')}`,
      `--log-error=${join(dir, 'error.log')}`,
      `--user=${user}`,
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=16M',
    ],
    { stdio: 'ignore' },
  );
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const root: mysql.ConnectionOptions = { host: '127.0.0.1', port, user: 'root', password: '' };
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exit;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Wait until it accepts connections (bounded: 30 s).
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
      await stop();
      throw new Error(`mariadbd exited at start:\n${log.slice(-2000)}`);
    }
    try {
      const conn = await mysql.createConnection(root);
      await conn.end();
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`mariadbd did not accept connections within 30 s: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { port, root, stop };
}
