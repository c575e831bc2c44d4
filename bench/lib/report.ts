/**
 * The benchmark report: docs/benchmarks.md (tables of ratios, goals, per-stage times, skipped
 * cases), docs/benchmarks/results.json and the SVG charts, all from one run's results. The part
 * of docs/benchmarks.md above the marker line is hand-written and kept as it is; everything below
 * it is rewritten by every `vecudf bench` run. Every figure comes from the results given.
 *
 * @example
 * writeReport(results, 'docs'); // docs/benchmarks.md, docs/benchmarks/results.json, docs/benchmarks/*.svg
 * const md = renderReport(results, DEFAULT_INTRO);
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { charts, slug } from './charts.js';
import { evaluateGoals, rate, referenceBatch } from './goals.js';
import type { BenchResults, Measurement } from './results.js';
import { formatSI } from './svg.js';

/** The line that separates the hand-written intro from the generated report. */
export const MARKER =
  '<!-- vecudf bench: everything below this line is generated; edit the intro above it -->';

/** The intro used when docs/benchmarks.md does not exist yet. */
export const DEFAULT_INTRO = `# Benchmarks

How much faster is a vectorized UDF than the same function row by row, where, and why — measured
side by side in one run, on the machine the report was made on.

Run it: \`npm run build && npm run bench\` (the whole suite, a few minutes on 2 cores), or
\`npx vecudf bench --quick\` (under 2 minutes), \`--suite numeric\` for one suite, \`--json out.json\`
for the raw results. A full run rewrites this page below the marker line, docs/benchmarks/results.json
and the charts in docs/benchmarks/.
`;

const PEERS = ['pandas', 'pandas-loop', 'pandas-apply', 'danfo', 'arquero'];

const rps = (v: number | undefined) => (v === undefined ? '—' : formatSI(v));
const times = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v)
    ? '—'
    : `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}×`;
