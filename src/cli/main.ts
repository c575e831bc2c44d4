#!/usr/bin/env node
/**
 * The `vecudf` command line. Each command lives in its own file under src/cli/ and exports a
 * `register…(program)` function; this file only assembles them.
 */
import { Command } from 'commander';
import { tuneHeapForDataPlane } from '../util/heap-tuning.js';

type Register = (program: Command) => void;

// Commands register themselves here, one line each. They are imported lazily: `vecudf worker`
// is started by Flink per task, and should not pay for loading DuckDB, MySQL and the benchmarks.
const commands: Record<string, () => Promise<Register>> = {
  run: async () => (await import('./run.js')).registerRun,
  inspect: async () => (await import('./inspect.js')).registerInspect,
  worker: async () => (await import('./worker.js')).registerWorker,
  'worker-pool': async () => (await import('./worker-pool.js')).registerWorkerPool,
  bench: async () => (await import('./bench.js')).registerBench,
  demo: async () => (await import('./demo.js')).registerDemo,
};

// Every command moves Arrow data (see heap-tuning.ts for what this saves and costs).
tuneHeapForDataPlane();

const program = new Command();
program
  .name('vecudf')
  .description(
    'Vectorized Arrow/DataFrame UDF runtime: run UDFs over files, serve them to Flink / Beam runners',
  )
  .showHelpAfterError();

// A known command loads only itself; anything else (help, a typo) loads all for commander's messages.
const named = process.argv[2];
const wanted = named !== undefined && Object.hasOwn(commands, named) ? [named] : Object.keys(commands);
for (const name of wanted) (await commands[name]!())(program);

await program.parseAsync(process.argv);
