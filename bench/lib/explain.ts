/**
 * Why a goal was missed, in words built from the same run's figures: the in-process profiles of
 * the cases concerned, the end-to-end stage times and worker profile, the hand-written loop
 * against the peer. Nothing here is a constant: without the figures there is no explanation.
 *
 * @example
 * for (const g of evaluateGoals(r)) if (g.status === 'missed') console.log(explainGoal(g.id, r));
 */
import type { ProfileSummary } from './cpu-profile.js';
import { rate, referenceBatch } from './goals.js';
import type { BenchResults } from './results.js';

const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
const x = (v: number) => `${v >= 10 ? v.toFixed(0) : v.toFixed(1)}×`;

/** A function's name, with its file when it has no name of its own: `(garbage collector)`, `fused`, `(anonymous) series/accessors.js:30`. */
function shortName(fn: string): string {
  if (fn.startsWith('(anonymous)')) return fn;
  return /^\([^)]*\)/.exec(fn)?.[0] ?? fn.split(' ')[0]!;
}

/** "fn (share), fn (share)" of a profile's top functions. */
function topOf(p: ProfileSummary | undefined, n = 3): string | undefined {
  if (!p || p.totalMs <= 0) return undefined;
  return p.top
    .slice(0, n)
    .map((t) => `\`${shortName(t.fn)}\` ${pct(t.ms / p.totalMs)}`)
    .join(', ');
}

function inProcess(r: BenchResults, suite: string, kase: string, mode: string): ProfileSummary | undefined {
  return r.profiles?.find(
    (p) => p.scope === 'in-process' && p.suite === suite && p.case === kase && p.mode === mode,
  );
}

/** Where the vectorized and the row time go for each case of a suite, from the in-process profiles. */
function profiled(r: BenchResults, suite: string): string[] {
  const cases = [
    ...new Set(
      (r.profiles ?? []).filter((p) => p.suite === suite && p.scope === 'in-process').map((p) => p.case!),
    ),
  ];
  return cases.flatMap((c) => {
    const v = topOf(inProcess(r, suite, c, 'vectorized'));
    const w = topOf(inProcess(r, suite, c, 'row'));
    return v && w ? [`${c}: vectorized time goes to ${v}; row time to ${w}`] : [];
  });
}

