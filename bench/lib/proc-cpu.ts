/**
 * CPU time of other processes, read from /proc (Linux): what the benchmarks use to say how much
 * CPU the worker or an echo peer spent per run, beside the wall time. NaN where /proc is missing.
 * Resolution: the kernel's clock tick (10 ms at 100 Hz), so sum over runs rather than read one.
 *
 * @example
 * const before = procCpuMs(worker.pid);
 * await run();
 * const workerMs = procCpuMs(worker.pid) - before;
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
export const CLK_TCK = 100;

/** utime + stime, in ms, of a /proc `stat` file (a process's or one thread's); NaN if unreadable. */
export function statCpuMs(path: string): number {
  try {
    const f = readFileSync(path, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** CPU ms (user + system) process `pid` has used so far. */
export function procCpuMs(pid: number | undefined): number {
  return pid === undefined ? Number.NaN : statCpuMs(`/proc/${pid}/stat`);
}
