/**
 * The JavaScript peers, loaded lazily (they are optional, and danfo.js takes a second to import):
 * danfo.js and arquero. A peer that cannot be loaded is reported as skipped with the reason.
 *
 * Peers get the same rows as vecudf in their own shapes, converted before timing: numbers as
 * Float64Array / arrays with NaN for null, strings as JS strings. They work on the whole column at
 * once (no batches).
 *
 * @example
 * const aq = await loadPeer('arquero');
 * if (aq.ok) aq.module.table({ a }).derive({ c: (d) => d.a * 2 });
 */

// Structural types of the little of each peer's API the suites use.
export interface DanfoSeries {
  mul(x: DanfoSeries | number): DanfoSeries;
  add(x: DanfoSeries | number): DanfoSeries;
  sub(x: DanfoSeries | number): DanfoSeries;
  div(x: DanfoSeries | number): DanfoSeries;
  mean(): number;
  std(): number;
  values: unknown[];
  str: { toLowerCase(): DanfoSeries; includes(s: string): DanfoSeries };
}
export interface DanfoFrame {
  groupby(keys: string[]): { col(cols: string[]): { mean(): DanfoFrame } };
  values: unknown[];
}
export interface Danfo {
  Series: new (data: unknown) => DanfoSeries;
  DataFrame: new (data: Record<string, unknown>) => DanfoFrame;
}

export interface ArqueroTable {
  derive(values: Record<string, (d: Record<string, unknown>) => unknown>): ArqueroTable;
  groupby(...keys: string[]): ArqueroTable;
  rollup(values: Record<string, (d: Record<string, unknown>) => unknown>): ArqueroTable;
  array(name: string): ArrayLike<unknown>;
  numRows(): number;
}
export interface Arquero {
  table(columns: Record<string, unknown>): ArqueroTable;
  op: Record<string, (...args: unknown[]) => unknown>;
}

export type PeerName = 'danfo' | 'arquero';
export type Loaded<T> = { ok: true; module: T; version: string } | { ok: false; reason: string };

const cache = new Map<PeerName, Promise<Loaded<unknown>>>();

async function load(name: PeerName): Promise<Loaded<unknown>> {
  const pkg = name === 'danfo' ? 'danfojs-node' : 'arquero';
  try {
    const mod = (await import(pkg)) as Record<string, unknown>;
    const m = (name === 'danfo' && !('Series' in mod) && mod.default ? mod.default : mod) as Record<
      string,
      unknown
    >;
    let version = '?';
    try {
      const { createRequire } = await import('node:module');
      version = (createRequire(import.meta.url)(`${pkg}/package.json`) as { version: string }).version;
    } catch {
      // package.json not exported: the version is cosmetic
    }
    return { ok: true, module: m, version };
  } catch (e) {
    return {
      ok: false,
      reason: `${pkg} is not installed or failed to load (${(e as Error).message.split('\n')[0]})`,
    };
  }
}

export function loadPeer(name: 'danfo'): Promise<Loaded<Danfo>>;
export function loadPeer(name: 'arquero'): Promise<Loaded<Arquero>>;
export function loadPeer(name: PeerName): Promise<Loaded<unknown>> {
  let p = cache.get(name);
  if (!p) cache.set(name, (p = load(name)));
  return p;
}
