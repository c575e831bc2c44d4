/**
 * The pandas peer — the PyFlink analogue: the same computation as pandas Series operations
 * (what a PyFlink Pandas UDF runs), as a Python row loop (what a PyFlink row UDF amounts to) and
 * as `apply` (the common pandas idiom that calls Python per row), run by the machine's Python on
 * the same rows, written to files first. Without Python or pandas, the cases are reported as
 * skipped with the reason.
 *
 * The row loop and `apply` run over the first `loopRows` rows only (they are slow by nature);
 * every figure is rows per second over the rows it processed.
 *
 * @example
 * const py = pandasAvailable('python3'); // { ok: true, version: 'pandas 2.2.3, numpy 2.1.0' } or a reason
 * const figures = await runPandas('python3', ds, [{ suite: 'numeric', case: 'a*2+b', op: 'mul_add', columns: ['a', 'b'] }], { … });
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dataset, nanArray } from './data.js';

/** What the script can compute (see SCRIPT). */
export type PandasOp =
  | 'plus'
  | 'mul_add'
  | 'haversine'
  | 'lower_contains'
  | 'hour'
  | 'group_mean'
  | 'normalize';

export interface PandasCase {
  suite: string;
  case: string;
  op: PandasOp;
  /** Dataset columns, in the op's argument order. */
  columns: string[];
}

export interface PandasFigure {
  suite: string;
  case: string;
  /**
   * `pandas` (vectorized Series on the whole column), `pandas-batched` (the same on Series of
   * `batchRows` rows, one call per batch: what a PyFlink Pandas UDF is given), `pandas-loop` or
   * `pandas-apply`.
   */
  mode: string;
  rows: number;
  ms: number;
  samples: number;
}

export type Availability = { ok: true; version: string } | { ok: false; reason: string };

