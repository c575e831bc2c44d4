/**
 * The JavaScript peers' implementations of the suites' computations (danfo.js and arquero), each
 * as a {@link PeerCase}: the data is converted to the peer's shape before timing (NaN for null
 * numbers, JS strings), the timed function does the computation only.
 *
 * Semantics the peers do not share with SQL are noted on the measurement: arquero's string
 * functions give false (not null) for a null string; danfo's groupby mean does not skip NaN.
 *
 * @example
 * const peers = [danfoPeer(['a', 'b'], (d, [a, b]) => a!.mul(2).add(b!))];
 */
import {
  type Column,
  type Dataset,
  type F64Column,
  nanArray,
  stringArray,
  type TimestampColumn,
} from './data.js';
import type { PeerCase } from './function-suite.js';
import { type Arquero, type Danfo, type DanfoSeries, loadPeer } from './peers.js';

function columnOf(ds: Dataset, name: string): Column {
  const c = ds.columns[name];
  if (!c) throw new Error(`no column '${name}'`);
  return c;
}

function plain(c: Column, rows: number): number[] | (string | null)[] {
  return c.kind === 'utf8'
    ? stringArray(c).slice(0, rows)
    : Array.from(nanArray(c as F64Column | TimestampColumn).subarray(0, rows));
}

/** danfo.js over Series of the given columns (plain arrays: danfo's statistics need them). */
export function danfoPeer(
  columns: string[],
  fn: (dfd: Danfo, series: DanfoSeries[]) => unknown,
  note?: string,
): PeerCase {
  return {
    mode: 'danfo',
    slow: true,
    ...(note ? { note } : {}),
    async prepare(ds, maxRows) {
      const dfd = await loadPeer('danfo');
      if (!dfd.ok) return { skip: dfd.reason };
      const series = columns.map((n) => new dfd.module.Series(plain(columnOf(ds, n), maxRows)));
      return { fn: () => fn(dfd.module, series), rows: Math.min(maxRows, ds.rows) };
    },
  };
}

/** danfo.js over a DataFrame of the given columns. */
export function danfoFramePeer(
  columns: string[],
  fn: (df: InstanceType<Danfo['DataFrame']>) => unknown,
  note?: string,
): PeerCase {
  return {
    mode: 'danfo',
    slow: true,
    ...(note ? { note } : {}),
    async prepare(ds, maxRows) {
      const dfd = await loadPeer('danfo');
      if (!dfd.ok) return { skip: dfd.reason };
      const df = new dfd.module.DataFrame(
        Object.fromEntries(columns.map((n) => [n, plain(columnOf(ds, n), maxRows)])),
      );
      return { fn: () => fn(df), rows: Math.min(maxRows, ds.rows) };
    },
  };
}

/** arquero over a table of the given columns (numbers as Float64Array with NaN for null). */
export function arqueroPeer(
  columns: string[],
  fn: (aq: Arquero, t: ReturnType<Arquero['table']>) => unknown,
  note?: string,
): PeerCase {
  return {
    mode: 'arquero',
    ...(note ? { note } : {}),
    async prepare(ds, maxRows) {
      const aq = await loadPeer('arquero');
      if (!aq.ok) return { skip: aq.reason };
      const rows = Math.min(maxRows, ds.rows);
      const t = aq.module.table(
        Object.fromEntries(
          columns.map((n) => {
            const c = columnOf(ds, n);
            return [n, c.kind === 'utf8' ? stringArray(c).slice(0, rows) : nanArray(c).subarray(0, rows)];
          }),
        ),
      );
      return { fn: () => fn(aq.module, t), rows };
    },
  };
}
