/**
 * The entry of each worker thread: runs one task (one element through one plan) and replies
 * with the output bytes, transferred back. Errors go back as data so that the caller sees the
 * executor's own error (class, UDF name, rows); only a dying thread makes piscina reject.
 */
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { ElementRunner } from './element-runner.js';
import { toErrorRecord } from './remote-error.js';
import { StartTable } from './start-table.js';
import { epochMs, ownedBytes, type TaskMessage, type TaskReply } from './task.js';
import type { PoolWorkerData } from './thread-pool.js';

const data = workerData as PoolWorkerData;
const runner = new ElementRunner(data.planOptions);
const table = new StartTable(data.startTable);

/**
 * A task is I/O-bound when its thread sat idle in the event loop (waiting on timers or sockets)
 * for a real share of it: at least 1 ms and a quarter of the task. A synchronous UDF never lets
 * the loop idle, however slow it is or however loaded the machine; such plans may then share a
 * thread with other batches.
 */
function wasIoBound(elu: ReturnType<typeof performance.eventLoopUtilization>): boolean {
  return elu.idle >= 1 && elu.idle * 3 >= elu.active;
}

export default async function runTask(t: TaskMessage): Promise<TaskReply> {
  const startedAt = epochMs();
  table.markStarted(t.slot, startedAt);
  const info = { rowsIn: 0 };
  let elu0 = performance.eventLoopUtilization();
  try {
    // Loading the plan the first time is not the UDF's work: measure I/O-boundness after it.
    const loading = runner.compiled(t.planKey, t.plan);
    if (loading instanceof Promise) {
      await loading;
      elu0 = performance.eventLoopUtilization();
    }
    const out = await runner.run(
      t.planKey,
      t.plan,
      new Uint8Array(t.buffer, t.byteOffset, t.byteLength),
      t.mode,
      info,
    );
    const busyMs = epochMs() - startedAt;
    // The runner's output sits in a buffer made for this task alone: move it whole.
    const owned = ownedBytes(out.bytes, true);
    const reply: TaskReply = {
      ok: true,
      threadId,
      startedAt,
      busyMs,
      rowsIn: info.rowsIn,
      rowsOut: out.rowsOut,
      ioBound: wasIoBound(performance.eventLoopUtilization(elu0)),
      metrics: out.metrics,
      ...owned,
    };
    if (!t.transfer) return reply;
    // piscina moves what the reply's transferable getter lists; the reply itself is cloned.
    return move({
      get [transferableSymbol]() {
        return [owned.buffer];
      },
      get [valueSymbol]() {
        return reply;
      },
    }) as unknown as TaskReply;
  } catch (e) {
    const busyMs = epochMs() - startedAt;
    return {
      ok: false,
      threadId,
      startedAt,
      busyMs,
      rowsIn: info.rowsIn,
      ioBound: wasIoBound(performance.eventLoopUtilization(elu0)),
      metrics: runner.takeMetrics(t.planKey),
      error: toErrorRecord(e),
    };
  } finally {
    table.markDone(t.slot);
  }
}