/** Whether `python` runs and imports pandas and numpy; their versions. */
export function pandasAvailable(python: string): Availability {
  if (!python) return { ok: false, reason: 'no Python interpreter given' };
  const r = spawnSync(python, ['-c', 'import pandas, numpy; print(pandas.__version__, numpy.__version__)'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) return { ok: false, reason: `${python} cannot be run (${r.error.message})` };
  if (r.status !== 0) {
    const last = (r.stderr || '').trim().split('\n').pop() ?? '';
    return { ok: false, reason: `${python} has no pandas/numpy (${last || `exit ${r.status}`})` };
  }
  const [pd, np] = r.stdout.trim().split(/\s+/);
  return { ok: true, version: `pandas ${pd}, numpy ${np} (${python})` };
}

/** Writes the dataset's columns where the script reads them: float64 (NaN = null), or UTF-8 + offsets + validity. */
function writeColumns(dir: string, ds: Dataset, names: readonly string[]): Record<string, string> {
  const kinds: Record<string, string> = {};
  for (const name of new Set(names)) {
    const c = ds.columns[name];
    if (!c) throw new Error(`pandas: no column '${name}'`);
    kinds[name] = c.kind;
    if (c.kind === 'utf8') {
      writeFileSync(join(dir, `${name}.bytes`), c.bytes);
      writeFileSync(
        join(dir, `${name}.offsets`),
        new Uint8Array(c.offsets.buffer, c.offsets.byteOffset, c.offsets.byteLength),
      );
      const valid = new Uint8Array(ds.rows);
      for (let i = 0; i < ds.rows; i++)
        valid[i] = c.valid === null || c.valid[i >> 3]! & (1 << (i & 7)) ? 1 : 0;
      writeFileSync(join(dir, `${name}.valid`), valid);
    } else {
      const v = nanArray(c);
      writeFileSync(join(dir, `${name}.f64`), new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    }
  }
  return kinds;
}

export interface PandasRunOptions {
  /** Rows of the row loop and `apply`. */
  loopRows: number;
  /** Rows per Series of `pandas-batched` (vecudf's batch size in the same comparison). */
  batchRows: number;
  /** Time budget per measurement, ms (at least `rounds` runs unless the budget is spent). */
  budgetMs: number;
  rounds: number;
  /** Kills the script after this long, ms. */
  timeoutMs?: number;
}

/** Runs the cases in one Python process; resolves with one figure per case and mode. */
export async function runPandas(
  python: string,
  ds: Dataset,
  cases: readonly PandasCase[],
  o: PandasRunOptions,
): Promise<PandasFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vecudf-pandas-'));
  try {
    const kinds = writeColumns(
      dir,
      ds,
      cases.flatMap((c) => c.columns),
    );
    const manifest = {
      dir,
      rows: ds.rows,
      loopRows: Math.min(o.loopRows, ds.rows),
      batchRows: Math.min(o.batchRows, ds.rows),
      budgetMs: o.budgetMs,
      rounds: o.rounds,
      columns: kinds,
      cases,
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'bench.py'), SCRIPT);
    const { stdout, stderr, code } = await run(
      python,
      [join(dir, 'bench.py'), join(dir, 'manifest.json')],
      o.timeoutMs ?? 600_000,
    );
    if (code !== 0)
      throw new Error(
        `the pandas script failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
    return stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as PandasFigure);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString('utf8');
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

/** The Python side. Reads the manifest, loads the columns, times each op three ways, prints JSON lines. */
const SCRIPT = `
import json, math, os, sys, time
import numpy as np
import pandas as pd

man = json.load(open(sys.argv[1]))
D, N, L, B = man["dir"], man["rows"], man["loopRows"], man["batchRows"]
BUDGET, ROUNDS = man["budgetMs"] / 1000.0, man["rounds"]

def load(name, kind):
    if kind in ("f64", "ts"):
        return np.fromfile(os.path.join(D, name + ".f64"), dtype="<f8")
    off = np.fromfile(os.path.join(D, name + ".offsets"), dtype="<i4")
    raw = open(os.path.join(D, name + ".bytes"), "rb").read()
    valid = np.fromfile(os.path.join(D, name + ".valid"), dtype="u1")
    return [raw[off[i]:off[i + 1]].decode("utf-8") if valid[i] else None for i in range(N)]

cols = {n: load(n, k) for n, k in man["columns"].items()}

def timed(fn):
    fn()
    ts = []
    start = time.perf_counter()
    while len(ts) < ROUNDS:
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000.0)
        if time.perf_counter() - start > BUDGET:
            break
    ts.sort()
    return ts[len(ts) // 2], len(ts)

R = 6371.0088
RAD = math.pi / 180

def hv_np(lat1, lon1, lat2, lon2):
    dlat = (lat2 - lat1) * RAD
    dlon = (lon2 - lon1) * RAD
    h = np.sin(dlat / 2) ** 2 + np.cos(lat1 * RAD) * np.cos(lat2 * RAD) * np.sin(dlon / 2) ** 2
    return 2 * R * np.arcsin(np.minimum(1, np.sqrt(h)))

def hv_row(a, b, c, d):
    if a != a or b != b or c != c or d != d:
        return None
    s1 = math.sin((c - a) * RAD / 2)
    s2 = math.sin((d - b) * RAD / 2)
    h = s1 * s1 + math.cos(a * RAD) * math.cos(c * RAD) * s2 * s2
    return 2 * R * math.asin(min(1.0, math.sqrt(h)))

def variants(op, args):
    s = [pd.Series(a) for a in args]
    head = [a[:L] if not isinstance(a, np.ndarray) else a[:L].tolist() for a in args]
    if op in ("plus", "mul_add"):
        k = 1 if op == "plus" else 2
        a, b = s
        al, bl = head
        df = pd.DataFrame({"a": a[:L], "b": b[:L]})
        if k == 1:
            return {
                "pandas": lambda: a + b,
                "pandas-loop": lambda: [x + y for x, y in zip(al, bl)],
                "pandas-apply": lambda: df.apply(lambda r: r["a"] + r["b"], axis=1),
            }
        return {
            "pandas": lambda: a * 2 + b,
            "pandas-loop": lambda: [x * 2 + y for x, y in zip(al, bl)],
            "pandas-apply": lambda: df.apply(lambda r: r["a"] * 2 + r["b"], axis=1),
        }
    if op == "haversine":
        l1, o1, l2, o2 = s
        h = head
        df = pd.DataFrame({"a": l1[:L], "b": o1[:L], "c": l2[:L], "d": o2[:L]})
        return {
            "pandas": lambda: hv_np(l1, o1, l2, o2),
            "pandas-loop": lambda: [hv_row(a, b, c, d) for a, b, c, d in zip(*h)],
            "pandas-apply": lambda: df.apply(lambda r: hv_row(r["a"], r["b"], r["c"], r["d"]), axis=1),
        }
    if op == "lower_contains":
        (u,) = s
        (ul,) = head
        uh = u[:L]
        return {
            "pandas": lambda: u.str.lower().str.contains("video", regex=False),
            "pandas-loop": lambda: [None if x is None else ("video" in x.lower()) for x in ul],
            "pandas-apply": lambda: uh.map(lambda x: ("video" in x.lower()) if isinstance(x, str) else None),
        }
    if op == "hour":
        (ms,) = s
        t = pd.to_datetime(ms, unit="ms")
        (ml,) = head
        th = t[:L]
        return {
            "pandas": lambda: t.dt.hour,
            "pandas-loop": lambda: [None if m != m else int((m % 86400000) // 3600000) for m in ml],
            "pandas-apply": lambda: th.map(lambda x: x.hour),
        }
    if op == "group_mean":
        keys, x = s
        kl, xl = head
        df = pd.DataFrame({"key": keys, "x": x})
        dh = df[:L]
        def loop():
            acc = {}
            for k, v in zip(kl, xl):
                if v == v:
                    e = acc.get(k)
                    if e is None:
                        acc[k] = [v, 1]
                    else:
                        e[0] += v
                        e[1] += 1
            return {k: e[0] / e[1] for k, e in acc.items()}
        return {
            "pandas": lambda: df.groupby("key")["x"].mean(),
            "pandas-loop": loop,
            "pandas-apply": lambda: dh.groupby("key")["x"].agg(lambda g: g.mean()),
        }
    if op == "normalize":
        (x,) = s
        (xl,) = head
        xh = x[:L]
        def loop():
            vals = [v for v in xl if v == v]
            m = sum(vals) / len(vals)
            sd = math.sqrt(sum((v - m) ** 2 for v in vals) / (len(vals) - 1))
            return [(v - m) / sd for v in xl]
        def apply():
            m, sd = xh.mean(), xh.std()
            return xh.apply(lambda v: (v - m) / sd)
        return {
            "pandas": lambda: (x - x.mean()) / x.std(),
            "pandas-loop": loop,
            "pandas-apply": apply,
        }
    raise ValueError("unknown op " + op)

# Element-wise ops also run as a PyFlink Pandas UDF sees them: one Series per B-row Arrow batch
# (cut before timing, as the batches arrive already cut).
ELEMENTWISE = ("plus", "mul_add", "haversine", "lower_contains", "hour")

def batched(op, args):
    calls = [variants(op, [a[i:i + B] for a in args])["pandas"] for i in range(0, N, B)]
    def run():
        for f in calls:
            f()
    return run

def emit(c, mode, fn, rows):
    ms, n = timed(fn)
    print(json.dumps({"suite": c["suite"], "case": c["case"], "mode": mode, "rows": rows, "ms": ms, "samples": n}), flush=True)

for c in man["cases"]:
    args = [cols[n] for n in c["columns"]]
    for mode, fn in variants(c["op"], args).items():
        emit(c, mode, fn, N if mode == "pandas" else L)
    if c["op"] in ELEMENTWISE:
        emit(c, "pandas-batched", batched(c["op"], args), N)
`;
