/**
 * Helpers for the process-fault tests: input with a row number column, the UDF fixtures by
 * name, collecting a run, and checks that a process is gone (exited and reaped, or a zombie
 * whose parent died — either way it runs no more).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Field, Float64, makeData, RecordBatch, Schema, Struct } from 'apache-arrow';
import type { Plan } from '../../src/exec/plan.js';

export const PROCESS_UDFS = new URL('./fixtures/process-udfs.ts', import.meta.url).pathname;
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Spawns `node --import tsx args…` in the project root; `lines` gets each stdout line. */
export function nodeProcess(
  args: string[],
  lines?: (line: string) => void,
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', TSX, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let partial = '';
  child.stdout!.on('data', (b: Buffer) => {
    out += b;
    const parts = (partial + b.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) lines?.(l);
  });
  child.stderr!.on('data', (b: Buffer) => {
    out += b;
  });
  return { child, output: () => out };
}

/** Starts `vecudf worker-pool --port=0` and resolves with it and its address once it listens. */
export async function startPool(): Promise<{ child: ChildProcess; address: string; output: () => string }> {
  let listening!: (a: string) => void;
  const ready = new Promise<string>((r) => {
    listening = r;
  });
  const p = nodeProcess([join(ROOT, 'src/cli/main.ts'), 'worker-pool', '--port=0'], (line) => {
    const m = /listening on (\S+)/.exec(line);
    if (m) listening(m[1]!);
  });
  const exited = new Promise<never>((_, rej) =>
    p.child.once('exit', (c) => rej(new Error(`the pool exited (${c}): ${p.output()}`))),
  );
  exited.catch(() => {});
  const address = await Promise.race([ready, exited]);
  return { child: p.child, address, output: p.output };
}

/**
 * Worker processes among the children of `pid` (via pgrep): a pool run from the sources under tsx
 * also has esbuild's service process as a child now and then, which is not a worker.
 */
export function childrenOf(pid: number): number[] {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
  return pids.filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes('worker');
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** A plan calling fixture `name` on the UDF input column 0. */
export function planOf(name: string): Plan {
  return { calls: [{ udf: { module: PROCESS_UDFS, export: name }, args: [{ column: 0 }] }] };
}

/** `rows` rows in batches of `batchRows`: `i` = row number, `x` = i / 4 (both DOUBLE). */
export function numbered(rows: number, batchRows: number): RecordBatch[] {
  const schema = new Schema([new Field('i', new Float64(), false), new Field('x', new Float64(), false)]);
  const out: RecordBatch[] = [];
  for (let start = 0; start < rows; start += batchRows) {
    const n = Math.min(batchRows, rows - start);
    const i = new Float64Array(n);
    const x = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      i[k] = start + k;
      x[k] = (start + k) / 4;
    }
    const col = (v: Float64Array) => makeData({ type: new Float64(), length: n, nullCount: 0, data: v });
    out.push(
      new RecordBatch(
        schema,
        makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [col(i), col(x)] }),
      ),
    );
  }
  return out;
}

/** Every value of column `name`, in order. */
export function column(batches: readonly RecordBatch[], name: string): number[] {
  const out: number[] = [];
  for (const b of batches) for (const v of b.getChild(name)!) out.push(v as number);
  return out;
}

/** Whether `pid` still runs (a zombie — exited, not yet reaped — does not). */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Resolves with the ms it took `pid` to stop running; rejects after `ms`. */
export async function goneWithin(pid: number, ms: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (!running(pid)) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`process ${pid} still runs ${ms} ms later (an orphan)`);
}

/** Polls `cond` every 20 ms; rejects after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
