/**
 * The shape shared by the function-level suites: one dataset, a few computations, each computed
 * vectorized (in-process executor), row-wise (in-process row executor, or the row loop an author
 * would write where there is no row executor), by a hand-written loop (the limit) and by the
 * peers, on the same rows. Vectorized and row results are compared row by row before anything is
 * timed.
 *
 * For every batch size, the vectorized, row and limit modes are measured side by side; at the
 * default batch size (10,000, or the middle one asked for) the JavaScript peers join that group.
 * pandas runs afterwards in its own process, over the whole columns.
 *
 * @example
 * export const numeric = functionSuite({ name: 'numeric', title: '…', description: '…',
 *   data: (rows) => numericData(rows, 1),
 *   cases: [scalarCase({ case: 'a+b', columns: ['a', 'b'], vec: plus, row: plusRow })] });
 */
import type * as arrow from 'apache-arrow';
import { compilePlan } from '../../src/exec/plan.js';
import { runRowWise } from '../../src/exec/row-wise.js';
import { runVectorized } from '../../src/exec/vectorized.js';
import { fromArrowField } from '../../src/types/arrow-mapping.js';
import type { Udf } from '../../src/udf/types.js';
import { profileInProcess } from './cpu-profile.js';
import { type Dataset, toBatches } from './data.js';
import { type PandasCase, type PandasOp, pandasAvailable, runPandas } from './pandas.js';
import type { ModeCase, Suite, SuiteContext, SuiteOptions } from './suite.js';
import { assertSameColumn, measureGroup } from './suite.js';

/** A JavaScript peer's implementation: built from the dataset before timing (or a reason it cannot run). */
export interface PeerCase {
  mode: string;
  /** The timed function over the first `maxRows` rows (or all), and how many rows it covers. */
  prepare(ds: Dataset, maxRows: number): Promise<{ fn: () => unknown; rows: number } | { skip: string }>;
  /** Slow by nature (danfo.js): runs on a bounded subset of the rows. */
  slow?: boolean;
  note?: string;
}

export interface FunctionCase {
  case: string;
  /** Dataset columns that make up each batch, in order (plans refer to them by index). */
  columns: string[];
  vectorized(batch: arrow.RecordBatch): Promise<arrow.RecordBatch>;
  row(batch: arrow.RecordBatch): Promise<arrow.RecordBatch>;
  /** Relative tolerance when comparing the two modes' numbers (default exact). */
  relTol?: number;
  /** The hand-written loop over one batch's buffers. */
  limit?: { run(batch: arrow.RecordBatch): unknown; note: string };
  peers?: PeerCase[];
  /** The pandas op computing the same thing over these columns. */
  pandas?: PandasOp;
  /** Why there is no pandas / JS peer for this case (reported as skipped). */
  noPeers?: string;
  /** Profile the vectorized and row modes in process after measuring (where the time goes). */
  profile?: boolean;
  note?: string;
}

/** A case of a scalar UDF and its row-wise twin over `columns` (the arguments in order). */
export function scalarCase(o: {
  case: string;
  columns: string[];
  vec: Udf;
  row: Udf;
  relTol?: number;
  limit?: FunctionCase['limit'];
  peers?: PeerCase[];
  pandas?: PandasOp;
  noPeers?: string;
  profile?: boolean;
}): FunctionCase {
  const args = o.columns.map((_, i) => ({ column: i }));
  const vecPlan = compilePlan({ calls: [{ udf: o.vec, args }] });
  const rowPlan = compilePlan({ calls: [{ udf: o.row, args }] });
  return {
    case: o.case,
    columns: o.columns,
    vectorized: (b) => runVectorized(vecPlan, b),
    row: (b) => runRowWise(rowPlan, b),
    ...(o.relTol === undefined ? {} : { relTol: o.relTol }),
    ...(o.limit ? { limit: o.limit } : {}),
    ...(o.peers ? { peers: o.peers } : {}),
    ...(o.pandas ? { pandas: o.pandas } : {}),
    ...(o.noPeers ? { noPeers: o.noPeers } : {}),
    ...(o.profile ? { profile: true } : {}),
  };
}

export interface FunctionSuiteSpec {
  name: string;
  title: string;
  description: string;
  /** The suite's rows (same seed every run). */
  data(rows: number): Dataset;
  /** Rows when none are asked for, if not the common default (cheap suites can afford more). */
  defaultRows?: number;
  cases: FunctionCase[];
}

/** The batch size the peers are compared at: 10,000 if measured, else the middle one. */
export function defaultBatchSize(sizes: readonly number[]): number {
  return sizes.includes(10_000) ? 10_000 : sizes[sizes.length >> 1]!;
}

