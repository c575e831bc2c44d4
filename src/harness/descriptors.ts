/**
 * Process bundle descriptors by id, with their stages worked out once. Flink never pushes them
 * (no RegisterRequest): the first ProcessBundleRequest naming an unknown id makes the worker pull
 * it with GetProcessBundleDescriptor; concurrent requests for the same id share one call. Pushed
 * descriptors (RegisterRequest, used by older runners) are accepted too. A failed pull is not
 * cached: the next bundle asks again.
 *
 * @example
 * const cache = new DescriptorCache((id) => pullDescriptor(client, id));
 * const stages = await cache.stages('1-2');
 */
import type { ProcessBundleDescriptor } from '../proto/fn-api.js';
import { type Stage, stagesOf } from './stages.js';

export class DescriptorCache {
  readonly #known = new Map<string, Promise<Stage[]>>();

  constructor(private readonly fetch: (id: string) => Promise<ProcessBundleDescriptor>) {}

  /** Adds a pushed descriptor (checked at once: a bad one fails the RegisterRequest). */
  register(d: ProcessBundleDescriptor): void {
    const stages = stagesOf(d);
    this.#known.set(d.id, Promise.resolve(stages));
  }

  /** Whether `id` is known (pushed, or pulled before). */
  has(id: string): boolean {
    return this.#known.has(id);
  }

  /** The stages of descriptor `id`, pulling the descriptor if it is unknown. */
  stages(id: string): Promise<Stage[]> {
    let p = this.#known.get(id);
    if (!p) {
      p = this.fetch(id).then((d) => {
        if (d.id && d.id !== id) {
          throw new Error(`GetProcessBundleDescriptor(${id}) returned descriptor '${d.id}'`);
        }
        return stagesOf({ ...d, id });
      });
      this.#known.set(id, p);
      p.catch(() => this.#known.delete(id));
    }
    return p;
  }
}
