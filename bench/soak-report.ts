/**
 * The soak's summary as markdown: verdict, machine, totals per runner, throughput per minute
 * (per interval for runs under two minutes), memory at start / end / peak with its trend, errors
 * and the first problems found.
 *
 * @example
 * writeFileSync('out/soak/soak.md', soakMarkdown(await runSoak({ durationMs: 60_000 })));
 */
import { InvalidArgumentError } from 'commander';
import type { MemoryFigure, SoakResult, SoakSample } from './soak-result.js';

const mb = (b: number | undefined) => (b === undefined ? 'n/a' : `${(b / 2 ** 20).toFixed(1)} MB`);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** `30s`, `5m`, `1.5h`, `800ms`; a bare number is seconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|min|h)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`not a duration: '${v}' (e.g. 30s, 5m, 1h)`);
  const ms = Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!);
  if (!(ms > 0)) throw new InvalidArgumentError('a duration must be positive');
  return ms;
}

/** Human duration: `5 min`, `90 s`. */
export function formatDuration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : secs(ms);
}

/** Throughput windows: whole minutes after the warm-up when the run is long enough, else the samples' intervals. */
export function throughputWindows(
  r: SoakResult,
): { from: number; to: number; rows: number; rowsPerSec: number }[] {
  const warm = r.samples.filter((s) => s.warm);
  if (warm.length < 2) return [];
  const total = (s: SoakSample) => s.rows.reduce((a, b) => a + b, 0);
  const span = warm[warm.length - 1]!.tMs - warm[0]!.tMs;
  const step = span >= 120_000 ? 60_000 : 0;
  const out: { from: number; to: number; rows: number; rowsPerSec: number }[] = [];
  let prev = warm[0]!;
  for (const s of warm.slice(1)) {
    const last = s === warm[warm.length - 1];
    if (step && s.tMs - prev.tMs < step - r.options.intervalMs / 2 && !last) continue;
    const rows = total(s) - total(prev);
    out.push({ from: prev.tMs, to: s.tMs, rows, rowsPerSec: (rows * 1000) / (s.tMs - prev.tMs) });
    prev = s;
  }
  return out;
}

function memoryRow(m: MemoryFigure): string {
  const growth =
    m.startBytes !== undefined && m.endBytes !== undefined ? mb(m.endBytes - m.startBytes) : 'n/a';
  const trend = m.slopeMbPerMin === undefined ? 'n/a' : `${m.slopeMbPerMin.toFixed(2)} MB/min`;
  return `| ${m.label} | ${mb(m.startBytes)} | ${mb(m.endBytes)} | ${growth} | ${mb(m.maxBytes)} | ${trend} |`;
}

export function soakMarkdown(r: SoakResult): string {
  const o = r.options;
  const lines: string[] = [];
  lines.push(`# Soak run ${r.startedAt}`, '');
  lines.push(
    `**${r.ok ? 'PASS' : 'FAIL'}**: ${int(r.rows)} rows in ${int(r.bundles)} bundles over ${secs(r.elapsedMs)}` +
      ` (${formatDuration(o.durationMs)} asked, warm-up ${secs(o.warmupMs)}), ${r.errors.length} errors,` +
      ` ${r.runners.reduce((a, x) => a + x.lost, 0)} rows lost, ${r.runners.reduce((a, x) => a + x.wrong, 0)} wrong,` +
      ` ${r.orphans.length} orphan processes.`,
    '',
  );
  lines.push(
    `Machine: ${r.machine.cpus} × ${r.machine.model}, ${r.machine.memGb} GB, Node ${r.machine.node}, ${r.machine.kernel};` +
      ` load average ${r.loadAvg.start.map((x) => x.toFixed(2)).join(' ')} at the start,` +
      ` ${r.loadAvg.end.map((x) => x.toFixed(2)).join(' ')} at the end.`,
    '',
  );
  lines.push(
    `Set-up: one \`vecudf worker-pool\` (${o.threads} UDF thread per worker), ${r.runners.length} runners in one process` +
      ` (EXTERNAL environment), CDN \`client_ip\` pattern of ${int(o.patternRows)} rows (seed ${o.seed}) in input batches` +
      ` of ${int(o.batchRows)} rows, re-cut to ${int(o.arrowBatchSize)}-row Arrow batches; every output row checked against` +
      ` the in-process result.`,
    '',
  );
  lines.push('| runner | mode | rows | bundles | output batches | lost | duplicated | wrong | restarts |');
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  r.runners.forEach((x, i) => {
    lines.push(
      `| ${i + 1} (${x.workerId}) | ${x.mode} | ${int(x.rows)} | ${int(x.bundles)} | ${int(x.batches)} | ${x.lost} | ${x.duplicated} | ${x.wrong} | ${x.restarts} |`,
    );
  });
  lines.push('');
  lines.push(
    `Throughput after the warm-up: ${int(r.rowsPerSec)} rows/s (all runners); per ${o.intervalMs / 1000} s interval` +
      ` ${int(r.intervalRowsPerSec.min)}–${int(r.intervalRowsPerSec.max)} rows/s, coefficient of variation` +
      ` ${(r.intervalRowsPerSec.cv * 100).toFixed(1)}%.`,
    '',
  );
  const windows = throughputWindows(r);
  if (windows.length) {
    lines.push('| window | rows | rows/s |', '| --- | ---: | ---: |');
    for (const w of windows)
      lines.push(`| ${secs(w.from)} – ${secs(w.to)} | ${int(w.rows)} | ${int(w.rowsPerSec)} |`);
    lines.push('');
  }
  lines.push('| process | RSS start | RSS end | end − start | peak | trend after warm-up |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const m of [r.memory.runner, r.memory.pool, ...r.memory.workers]) lines.push(memoryRow(m));
  lines.push('', `Pool process ended with ${r.poolExit || 'n/a'}.`, '');
  if (r.errors.length) {
    lines.push('Errors:', '');
    for (const e of r.errors.slice(0, 20)) {
      lines.push(`- ${secs(e.tMs)}, runner ${e.runner + 1}: ${e.message.split('\n')[0]}`);
    }
    lines.push('');
  }
  if (r.problems.length) {
    lines.push('Problems found by the output check:', '');
    for (const p of r.problems) lines.push(`- ${p.kind} at row ${p.seq}: ${p.detail}`);
    lines.push('');
  }
  return lines.join('\n');
}
