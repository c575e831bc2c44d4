/**
 * `vecudf worker`: a Beam Fn API worker (SDK harness) for a runner — Flink's Python operators or
 * `vecudf run`. Started as Beam's boot contract says:
 *
 * @example
 * vecudf worker --id=1-1 --provision_endpoint=localhost:50000
 * vecudf worker --id=w1 --control_endpoint=localhost:50000 --logging_endpoint=localhost:50000 --threads 2
 * VECUDF_TOKEN=… vecudf worker --id=w1 --provision_endpoint=runner:41000 --tls-ca ca.pem --udf-root /opt/udfs
 *
 * UDF modules load only from the --udf-root directories (default: the working directory) or
 * vecudf's own node_modules. With --tls-ca (or --tls-cert/--tls-key for mutual TLS) every channel
 * to the runner uses TLS, and the token (--token-file or VECUDF_TOKEN) goes with every call.
 *
 * The session time zone for TIMESTAMP_LTZ comes from the environment variable
 * `TABLE_LOCAL_TIME_ZONE`, which Flink sets for its Python workers.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { Worker } from '../harness/worker.js';
import { runWorkerMain } from '../harness/worker-main.js';
import { TOKEN_ENV } from '../proto/access.js';
import { type AccessCliOptions, accessFromCli, addAccessOptions, udfRootsFromCli } from './access-options.js';

function count(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be an integer ≥ 0`);
    return n;
  };
}

interface WorkerCliOptions extends AccessCliOptions {
  id: string;
  provision_endpoint?: string;
  control_endpoint?: string;
  logging_endpoint?: string;
  threads?: number;
  udfTimeoutMs?: number;
  udfMemoryMb?: number;
}

export function registerWorker(program: Command): void {
  const cmd = program
    .command('worker')
    .description('run a Beam Fn API worker (SDK harness) for Flink or the vecudf runner')
    .requiredOption('--id <id>', 'worker id, sent as the worker_id metadata on every call')
    .option('--provision_endpoint <host:port>', 'ProvisionService: where to ask for the other endpoints')
    .option('--control_endpoint <host:port>', 'BeamFnControl (overrides the provision info)')
    .option('--logging_endpoint <host:port>', 'BeamFnLogging (overrides the provision info)')
    .option('--artifact_endpoint <host:port>', 'accepted for Beam compatibility; unused')
    .option('--status_endpoint <host:port>', 'accepted for Beam compatibility; unused')
    .option('--semi_persist_dir <dir>', 'accepted for Beam compatibility; unused')
    .option(
      '--threads <n>',
      'executor threads (0 = main thread; default: pipeline option, else one per core)',
      count('--threads'),
    )
    .option(
      '--udf-timeout-ms <ms>',
      'fail a UDF batch running longer than this (0 = no limit)',
      count('--udf-timeout-ms'),
    )
    .option(
      '--udf-memory-mb <mb>',
      "heap limit of each executor thread; a UDF exhausting it fails its batch and the thread is replaced (default: Node's)",
      count('--udf-memory-mb'),
    );
  addAccessOptions(cmd, 'client').action(async (o: WorkerCliOptions) => {
    if (!o.provision_endpoint && !o.control_endpoint) {
      throw new InvalidArgumentError('give --provision_endpoint or --control_endpoint');
    }
    let worker: Worker | undefined;
    const stop = () => void worker?.stop();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      const access = accessFromCli(o);
      // Read once; UDF code need not find it in process.env (nor the executor threads inherit it).
      delete process.env[TOKEN_ENV];
      await runWorkerMain({
        id: o.id,
        provisionEndpoint: o.provision_endpoint,
        controlEndpoint: o.control_endpoint,
        loggingEndpoint: o.logging_endpoint,
        threads: o.threads,
        udfTimeoutMs: o.udfTimeoutMs,
        udfMemoryMb: o.udfMemoryMb,
        access,
        udfRoots: udfRootsFromCli(o),
        onStarted: (w) => {
          worker = w;
        },
      });
    } catch (e) {
      process.stderr.write(`vecudf worker ${o.id}: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
    // gRPC channels and pool threads may hold the event loop: the worker is done.
    process.exit();
  });
}