export function functionSuite(spec: FunctionSuiteSpec): Suite {
  const hasPandas = spec.cases.some((c) => c.pandas);
  return {
    name: spec.name,
    level: 'function',
    title: spec.title,
    description: spec.description,
    steps: (o: SuiteOptions) => spec.cases.length * o.batchSizes.length + (hasPandas ? 1 : 0),
    async run(ctx: SuiteContext) {
      const rows = !ctx.rowsGiven && spec.defaultRows ? spec.defaultRows : ctx.rows;
      ctx.status(`${spec.name}: generating ${rows.toLocaleString('en')} rows`);
      const ds = spec.data(rows);
      const peerBatch = defaultBatchSize(ctx.batchSizes);
      for (const c of spec.cases) {
        await check(spec.name, c, toBatches(ds, c.columns, Math.min(peerBatch, ds.rows))[0]!);
        await warmUp(ctx, c, toBatches(ds, c.columns, peerBatch));
        const peers: ModeCase[] = [];
        for (const p of c.peers ?? []) {
          const maxRows = p.slow ? Math.min(ds.rows, ctx.quick ? 20_000 : 100_000) : ds.rows;
          const prepared = await p.prepare(ds, maxRows);
          if ('skip' in prepared) {
            ctx.skip({ suite: spec.name, case: c.case, mode: p.mode, reason: prepared.skip });
            continue;
          }
          peers.push({
            mode: p.mode,
            fn: prepared.fn,
            rows: prepared.rows,
            batchSize: prepared.rows,
            ...(p.note ? { note: p.note } : {}),
          });
        }
        if (c.noPeers) ctx.skip({ suite: spec.name, case: c.case, mode: 'peers', reason: c.noPeers });
        for (const bs of ctx.batchSizes) {
          const batches = toBatches(ds, c.columns, bs);
          const modes: ModeCase[] = [
            {
              mode: 'vectorized',
              fn: async () => {
                for (const b of batches) await c.vectorized(b);
              },
            },
            {
              mode: 'row',
              fn: async () => {
                for (const b of batches) await c.row(b);
              },
            },
          ];
          if (c.limit) {
            const limit = c.limit;
            modes.push({
              mode: 'limit',
              fn: () => {
                for (const b of batches) limit.run(b);
              },
              note: limit.note,
            });
          }
          await measureGroup(ctx, {
            suite: spec.name,
            level: 'function',
            case: c.case,
            batchSize: bs,
            rows: ds.rows,
            cases: bs === peerBatch ? [...modes, ...peers] : modes,
          });
          ctx.step();
        }
        if (c.profile && !ctx.warmUp)
          await profileCase(ctx, spec.name, c, toBatches(ds, c.columns, peerBatch), peerBatch);
      }
      if (hasPandas && !ctx.warmUp) {
        await pandasPeer(ctx, spec.name, ds, spec.cases);
        ctx.step();
      }
    },
  };
}

/** Where the time of each mode goes, in process, at the peers' batch size. */
async function profileCase(
  ctx: SuiteContext,
  suite: string,
  c: FunctionCase,
  batches: readonly arrow.RecordBatch[],
  bs: number,
): Promise<void> {
  for (const mode of ['vectorized', 'row'] as const) {
    ctx.status(`${suite}: profiling ${c.case} (${mode})`);
    const run = mode === 'vectorized' ? c.vectorized : c.row;
    const p = await profileInProcess(
      `${suite} / ${c.case}, ${mode}, in process, ${bs.toLocaleString('en')}-row batches`,
      async () => {
        for (const b of batches) await run(b);
      },
      ctx.quick ? 300 : 1_000,
    );
    ctx.profile({ ...p, scope: 'in-process', suite, case: c.case, mode });
  }
}

/**
 * Both modes over the whole data for a while before any timing: the first group measured in a
 * process otherwise pays for the JIT's tiering (tinybench's own warm-up is a call or two).
 */
async function warmUp(
  ctx: SuiteContext,
  c: FunctionCase,
  batches: readonly arrow.RecordBatch[],
): Promise<void> {
  ctx.status(`warming up ${c.case}`);
  // Each mode alone for its own budget: V8 optimises a generated kernel loop only after tens of
  // passes (a+b went from ~50M to ~290M rows/s over its first ~500 ms in one process), and a
  // shared budget spent mostly in the slower row mode left the vectorized one half-warm.
  const budget = ctx.quick ? 600 : 1_000;
  for (const run of [c.vectorized, c.row]) {
    const end = performance.now() + budget;
    do {
      for (const b of batches) await run(b);
    } while (performance.now() < end);
  }
}

/** Vectorized and row results must agree on a batch before either is timed. */
async function check(suite: string, c: FunctionCase, batch: arrow.RecordBatch): Promise<void> {
  const v = await c.vectorized(batch);
  const r = await c.row(batch);
  if (v.numCols !== r.numCols)
    throw new Error(`${suite}/${c.case}: ${v.numCols} vs ${r.numCols} result columns`);
  v.schema.fields.forEach((f, i) => {
    assertSameColumn(
      `${suite}/${c.case} (vectorized vs row, column '${f.name}')`,
      v.getChildAt(i)!,
      r.getChildAt(i)!,
      fromArrowField(f),
      c.relTol ?? 0,
    );
  });
}

async function pandasPeer(
  ctx: SuiteContext,
  suite: string,
  ds: Dataset,
  cases: readonly FunctionCase[],
): Promise<void> {
  const wanted: PandasCase[] = cases
    .filter((c) => c.pandas)
    .map((c) => ({ suite, case: c.case, op: c.pandas!, columns: c.columns }));
  const py = pandasAvailable(ctx.python);
  if (!py.ok) {
    for (const w of wanted) ctx.skip({ suite, case: w.case, mode: 'pandas', reason: py.reason });
    return;
  }
  ctx.status(`${suite}: pandas (${py.version})`);
  try {
    const figures = await runPandas(ctx.python, ds, wanted, {
      loopRows: ctx.quick ? 50_000 : 200_000,
      batchRows: defaultBatchSize(ctx.batchSizes),
      budgetMs: Math.max(ctx.timeMs * ctx.rounds, 300),
      rounds: Math.max(3, ctx.rounds),
    });
    for (const f of figures) {
      ctx.record({
        suite,
        level: 'function',
        case: f.case,
        mode: f.mode,
        batchSize: f.mode === 'pandas-batched' ? defaultBatchSize(ctx.batchSizes) : ds.rows,
        threads: 0,
        rows: f.rows,
        ms: f.ms,
        rowsPerSec: (f.rows / f.ms) * 1000,
        samples: f.samples,
      });
    }
  } catch (e) {
    for (const w of wanted) ctx.skip({ suite, case: w.case, mode: 'pandas', reason: (e as Error).message });
  }
}
