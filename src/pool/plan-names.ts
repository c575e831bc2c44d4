/**
 * The UDF names a plan calls, for error messages: what a thread was running when it died or
 * timed out. A reference's `name` if it has one, else its export name; nested calls included,
 * each name once, in plan order.
 */
import type { CallSpec, Plan } from '../exec/plan.js';

/**
 * @example
 * planUdfNames({ calls: [{ udf: { module: './u.mjs', export: 'plus' }, args: [] }] }); // → ['plus']
 */
export function planUdfNames(plan: Plan): string[] {
  const names = new Set<string>();
  const visit = (c: CallSpec | undefined, depth: number) => {
    if (!c || typeof c !== 'object' || depth > 64) return;
    const u = c.udf;
    if (u && typeof u === 'object') names.add(String(u.name ?? u.export));
    if (Array.isArray(c.args)) {
      for (const a of c.args) if (a && typeof a === 'object' && 'call' in a) visit(a.call, depth + 1);
    }
  };
  if (plan && Array.isArray(plan.calls)) for (const c of plan.calls) visit(c, 0);
  return [...names];
}
