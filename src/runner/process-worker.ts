/**
 * PROCESS environment: starts `vecudf worker --id=<id> --provision_endpoint=localhost:<port>` as
 * a child process (Beam's ProcessEnvironmentFactory passes exactly these two), with
 * `TABLE_LOCAL_TIME_ZONE` in its environment as Flink sets it, and waits for its Control stream.
 *
 * Fails clearly (exit code and the last lines the process printed) if the process exits or does
 * not connect in time; on close it ends the worker's streams, waits for it to exit, then
 * SIGTERMs and SIGKILLs it if needed. Children still running when this process exits are killed.
 *
 * @example
 * const w = await startProcessWorker(servers, 'w1', { timeZone: 'Europe/Paris' });
 * … w.connection …
 * await w.close();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { accessArgs, accessEnv } from '../proto/access.js';
import type { RunnerServers } from './servers.js';
import { type WorkerConnection, WorkerGoneError } from './worker-connection.js';

export interface WorkerHandle {
  readonly id: string;
  readonly connection: WorkerConnection;
  /** Process id of a PROCESS worker. */
  readonly pid?: number | undefined;
  /** Stops the worker and waits until it is gone. */
  close(): Promise<void>;
}

export interface ProcessWorkerOptions {
  /**
   * Command that runs the `vecudf` CLI, before its arguments. Default: `node dist/src/cli/main.js`
   * next to this module when built, or `node --import tsx src/cli/main.ts` when run from source.
   */
  command?: readonly string[];
  /** Extra arguments after `worker --id … --provision_endpoint …`. */
  args?: readonly string[];
  /** Environment of the worker (default: this process's), plus TABLE_LOCAL_TIME_ZONE. */
  env?: Record<string, string | undefined>;
  /** Session time zone for TIMESTAMP_LTZ (default: TABLE_LOCAL_TIME_ZONE of this process, else the system zone). */
  timeZone?: string;
  /** How long to wait for the worker's Control stream (default 30 s). */
  startTimeoutMs?: number;
  /** Receives the worker's stdout/stderr lines (they are also kept for error messages). */
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The command that runs the vecudf CLI from this installation. */
export function defaultCliCommand(): string[] {
  // src/runner → project root (source) or dist/src/runner → dist/src/cli (built).
  const built = join(here, '..', 'cli', 'main.js');
  if (import.meta.url.endsWith('.js') && existsSync(built)) return [process.execPath, built];
  const source = join(here, '..', 'cli', 'main.ts');
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [process.execPath, '--import', tsx, source];
}

/** The session time zone the worker gets. */
export function defaultTimeZone(): string {
  return process.env.TABLE_LOCAL_TIME_ZONE || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** Keeps the last lines a process printed. */
class Tail {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly max: number) {}
  push(chunk: string, each: (line: string) => void): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const l of parts) {
      each(l);
      this.lines.push(l);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }
  text(): string {
    return [...this.lines, this.partial].filter((l) => l.length > 0).join('\n');
  }
}

export async function startProcessWorker(
  servers: RunnerServers,
  id: string,
  opts: ProcessWorkerOptions = {},
  pipelineOptions: Record<string, unknown> = {},
): Promise<WorkerHandle> {
  const conn = servers.expectWorker(id, { pipelineOptions });
  const [cmd, ...prefix] = opts.command ?? defaultCliCommand();
  const args = [
    ...prefix,
    'worker',
    `--id=${id}`,
    `--provision_endpoint=localhost:${servers.controlPort}`,
    // The runner's TLS files (token in the environment, off the process list) and UDF roots.
    ...accessArgs(servers.access),
    ...(servers.workerUdfRoots ?? []).map((d) => `--udf-root=${d}`),
    ...(opts.args ?? []),
  ];
  const env = {
    ...accessEnv(opts.env ?? process.env, servers.access),
    TABLE_LOCAL_TIME_ZONE: opts.timeZone ?? defaultTimeZone(),
  };
  const child = spawn(cmd!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  installExitHook();
  live.add(child);
  const tail = new Tail(40);
  const out = (stream: 'stdout' | 'stderr') => (b: Buffer) =>
    tail.push(b.toString('utf8'), (l) => opts.onOutput?.(l, stream));
  child.stdout!.on('data', out('stdout'));
  child.stderr!.on('data', out('stderr'));
  const output = () => {
    const t = tail.text();
    return t ? `; its last output:\n${t}` : '';
  };
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      exitReason = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      // Give the pipes a moment to deliver the last lines before quoting them.
      setImmediate(() => {
        conn.fail(new WorkerGoneError(`worker ${id} (pid ${child.pid}) ${exitReason}${output()}`));
        resolve();
      });
    });
    child.on('error', (e) => {
      live.delete(child);
      exitReason = `could not be started (${cmd} ${args.join(' ')}): ${e.message}`;
      conn.fail(new WorkerGoneError(`worker ${id} ${exitReason}`));
      resolve();
    });
  });

  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      conn.ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`worker ${id} did not connect within ${timeoutMs} ms${output()}`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    servers.forgetWorker(id);
    const msg = conn.error && conn.error !== e ? conn.error.message : (e as Error).message;
    throw new Error(`cannot start worker ${id}: ${msg}`, { cause: e });
  } finally {
    clearTimeout(timer);
  }

  let closing: Promise<void> | undefined;
  return {
    id,
    connection: conn,
    pid: child.pid,
    close() {
      closing ??= (async () => {
        conn.close();
        if (exitReason === undefined) {
          const waitExit = (ms: number) =>
            Promise.race([
              exited.then(() => true),
              new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref()),
            ]);
          if (!(await waitExit(3000))) {
            child.kill('SIGTERM');
            if (!(await waitExit(2000))) {
              child.kill('SIGKILL');
              await exited;
            }
          }
        }
        servers.forgetWorker(id);
      })();
      return closing;
    },
  };
}
