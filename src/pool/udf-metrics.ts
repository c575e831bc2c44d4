/**
 * Sums the per-call UDF metrics that tasks report (each reply carries what its thread counted
 * since its previous reply for that plan), so that the worker can report per-UDF rows, batches
 * and time for a plan whatever thread ran its batches.
 */
import type { CallMetrics } from '../exec/metrics.js';

export class UdfMetricsBook {
  readonly #plans = new Map<string, CallMetrics[]>();

  add(planKey: string, delta: readonly CallMetrics[]): void {
    let acc = this.#plans.get(planKey);
    if (!acc) {
      acc = delta.map((m) => ({ ...m }));
      this.#plans.set(planKey, acc);
      return;
    }
    for (let i = 0; i < delta.length; i++) {
      const d = delta[i]!;
      const a = acc[i];
      if (!a) acc.push({ ...d });
      else {
        a.rows += d.rows;
        a.batches += d.batches;
        a.ms += d.ms;
      }
    }
  }

  /** A copy of the plan's totals ([] before its first batch). */
  get(planKey: string): CallMetrics[] {
    return (this.#plans.get(planKey) ?? []).map((m) => ({ ...m }));
  }
}