export function explainGoal(id: string, r: BenchResults): string | undefined {
  const ms = r.measurements;
  switch (id) {
    case 'numeric-10x':
    case 'string-20x': {
      const suite = id === 'numeric-10x' ? 'numeric' : 'string';
      const bs = referenceBatch(ms, suite);
      const parts = profiled(r, suite);
      // how close the vectorized path already is to its own limit: the rest is the row side
      const limits = [
        ...new Set(ms.filter((m) => m.suite === suite && m.mode === 'limit').map((m) => m.case)),
      ].flatMap((c) => {
        const v = rate(ms, suite, c, 'vectorized', bs);
        const l = rate(ms, suite, c, 'limit', bs);
        const w = rate(ms, suite, c, 'row', bs);
        return v && l && w
          ? [
              `${c} runs at ${pct(v / l)} of its hand-written loop, and even that loop is only ${x(l / w)} the row path`,
            ]
          : [];
      });
      if (parts.length === 0 && limits.length === 0) return undefined;
      return [...limits, ...parts].join('. ');
    }
    case 'hand-loop-1.5x': {
      // the share of the loop at each batch size: a gap that closes with bigger batches is per-batch cost
      const sizes = [
        ...new Set(ms.filter((m) => m.suite === 'numeric' && m.mode === 'limit').map((m) => m.batchSize)),
      ].sort((a, b) => a - b);
      const cases = [
        ...new Set(ms.filter((m) => m.suite === 'numeric' && m.mode === 'limit').map((m) => m.case)),
      ];
      const out = cases.flatMap((c) => {
        const shares = sizes.flatMap((b) => {
          const v = rate(ms, 'numeric', c, 'vectorized', b);
          const l = rate(ms, 'numeric', c, 'limit', b);
          return v && l ? [`${pct(v / l)} at ${b.toLocaleString('en')}`] : [];
        });
        return shares.length
          ? [`${c}: the vectorized UDF runs at ${shares.join(', ')} rows per batch of the loop's speed`]
          : [];
      });
      return out.length
        ? `${out.join('; ')} — what does not close with bigger batches is the kernel itself.`
        : undefined;
    }
    case 'e2e-80pct': {
      const bs = referenceBatch(ms, 'e2e');
      const t = ms.find(
        (m) => m.suite === 'e2e' && m.case === 'a+b' && m.mode === 'vectorized' && m.batchSize === bs,
      )?.stages;
      const worker = r.profiles?.find((p) => p.scope !== 'in-process' && p.suite === 'e2e');
      const parts: string[] = [];
      if (t) {
        const wd = t.worker?.decode;
        const we = t.worker?.encode;
        const workerCodec =
          wd !== undefined && we !== undefined
            ? `, the worker's decode ${wd.toFixed(1)} ms and encode ${we.toFixed(1)} ms`
            : '';
        parts.push(
          `of the vectorized run's ${t.elapsedMs.toFixed(1)} ms, the UDF took ${t.udfMs.toFixed(1)} ms${workerCodec} and the runner's own encode/decode ${(t.encodeMs + t.decodeMs).toFixed(1)} ms, while ${t.transportMs.toFixed(1)} ms went to transport and the worker's event loop${workerCodec ? '' : ' (and its decode/encode, not reported with worker threads)'}`,
        );
      }
      if (worker) {
        const busy = worker.totalMs - (worker.categories.idle ?? 0);
        const cats = Object.entries(worker.categories)
          .filter(([k]) => k !== 'idle')
          .sort((a, b) => b[1] - a[1])
          .slice(0, 4)
          .map(([k, v]) => `${k} ${pct(v / busy)}`)
          .join(', ');
        parts.push(`the worker's busy CPU time is spent in ${cats}`);
      }
      return parts.length ? `${parts.join('; ')}.` : undefined;
    }
    case 'async-50x':
      return undefined;
    case 'pandas': {
      const bs = referenceBatch(ms, 'numeric');
      const out = [
        ...new Set(ms.filter((m) => m.suite === 'numeric' && m.mode === 'pandas-batched').map((m) => m.case)),
      ].flatMap((c) => {
        const l = rate(ms, 'numeric', c, 'limit', bs);
        const p = rate(ms, 'numeric', c, 'pandas-batched');
        const v = rate(ms, 'numeric', c, 'vectorized', bs);
        if (!(l && p && v)) return [];
        return l < p
          ? [
              `${c}: even the hand-written JavaScript loop reaches only ${pct(l / p)} of pandas' rows/s (vecudf: ${pct(v / l)} of that loop) — NumPy's compiled loops over NaN-encoded nulls set the bar here, not vecudf's layers`,
            ]
          : [
              `${c}: the hand-written loop does ${x(l / p)} pandas' rows/s, vecudf ${pct(v / l)} of the loop: the difference is vecudf's own cost`,
            ];
      });
      const whole = [
        ...new Set(ms.filter((m) => m.suite === 'numeric' && m.mode === 'pandas').map((m) => m.case)),
      ].flatMap((c) => {
        const p = rate(ms, 'numeric', c, 'pandas');
        const v = rate(ms, 'numeric', c, 'vectorized', bs);
        return p && v ? [`${c} ${x(v / p)}`] : [];
      });
      if (whole.length)
        out.push(
          `Against pandas on the whole column in one call (no batches, which a PyFlink Pandas UDF never gets): ${whole.join(', ')}`,
        );
      return out.length ? `${out.join('. ')}.` : undefined;
    }
    default:
      return undefined;
  }
}
