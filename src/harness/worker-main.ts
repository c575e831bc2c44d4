/**
 * What `vecudf worker` does, as a function: resolves the endpoints (from GetProvisionInfo when
 * only `--provision_endpoint` is given, as Beam's PROCESS environment and Flink start workers),
 * the thread count (`--threads`, else the pipeline option `threads`), starts the worker and
 * resolves when it has stopped.
 *
 * @example
 * await runWorkerMain({ id: '1-1', provisionEndpoint: 'localhost:50000' });
 */
import { type Access, clientCredentials } from '../proto/access.js';
import { fetchProvisionInfo } from './provision.js';
import { startWorker, type Worker } from './worker.js';

export interface WorkerMainOptions {
  id: string;
  provisionEndpoint?: string | undefined;
  controlEndpoint?: string | undefined;
  loggingEndpoint?: string | undefined;
  threads?: number | undefined;
  udfTimeoutMs?: number | undefined;
  /** Heap limit of each executor thread in MiB (`--udf-memory-mb`). */
  udfMemoryMb?: number | undefined;
  /** TLS and token for every call to the runner (`--tls-*`, `--token-file`, `VECUDF_TOKEN`). */
  access?: Access | undefined;
  /** Directories UDF modules may be loaded from (`--udf-root`; default: the working directory). */
  udfRoots?: readonly string[] | undefined;
  /** Called once the worker is started (tests, signal handlers). */
  onStarted?: (w: Worker) => void;
}

/** A thread count from the pipeline options (`threads`, or `options.threads` as Beam nests them). */
export function threadsOption(po: Record<string, unknown> | undefined): number | undefined {
  const v = po?.threads ?? (po?.options as Record<string, unknown> | undefined)?.threads;
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

export async function runWorkerMain(o: WorkerMainOptions): Promise<void> {
  let control = o.controlEndpoint;
  let logging = o.loggingEndpoint;
  let threads = o.threads;
  const credentials = clientCredentials(o.access);
  if (o.provisionEndpoint && (!control || threads === undefined)) {
    const info = await fetchProvisionInfo(o.provisionEndpoint, o.id, undefined, credentials);
    control ??= info.controlEndpoint?.url;
    logging ??= info.loggingEndpoint?.url || undefined;
    threads ??= threadsOption(info.pipelineOptions as Record<string, unknown> | undefined);
  }
  if (!control) {
    throw new Error(
      'no control endpoint: give --control_endpoint, or --provision_endpoint of a runner that names one',
    );
  }
  const worker = startWorker({
    id: o.id,
    controlUrl: control,
    loggingUrl: logging,
    threads,
    udfTimeoutMs: o.udfTimeoutMs,
    udfMemoryMb: o.udfMemoryMb,
    credentials,
    udfRoots: o.udfRoots,
  });
  o.onStarted?.(worker);
  await worker.done;
  if (worker.failure) throw worker.failure;
}
