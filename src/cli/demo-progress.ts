/**
 * A progress bar for the demo's steps, on stderr (cli-progress), shown only when stderr is a
 * terminal and the demo is not `--quiet`; otherwise every call is a no-op, so output captured
 * in a file or a test holds only the results.
 *
 * @example
 * const bar = startProgress('vectorized', 1_000_000, enabled);
 * bar.update(250_000);
 * bar.stop();
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

export function startProgress(label: string, total: number, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label.padEnd(12)} {bar} {percentage}% | {value}/{total} rows | {duration_formatted}`,
      formatValue: (v, _o, type) =>
        type === 'value' || type === 'total' ? v.toLocaleString('en-US') : String(v),
      barsize: 30,
      hideCursor: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (v) => bar.update(v),
    stop: () => bar.stop(),
  };
}
