/**
 * Which thread takes a task. A synchronous (CPU-bound) task goes only to a thread with fewer
 * than `syncDepth` tasks (by default an idle one), so a crash or a timeout never takes a task
 * that was merely queued behind it down too; a task of a plan found I/O-bound may join up to
 * `asyncConcurrency` others on one thread, where they wait on I/O together. Among candidates the
 * least busy wins. A task sent ahead (`behind`) goes to the thread the pool chose for it, behind the
 * task of its own bundle running there, so that the thread starts it without waiting for the
 * calling thread (and to any thread as usual if that one is gone). The chosen thread is written into the task's metadata, so that the pool knows
 * which thread a failed task was on even if it never started, and `onPlaced` runs just before the
 * task is posted (the pool leaves out a plan the thread already has).
 */
import { Piscina } from 'piscina';

/** Attached to each piscina task under `Piscina.queueOptionsSymbol` (not sent to the thread). */
export interface TaskPlacement {
  concurrent: boolean;
  /** Set when the task is posted to a thread. */
  threadId: number | undefined;
  /** Sent ahead: queued on this thread behind the one task it runs (of the same bundle). */
  behind?: number | undefined;
  /** Called with the chosen thread, synchronously before the task message is posted to it. */
  onPlaced?: (threadId: number) => void;
}

interface BalancerWorker {
  readonly id: number;
  readonly currentUsage: number;
  readonly terminating: boolean;
  readonly destroyed: boolean;
}

export type Balancer = (task: object, workers: BalancerWorker[]) => BalancerWorker | null;

/** The live worker with the fewest tasks, below `limit`; null when every one is at it. */
function leastBusy(workers: BalancerWorker[], limit: number): BalancerWorker | null {
  let best: BalancerWorker | null = null;
  for (const w of workers) {
    if (w.terminating || w.destroyed) continue;
    const usage = w.currentUsage;
    if (usage >= limit || (best !== null && usage >= best.currentUsage)) continue;
    best = w;
    if (usage === 0) break;
  }
  return best;
}

export function placementBalancer(syncDepth: number, asyncConcurrency: number): Balancer {
  const kOptions = Piscina.queueOptionsSymbol;
  return (task, workers) => {
    const placement = (task as Record<symbol, TaskPlacement | null>)[kOptions] ?? null;
    const limit = placement?.concurrent ? asyncConcurrency : syncDepth;
    let best: BalancerWorker | null = null;
    if (placement?.behind !== undefined) {
      const behind = placement.behind;
      best = workers.find((w) => w.id === behind && !w.terminating && !w.destroyed) ?? null;
      // The thread went away meanwhile: an ordinary task now.
      if (best === null) placement.behind = undefined;
    }
    best ??= leastBusy(workers, limit);
    if (best !== null && placement !== null) {
      placement.threadId = best.id;
      placement.onPlaced?.(best.id);
    }
    return best;
  };
}
