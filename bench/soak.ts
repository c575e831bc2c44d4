/**
 * `npm run soak`: streams bundles through two runners on one worker pool for a while (default
 * 5 minutes), checks every output row, and reports throughput and memory. A script under bench/
 * rather than a `vecudf` command: it drives the repository's own example UDF and checks against
 * it, which is a property of this repository, not something a user of the package runs.
 *
 * Writes `<out>/soak.json` (every sample) and `<out>/soak.md` (the summary); exits with 1 if any
 * row was lost or wrong, any bundle failed, or a worker process outlived the pool.
 *
 * @example
 * npm run soak                              # 5 minutes
 * npm run soak -- --duration 30s --out out/soak-short
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import type { SoakMode } from './soak-data.js';
import { formatDuration, parseDuration, soakMarkdown } from './soak-report.js';
import { exposeGc, runSoak, type SoakSample } from './soak-run.js';

function modes(v: string): SoakMode[] {
  const ms = v.split(',').map((s) => s.trim());
  for (const m of ms) {
    if (m !== 'vectorized' && m !== 'row')
      throw new InvalidArgumentError(`unknown mode '${m}' (vectorized, row)`);
  }
  if (ms.length < 1) throw new InvalidArgumentError('give at least one mode');
  return ms as SoakMode[];
}

function count(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be an integer ≥ 0');
  return n;
}

const mb = (b: number | undefined) => (b === undefined ? '?' : (b / 2 ** 20).toFixed(0));

function sampleLine(s: SoakSample): string {
  const rows = s.rows.reduce((a, b) => a + b, 0);
  return (
    `[soak] ${(s.tMs / 1000).toFixed(0)} s${s.warm ? '' : ' (warm-up)'}: ${rows.toLocaleString('en-US')} rows,` +
    ` ${Math.round(s.rowsPerSec).toLocaleString('en-US')} rows/s; RSS MB runner ${mb(s.rssRunner)},` +
    ` pool ${mb(s.rssPool)}, workers ${s.rssWorkers.map(mb).join(' / ')}`
  );
}

const program = new Command()
  .name('soak')
  .description('stream bundles through two runners on one vecudf worker pool; check every row; report memory')
  .option('--duration <d>', 'how long to stream (30s, 5m, 1h)', parseDuration, 300_000)
  .option(
    '--warmup <d>',
    'time before the start figures are taken (default 10% of the run, 2–30 s)',
    parseDuration,
  )
  .option('--interval <d>', 'sampling interval (default 10 s, or a tenth of a short run)', parseDuration)
  .option('--modes <list>', 'one runner per mode, comma-separated', modes, [
    'vectorized',
    'row',
  ] as SoakMode[])
  .option('--threads <n>', 'UDF threads of each worker', count, 1)
  .option('--seed <n>', 'seed of the generated data', count, 42)
  .option('--out <dir>', 'where soak.json and soak.md go', 'out/soak')
  .option('--no-gc', 'sample memory as it is, without a full garbage collection first')
  .option('--quiet', 'no progress output')
  .action(
    async (o: {
      duration: number;
      warmup?: number;
      interval?: number;
      modes: SoakMode[];
      threads: number;
      seed: number;
      out: string;
      gc: boolean;
      quiet?: boolean;
    }) => {
      const tty = !o.quiet && process.stderr.isTTY;
      const bar = tty
        ? new cliProgress.SingleBar(
            {
              stream: process.stderr,
              format:
                'soak {bar} {value}/{total} s | {rows} rows | {rate} rows/s | RSS MB pool {pool}, workers {workers}, runner {runner} | errors {errors}',
              barsize: 24,
              hideCursor: true,
              fps: 2,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      const payload = { rows: '0', rate: '0', pool: '?', workers: '?', runner: '?', errors: 0 };
      const total = Math.ceil(o.duration / 1000);
      bar?.start(total, 0, payload);
      const started = Date.now();
      const tick = bar
        ? setInterval(
            () => bar.update(Math.min(total, Math.floor((Date.now() - started) / 1000)), payload),
            1000,
          )
        : undefined;
      if (!o.quiet)
        process.stderr.write(`soak: ${formatDuration(o.duration)}, modes ${o.modes.join(', ')}\n`);
      let result: Awaited<ReturnType<typeof runSoak>>;
      try {
        result = await runSoak({
          durationMs: o.duration,
          modes: o.modes,
          threads: o.threads,
          seed: o.seed,
          ...(o.gc ? { gc: exposeGc() } : {}),
          ...(o.warmup === undefined ? {} : { warmupMs: o.warmup }),
          ...(o.interval === undefined ? {} : { intervalMs: o.interval }),
          onSample(s, p) {
            Object.assign(payload, {
              rows: p.rows.toLocaleString('en-US'),
              rate: Math.round(s.rowsPerSec).toLocaleString('en-US'),
              pool: mb(s.rssPool),
              workers: s.rssWorkers.map(mb).join('/'),
              runner: mb(s.rssRunner),
              errors: p.errors,
            });
            if (!o.quiet && !tty) process.stderr.write(`${sampleLine(s)}\n`);
          },
        });
      } finally {
        clearInterval(tick);
        bar?.update(total, payload);
        bar?.stop();
      }
      mkdirSync(o.out, { recursive: true });
      const md = soakMarkdown(result);
      writeFileSync(join(o.out, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(join(o.out, 'soak.md'), md);
      process.stdout.write(`${md}\nwritten: ${join(o.out, 'soak.json')}, ${join(o.out, 'soak.md')}\n`);
      process.exitCode = result.ok ? 0 : 1;
    },
  );

// Ctrl-C: exit through the 'exit' handlers, which stop the worker pool this soak started.
process.once('SIGINT', () => process.exit(130));
await program.parseAsync(process.argv);
