/**
 * `vecudf worker-pool`: serves BeamFnExternalWorkerPool (StartWorker / StopWorker) for runners
 * with an EXTERNAL environment; each started worker is a `vecudf worker` child process.
 *
 * @example
 * vecudf worker-pool --port 50000
 * vecudf worker-pool --port 50000 --host 0.0.0.0 --threads 2
 */
import { type Command, InvalidArgumentError } from 'commander';
import { WorkerPoolServer } from '../harness/worker-pool.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('--port must be 0–65535');
  return n;
}

function count(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('--threads must be an integer ≥ 0');
  return n;
}

export function registerWorkerPool(program: Command): void {
  program
    .command('worker-pool')
    .description('serve BeamFnExternalWorkerPool: start vecudf workers for runners (EXTERNAL environment)')
    .requiredOption('--port <port>', 'port to listen on (0 = any free port, printed on start)', port)
    .option('--host <address>', 'address to bind (default 127.0.0.1: loopback only)', '127.0.0.1')
    .option('--threads <n>', 'executor threads of each worker', count)
    .action(async (o: { port: number; host: string; threads?: number }) => {
      const pool = await WorkerPoolServer.start({
        port: o.port,
        host: o.host,
        workerArgs: o.threads === undefined ? [] : [`--threads=${o.threads}`],
      });
      process.stdout.write(`vecudf worker pool listening on ${pool.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      await pool.close();
      process.exit();
    });
}
