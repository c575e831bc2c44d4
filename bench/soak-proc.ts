/**
 * The soak's view of processes: resident memory from /proc, the children of a process, and the
 * one `vecudf worker-pool` process the soak starts (on 127.0.0.1, any free port) and stops.
 *
 * RSS is read from `/proc/<pid>/status` (VmRSS) because it is what the operating system charges
 * for a process, heap and Arrow buffers and thread stacks alike; on systems without /proc the
 * readers return undefined and the soak reports memory as unknown rather than guessing.
 *
 * @example
 * const pool = await startWorkerPool({ threads: 1 });
 * rssBytes(pool.pid);             // → 61_000_000
 * childPids(pool.pid);            // → the workers it started
 * await pool.stop();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { defaultCliCommand } from '../src/runner/process-worker.js';

/** Resident set size of `pid` in bytes, or undefined if it cannot be read (gone, or no /proc). */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Parent pid from `/proc/<pid>/stat` (the field after the parenthesised command name). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[1]);
  } catch {
    return undefined;
  }
}

/** Pids whose parent is `pid` (a scan of /proc: this kernel has no task/<tid>/children). */
export function childPids(pid: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const p = Number(n);
    if (parentOf(p) === pid) out.push(p);
  }
  return out;
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The `--id=` argument of a `vecudf worker` process, from its command line. */
export function workerIdOf(pid: number): string | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const a = args.find((s) => s.startsWith('--id='));
    return a?.slice('--id='.length);
  } catch {
    return undefined;
  }
}

export interface PoolProcess {
  readonly pid: number;
  /** `127.0.0.1:<port>` for the runners' EXTERNAL environment. */
  readonly address: string;
  /** What the pool and its workers printed, last lines only. */
  output(): string;
  /** SIGTERM (the pool stops its workers), SIGKILL after `graceMs`; resolves with how it ended. */
  stop(graceMs?: number): Promise<string>;
}

export interface PoolStartOptions {
  /** UDF threads of each worker the pool starts. */
  threads?: number;
  /** Working directory of the pool (UDF module paths are checked against it). */
  cwd?: string;
  startTimeoutMs?: number;
}

/** Starts `vecudf worker-pool --port=0` and waits for the address it prints. */
export function startWorkerPool(opts: PoolStartOptions = {}): Promise<PoolProcess> {
  const [cmd, ...prefix] = defaultCliCommand();
  const args = [...prefix, 'worker-pool', '--port=0', '--host=127.0.0.1'];
  if (opts.threads !== undefined) args.push(`--threads=${opts.threads}`);
  const child: ChildProcess = spawn(cmd!, args, {
    cwd: opts.cwd ?? process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail: string[] = [];
  const keep = (b: Buffer) => {
    tail.push(...b.toString('utf8').split('\n').filter(Boolean));
    if (tail.length > 200) tail = tail.slice(-100);
  };
  child.stderr!.on('data', keep);
  // If this process ends first (a test timing out, Ctrl-C), the pool must not outlive it: SIGTERM
  // makes it stop its workers and exit.
  const orphanGuard = () => child.kill('SIGTERM');
  process.once('exit', orphanGuard);
  const exited = new Promise<string>((resolve) =>
    child.on('exit', (code, signal) => {
      process.off('exit', orphanGuard);
      resolve(signal ? `signal ${signal}` : `code ${code}`);
    }),
  );
  return new Promise<PoolProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the worker pool did not start in time:\n${tail.join('\n')}`));
    }, opts.startTimeoutMs ?? 30_000);
    let out = '';
    let listening = false;
    child.stdout!.on('data', (b: Buffer) => {
      keep(b);
      if (listening) return;
      out += b.toString('utf8');
      const m = /listening on (\S+:\d+)/.exec(out);
      if (!m) return;
      listening = true;
      clearTimeout(timer);
      resolve({
        pid: child.pid!,
        address: m[1]!,
        output: () => tail.join('\n'),
        async stop(graceMs = 10_000) {
          if (child.exitCode !== null || child.signalCode !== null) return exited;
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
          const how = await exited;
          clearTimeout(t);
          return how;
        },
      });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`the worker pool exited (${how}) before listening:\n${tail.join('\n')}`));
    });
  });
}
