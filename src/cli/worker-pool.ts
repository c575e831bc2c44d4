/**
 * `vecudf worker-pool`: serves BeamFnExternalWorkerPool (StartWorker / StopWorker) for runners
 * with an EXTERNAL environment; each started worker is a `vecudf worker` child process.
 *
 * @example
 * vecudf worker-pool --port 50000
 * VECUDF_TOKEN=… vecudf worker-pool --port 50000 --host 0.0.0.0 --tls-cert pool.pem --tls-key pool.key --tls-ca ca.pem
 *
 * Binding anything but loopback needs TLS and a token (--token-file or VECUDF_TOKEN). The workers
 * it starts get the same TLS files, token (in their environment) and --udf-root directories.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_PARAM_ENV, WorkerPoolServer } from '../harness/worker-pool.js';
import { type AccessCliOptions, accessFromCli, addAccessOptions, udfRootsFromCli } from './access-options.js';

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
  const cmd = program
    .command('worker-pool')
    .description('serve BeamFnExternalWorkerPool: start vecudf workers for runners (EXTERNAL environment)')
    .requiredOption('--port <port>', 'port to listen on (0 = any free port, printed on start)', port)
    .option(
      '--host <address>',
      'address to bind (default 127.0.0.1: loopback only; others need TLS and a token)',
      '127.0.0.1',
    )
    .option('--threads <n>', 'executor threads of each worker', count)
    .option(
      '--param-env <NAME>',
      'a StartWorkerRequest param to set in the worker environment, besides TABLE_LOCAL_TIME_ZONE and TZ (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    );
  addAccessOptions(cmd, 'server').action(
    async (o: AccessCliOptions & { port: number; host: string; threads?: number; paramEnv?: string[] }) => {
      let pool: WorkerPoolServer;
      try {
        pool = await WorkerPoolServer.start({
          port: o.port,
          host: o.host,
          access: accessFromCli(o),
          paramEnv: [...DEFAULT_PARAM_ENV, ...(o.paramEnv ?? [])],
          workerArgs: [
            ...(o.threads === undefined ? [] : [`--threads=${o.threads}`]),
            ...udfRootsFromCli(o).map((d) => `--udf-root=${d}`),
          ],
        });
      } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        process.exit(1);
      }
      process.stdout.write(`vecudf worker pool listening on ${pool.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      await pool.close();
      process.exit();
    },
  );
}
