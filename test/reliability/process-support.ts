/**
 * Helpers for the process-fault tests: input with a row number column, the UDF fixtures by
 * name, collecting a run, and checks that a process is gone (exited and reaped, or a zombie
 * whose parent died — either way it runs no more).
 */
import { readFileSync } from 'node:fs';
import { Field, Float64, makeData, RecordBatch, Schema, Struct } from 'apache-arrow';
import type { Plan } from '../../src/exec/plan.js';

export const PROCESS_UDFS = new URL('./fixtures/process-udfs.ts', import.meta.url).pathname;

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
