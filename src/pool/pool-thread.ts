/**
 * The entry of each worker thread: runs one task — one or more elements of one plan, one after
 * the other — and replies with each element's output bytes, transferred back. Errors go back as
 * data so that the caller sees the executor's own error (class, UDF name, rows); only a dying
 * thread makes piscina reject. Plans arrive once per thread and are kept by key.
 */
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import type { CallMetrics } from '../exec/metrics.js';
import type { Plan } from '../exec/plan.js';
import { ElementRunner } from './element-runner.js';
import { toErrorRecord } from './remote-error.js';
import { StartTable } from './start-table.js';
import { type ElementReply, epochMs, ownedBytes, type TaskMessage, type TaskReply } from './task.js';
import { inGroup, installThreadConsole } from './thread-console.js';
import type { PoolWorkerData } from './thread-pool.js';

const data = workerData as PoolWorkerData;
const runner = new ElementRunner(data.planOptions);
const table = new StartTable(data.startTable);
const plans = new Map<string, Plan>();
installThreadConsole();

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
  if (t.plan) plans.set(t.planKey, t.plan);
  const plan = plans.get(t.planKey);
  if (!plan) {
    // Give the bytes back with the request for the plan: the pool resends the same task.
    const reply: TaskReply = {
      threadId,
      startedAt,
      busyMs: 0,
      ioBound: false,
      metrics: [],
      results: [],
      needPlan: true,
      returned: t.elements,
    };
    return t.transfer
      ? moved(
          reply,
          t.elements.map((e) => e.buffer),
        )
      : reply;
  }
  table.markStarted(t.slot, startedAt);
  let elu0 = performance.eventLoopUtilization();
  let loadMs = 0;
  const results: ElementReply[] = [];
  const outBuffers: ArrayBuffer[] = [];
  let metrics: CallMetrics[] = [];
  try {
    // Loading the plan the first time is not the UDF's work: measure I/O-boundness after it.
    const loading = inGroup(t.group, () => runner.compiled(t.planKey, plan));
    if (loading instanceof Promise) {
      try {
        await loading;
      } catch {
        // run() below reports the load error for the first element
      }
      elu0 = performance.eventLoopUtilization();
      loadMs = epochMs() - startedAt;
    }
    let failed: ElementReply | undefined;
    for (let i = 0; i < t.elements.length; i++) {
      const e = t.elements[i]!;
      const t0 = i === 0 ? startedAt : epochMs();
      if (i > 0) table.markStarted(t.slot, t0); // the timeout counts per element
      if (failed) {
        results.push({
          ok: false,
          rowsIn: 0,
          busyMs: 0,
          error: failed.ok ? toErrorRecord(null) : failed.error,
        });
        continue;
      }
      const info = { rowsIn: 0 };
      try {
        const out = await inGroup(t.group, () =>
          runner.run(t.planKey, plan, new Uint8Array(e.buffer, e.byteOffset, e.byteLength), t.mode, info),
        );
        // The runner's output sits in a buffer made for this element alone: move it whole.
        const owned = ownedBytes(out.bytes, true);
        outBuffers.push(owned.buffer);
        results.push({
          ok: true,
          ...owned,
          rowsIn: info.rowsIn,
          rowsOut: out.rowsOut,
          busyMs: epochMs() - t0,
        });
        metrics = sumMetrics(metrics, out.metrics);
      } catch (err) {
        failed = { ok: false, rowsIn: info.rowsIn, busyMs: epochMs() - t0, error: toErrorRecord(err) };
        results.push(failed);
      }
    }
  } finally {
    table.markDone(t.slot);
  }
  const reply: TaskReply = {
    threadId,
    startedAt,
    busyMs: epochMs() - startedAt,
    loadMs,
    ioBound: wasIoBound(performance.eventLoopUtilization(elu0)),
    metrics: sumMetrics(metrics, runner.takeMetrics(t.planKey)),
    results,
  };
  return t.transfer ? moved(reply, outBuffers) : reply;
}

/** Per-call metrics of two runs of the same plan, added call by call. */
function sumMetrics(a: CallMetrics[], b: CallMetrics[]): CallMetrics[] {
  if (a.length === 0) return b;
  for (let i = 0; i < b.length; i++) {
    const x = a[i];
    const y = b[i]!;
    if (!x) a.push(y);
    else {
      x.rows += y.rows;
      x.batches += y.batches;
      x.ms += y.ms;
    }
  }
  return a;
}

/** piscina moves what the reply's transferable getter lists; the reply itself is cloned. */
function moved(reply: TaskReply, buffers: ArrayBuffer[]): TaskReply {
  return move({
    get [transferableSymbol]() {
      return buffers;
    },
    get [valueSymbol]() {
      return reply;
    },
  }) as unknown as TaskReply;
}