const pct = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(0)}%`;
const ms1 = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(1));
const div = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
const cell = (s: string) => s.replace(/\|/g, '\\|');

/**
 * A markdown table; text columns are left-aligned, figures right-aligned: `text` is the number of
 * leading text columns, or a flag per column.
 */
function table(head: string[], rows: string[][], text: number | boolean[] = 2): string {
  const isText = (i: number) => (typeof text === 'number' ? i < text : (text[i] ?? false));
  return [
    `| ${head.map(cell).join(' | ')} |`,
    `| ${head.map((_, i) => (isText(i) ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function describe(r: BenchResults, suite: string): string | undefined {
  return r.suites?.find((s) => s.name === suite)?.description;
}

function casesOf(ms: readonly Measurement[], suite: string): string[] {
  return unique(ms.filter((m) => m.suite === suite).map((m) => m.case));
}

function header(r: BenchResults): string {
  const m = r.machine;
  const load = (xs: number[]) => (xs.length ? xs.map((x) => x.toFixed(2)).join(' / ') : '?');
  return [
    `Run of ${r.date.replace('T', ' ').slice(0, 16)} UTC${r.quick ? ' (`--quick`: smaller data, shorter timing)' : ''}, ${(r.durationMs / 1000).toFixed(0)} s. ` +
      `Machine: ${m.cpus} × ${m.cpuModel}, ${m.totalMemGiB} GiB, Node ${m.node} (${m.platform}/${m.arch}); ` +
      `load average (1 / 5 / 15 min) ${load(m.loadAvgStart)} at the start, ${load(m.loadAvgEnd)} at the end. ` +
      `Python peer: ${m.python ?? 'not checked'}.`,
    '',
    `Options: ${Object.entries(r.options)
      .map(([k, v]) => `${k} = ${Array.isArray(v) ? v.join(', ') : String(v)}`)
      .join('; ')}.`,
  ].join('\n');
}

function goalsSection(r: BenchResults): string {
  const goals = evaluateGoals(r);
  return [
    '## Goals',
    '',
    table(
      ['goal', 'target', 'measured', 'status'],
      goals.map((g) => [
        g.title,
        g.target,
        g.measured,
        g.status === 'met' ? 'met' : g.status === 'missed' ? '**missed**' : 'not measured',
      ]),
      1,
    ),
  ].join('\n');
}

function functionSection(r: BenchResults): string {
  const ms = r.measurements.filter((m) => m.level === 'function');
  const suites = unique(ms.map((m) => m.suite));
  if (suites.length === 0) return '';
  const rows: string[][] = [];
  for (const s of suites) {
    const bs = referenceBatch(ms, s);
    for (const c of casesOf(ms, s)) {
      const v = rate(ms, s, c, 'vectorized', bs);
      const w = rate(ms, s, c, 'row', bs);
      const l = rate(ms, s, c, 'limit', bs);
      if (v === undefined && w === undefined) continue;
      const rowM = ms.find((m) => m.suite === s && m.case === c && m.mode === 'row' && m.batchSize === bs);
      rows.push([
        s,
        c,
        bs?.toLocaleString('en') ?? '—',
        rps(v),
        `${rps(w)}${rowM && rowM.rows !== (ms.find((m) => m.suite === s && m.mode === 'vectorized')?.rows ?? rowM.rows) ? ` (${rowM.rows.toLocaleString('en')} rows)` : ''}`,
        times(div(v, w)),
        rps(l),
        pct(div(v, l)),
      ]);
    }
  }
  const suiteText = suites
    .map((s) => {
      const d = describe(r, s);
      return d ? `- **${s}** — ${d}` : undefined;
    })
    .filter(Boolean)
    .join('\n');
  return [
    '## Function level: vectorized vs row-wise (in process)',
    '',
    'Rows per second over the whole generated data, at the reference batch size; *speed-up* = vectorized rows/s ÷ row-wise rows/s; ' +
      '*of limit* = vectorized rows/s ÷ hand-written loop rows/s (100% = as fast as the loop).',
    '',
    table(
      ['suite', 'case', 'batch', 'vectorized rows/s', 'row rows/s', 'speed-up', 'limit rows/s', 'of limit'],
      rows,
    ),
    '',
    '![Speed-up: vectorized over row-wise](benchmarks/speedup.svg)',
    '',
    suiteText,
  ].join('\n');
}

function peersSection(r: BenchResults): string {
  const ms = r.measurements;
  const peerRows = ms.filter((m) => PEERS.includes(m.mode));
  const skippedPeers = r.skipped.filter((s) => PEERS.includes(s.mode) || s.mode === 'peers');
  if (peerRows.length === 0 && skippedPeers.length === 0) return '';
  const present = PEERS.filter((p) => peerRows.some((m) => m.mode === p));
  const rows: string[][] = [];
  for (const s of unique(peerRows.map((m) => m.suite))) {
    const bs = referenceBatch(ms, s);
    for (const c of casesOf(peerRows, s)) {
      const v = rate(ms, s, c, 'vectorized', bs);
      rows.push([
        s,
        c,
        rps(v),
        ...present.map((p) => {
          const m = peerRows.find((x) => x.suite === s && x.case === c && x.mode === p);
          return m ? `${rps(m.rowsPerSec)} (${times(div(v, m.rowsPerSec))})` : '—';
        }),
      ]);
    }
  }
  const notes = unique(
    peerRows.filter((m) => m.note).map((m) => `- ${m.mode} (${m.suite} / ${m.case}): ${m.note}`),
  );
  return [
    '## Against the peers',
    '',
    "Rows per second of each peer on the same rows, and in brackets how many times faster vecudf's vectorized UDF is (above 1×: vecudf is faster). " +
      "`pandas` is vectorized Series/NumPy (a PyFlink Pandas UDF's body), `pandas-loop` a Python loop over the values (a PyFlink row UDF's cost per row), " +
      '`pandas-apply` the `apply`/`map` idiom; the loop and `apply` run on a subset of the rows. Peers work on the whole column, vecudf in batches.',
    '',
    rows.length ? table(['suite', 'case', 'vecudf vectorized', ...present], rows) : '_No peer ran._',
    '',
    rows.length ? '![vecudf over the peers](benchmarks/peers.svg)' : '',
    '',
    notes.length ? `Where a peer's semantics differ:\n\n${notes.join('\n')}` : '',
  ].join('\n');
}

function batchSection(r: BenchResults, files: readonly string[]): string {
  const ms = r.measurements.filter(
    (m) => m.level === 'function' && ['vectorized', 'row', 'limit'].includes(m.mode),
  );
  const sizes = unique(ms.map((m) => m.batchSize)).sort((a, b) => a - b);
  if (sizes.length < 2) return '';
  const rows: string[][] = [];
  for (const s of unique(ms.map((m) => m.suite))) {
    for (const c of casesOf(ms, s)) {
      for (const mode of ['vectorized', 'row', 'limit']) {
        const line = sizes.map((b) => rate(ms, s, c, mode, b));
        if (line.every((v) => v === undefined)) continue;
        rows.push([s, c, mode === 'limit' ? 'hand loop' : mode, ...line.map(rps)]);
      }
    }
  }
  const images = unique(ms.map((m) => m.suite))
    .map((s) => `batch-${slug(s)}.svg`)
    .filter((f) => files.includes(f))
    .map((f) => `![${f}](benchmarks/${f})`);
  return [
    '## Throughput vs batch size (in process)',
    '',
    'Rows per second by rows per batch: the fixed cost of each batch (executor, checks, result column) is what small batches pay.',
    '',
    table(['suite', 'case', 'mode', ...sizes.map((b) => `${b.toLocaleString('en')} rows`)], rows, 3),
    '',
    images.join('\n'),
  ].join('\n');
}

function e2eSection(r: BenchResults, files: readonly string[]): string {
  const ms = r.measurements.filter((m) => m.suite === 'e2e');
  if (ms.length === 0) return '';
  const rows: string[][] = [];
  const keys = unique(ms.map((m) => `${m.case}\u0000${m.batchSize}\u0000${m.threads}`));
  for (const k of keys) {
    const [c, b, t] = k.split('\u0000') as [string, string, string];
    const get = (mode: string) =>
      ms.find((m) => m.case === c && m.batchSize === Number(b) && m.threads === Number(t) && m.mode === mode);
    const raw = get('limit');
    const v = get('vectorized');
    const w = get('row');
    const mb = (m: Measurement | undefined) =>
      m?.mbPerSec === undefined ? '' : ` (${m.mbPerSec.toFixed(0)} MB/s)`;
    rows.push([
      c,
      Number(b).toLocaleString('en'),
      t,
      `${rps(raw?.rowsPerSec)}${mb(raw)}`,
      `${rps(v?.rowsPerSec)}${mb(v)}`,
      pct(div(v?.rowsPerSec, raw?.rowsPerSec)),
      `${rps(w?.rowsPerSec)}${mb(w)}`,
      times(div(v?.rowsPerSec, w?.rowsPerSec)),
    ]);
  }
  const stageRows: string[][] = [];
  for (const m of ms) {
    if (!m.stages) continue;
    const s = m.stages;
    stageRows.push([
      `${m.case} @ ${m.batchSize.toLocaleString('en')}, ${m.threads}t`,
      m.mode,
      ms1(s.elapsedMs),
      ms1(s.cutMs),
      ms1(s.encodeMs),
      ms1(s.sendMs),
      ms1(s.decodeMs),
      ms1(s.joinMs),
      ms1(s.udfMs),
      ms1(s.transportMs),
      `${(s.bytesSent / 1e6).toFixed(1)} / ${(s.bytesReceived / 1e6).toFixed(1)}`,
    ]);
  }
  const images = unique(ms.map((m) => m.case))
    .map((c) => `e2e-${slug(c)}.svg`)
    .filter((f) => files.includes(f))
    .map((f) => `![${f}](benchmarks/${f})`);
  return [
    '## End to end: runner → gRPC → worker process',
    '',
    describe(r, 'e2e') ?? '',
    '',
    '*of raw* = vectorized rows/s ÷ raw gRPC rows/s for the same bytes (100% = the UDF path costs nothing beyond moving the bytes); *speed-up* = vectorized ÷ row-wise. MB/s counts bytes sent and received.',
    '',
    table(
      ['UDF', 'batch', 'threads', 'raw gRPC rows/s', 'vectorized rows/s', 'of raw', 'row rows/s', 'speed-up'],
      rows,
      1,
    ),
    '',
    images.join('\n'),
    '',
    '### Where the time goes',
    '',
    'Median run of each case, ms summed over the run. Runner stages: *cut* (batching, column selection), *encode* (Arrow IPC or row coder), *send* (handing messages to gRPC), *decode* (results), *join* (with the forwarded columns). ' +
      "*UDF*: the worker's time inside the UDF (its `udf_ns` monitoring info). *transport + worker codec*: the rest of the runner's wait — gRPC and HTTP/2 both ways, the worker decoding the input and encoding the results (the worker does not report those two stages separately yet). " +
      'Bundles overlap (several in flight), so stages can add up to more than the elapsed time.',
    '',
    stageRows.length
      ? table(
          [
            'case',
            'mode',
            'elapsed',
            'cut',
            'encode',
            'send',
            'decode',
            'join',
            'UDF',
            'transport + worker codec',
            'MB sent / received',
          ],
          stageRows,
        )
      : '_No stage times._',
  ].join('\n');
}

function profileSection(r: BenchResults): string {
  const ps = (r.profiles ?? []).filter((p) => p.scope !== 'in-process');
  if (ps.length === 0) return '';
  const parts = ["### Where the worker's CPU goes", ''];
  for (const p of ps) {
    const busy = p.totalMs - (p.categories.idle ?? 0);
    const cats = Object.entries(p.categories)
      .filter(([k]) => k !== 'idle')
      .sort((a, b) => b[1] - a[1]);
    parts.push(
      `CPU profile (\`node --cpu-prof\`) of the ${p.label}: ${busy.toFixed(0)} ms busy, ${(p.categories.idle ?? 0).toFixed(0)} ms idle, every thread summed.`,
      '',
      table(
        ['category (self time)', 'ms', 'of busy'],
        cats.map(([k, v]) => [k, v.toFixed(1), pct(v / busy)]),
        1,
      ),
      '',
      table(
        ['function (self time)', 'ms'],
        p.top.map((t) => [`\`${t.fn}\``, t.ms.toFixed(1)]),
        1,
      ),
      '',
    );
  }
  return parts.join('\n');
}

/** In-process profiles of function-level cases: the top functions of each mode, side by side. */
function inProcessProfileSection(r: BenchResults): string {
  const ps = (r.profiles ?? []).filter((p) => p.scope === 'in-process');
  if (ps.length === 0) return '';
  const parts = [
    '### Where the time goes in process',
    '',
    "Sampling profiles (the inspector's, in this process) of both modes of a few cases, at the reference batch size: the functions with the most self time, as a share of the sampled time.",
    '',
  ];
  for (const key of unique(ps.map((p) => `${p.suite} / ${p.case}`))) {
    const modes = ps.filter((p) => `${p.suite} / ${p.case}` === key);
    const rows: string[][] = [];
    const depth = Math.max(...modes.map((p) => p.top.length));
    for (let i = 0; i < depth; i++) {
      rows.push(
        modes.flatMap((p) => {
          const t = p.top[i];
          return t ? [`\`${t.fn}\``, pct(t.ms / p.totalMs)] : ['', ''];
        }),
      );
    }
    parts.push(
      `**${key}** — ${modes.map((p) => `${p.mode}: ${p.totalMs.toFixed(0)} ms sampled over ${p.label.replace(/^.*\((\d+ calls)\)$/, '$1')}`).join('; ')}`,
      '',
      table(
        modes.flatMap((p) => [`${p.mode ?? ''}: function`, 'share']),
        rows,
        modes.flatMap(() => [true, false]),
      ),
      '',
    );
  }
  return parts.join('\n');
}

function skippedSection(r: BenchResults): string {
  const lines = [
    ...r.skipped.map((s) => `- ${s.suite}${s.case ? ` / ${s.case}` : ''} / ${s.mode}: skipped — ${s.reason}`),
    ...r.notes.map((n) => `- ${n.split('\n')[0]}`),
  ];
  if (lines.length === 0) return '';
  return ['## Skipped cases and notes', '', ...lines].join('\n');
}

/** The markdown of the whole page: the intro, the marker, then the generated report. */
export function renderReport(
  r: BenchResults,
  intro: string = DEFAULT_INTRO,
  files: readonly string[] = Object.keys(charts(r)),
): string {
  const parts = [
    intro.trimEnd(),
    '',
    MARKER,
    '',
    '## Latest run',
    '',
    header(r),
    goalsSection(r),
    functionSection(r),
    inProcessProfileSection(r),
    peersSection(r),
    batchSection(r, files),
    e2eSection(r, files),
    profileSection(r),
    skippedSection(r),
  ];
  return `${parts
    .filter((p) => p !== '')
    .join('\n\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

/** The hand-written part of an existing page (above the marker), or the default intro. */
export function readIntro(mdPath: string): string {
  if (!existsSync(mdPath)) return DEFAULT_INTRO;
  const text = readFileSync(mdPath, 'utf8');
  const at = text.indexOf(MARKER);
  return at < 0 ? DEFAULT_INTRO : text.slice(0, at);
}

/**
 * Writes `<docsDir>/benchmarks.md`, `<docsDir>/benchmarks/results.json` and the charts (SVGs left
 * from earlier runs that this run did not draw are removed). Returns the paths written.
 */
export function writeReport(r: BenchResults, docsDir: string): string[] {
  const dir = join(docsDir, 'benchmarks');
  mkdirSync(dir, { recursive: true });
  const svgs = charts(r);
  for (const f of readdirSync(dir)) if (f.endsWith('.svg') && !(f in svgs)) rmSync(join(dir, f));
  const written: string[] = [];
  for (const [f, svg] of Object.entries(svgs)) {
    writeFileSync(join(dir, f), svg);
    written.push(join(dir, f));
  }
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(r, null, 2)}\n`);
  written.push(join(dir, 'results.json'));
  const md = join(docsDir, 'benchmarks.md');
  writeFileSync(md, renderReport(r, readIntro(md), Object.keys(svgs)));
  written.push(md);
  return written;
}
