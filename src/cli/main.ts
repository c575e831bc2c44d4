#!/usr/bin/env node
/**
 * The `vecudf` command line. Each command lives in its own file under src/cli/ and exports a
 * `register…(program)` function; this file only assembles them.
 */
import { Command } from 'commander';
import { registerBench } from './bench.js';
import { registerDemo } from './demo.js';
import { registerInspect } from './inspect.js';
import { registerRun } from './run.js';
import { registerWorker } from './worker.js';
import { registerWorkerPool } from './worker-pool.js';

const program = new Command();
program
  .name('vecudf')
  .description(
    'Vectorized Arrow/DataFrame UDF runtime: run UDFs over files, serve them to Flink / Beam runners',
  )
  .showHelpAfterError();

// Commands register themselves here, one line each.
registerRun(program);
registerInspect(program);
registerWorker(program);
registerWorkerPool(program);
registerBench(program);
registerDemo(program);

await program.parseAsync(process.argv);
