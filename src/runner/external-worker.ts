/**
 * EXTERNAL environment: asks a worker pool (`vecudf worker-pool`, or any Beam
 * BeamFnExternalWorkerPool) to start a worker with this runner's endpoints, waits for its
 * Control stream, and asks the pool to stop it on close.
 *
 * @example
 * const w = await startExternalWorker(servers, 'w1', '127.0.0.1:50000');
 * await w.close();
 */
import * as grpc from '@grpc/grpc-js';
import { clientCredentials } from '../proto/access.js';
import { CHANNEL_OPTIONS } from '../proto/channel-options.js';
import {
  BeamFnExternalWorkerPoolClient,
  type StartWorkerResponse,
  type StopWorkerResponse,
} from '../proto/fn-api.js';
import type { WorkerHandle } from './process-worker.js';
import type { RunnerServers } from './servers.js';

export interface ExternalWorkerOptions {
  /** `StartWorkerRequest.params` for the pool. */
  params?: Record<string, string>;
  /** How long to wait for StartWorker and then for the worker's Control stream (default 30 s). */
  startTimeoutMs?: number;
}

function call<T>(fn: (cb: (err: grpc.ServiceError | null, r: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, r) => (err ? reject(err) : resolve(r))));
}

export async function startExternalWorker(
  servers: RunnerServers,
  id: string,
  poolAddress: string,
  opts: ExternalWorkerOptions = {},
  pipelineOptions: Record<string, unknown> = {},
): Promise<WorkerHandle> {
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const conn = servers.expectWorker(id, { pipelineOptions });
  const client = new BeamFnExternalWorkerPoolClient(
    poolAddress,
    clientCredentials(servers.access), // TLS and token towards a pool elsewhere
    CHANNEL_OPTIONS,
  );
  const fail = (why: string, cause?: unknown): never => {
    client.close();
    servers.forgetWorker(id);
    throw new Error(`cannot start worker ${id} on the pool at ${poolAddress}: ${why}`, { cause });
  };
  let resp: StartWorkerResponse | undefined;
  try {
    // Wait for the pool to accept connections (it may still be starting) rather than fail fast.
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())),
    );
    resp = await call<StartWorkerResponse>((cb) =>
      client.startWorker(
        {
          workerId: id,
          controlEndpoint: { url: servers.controlUrl },
          loggingEndpoint: { url: servers.controlUrl },
          provisionEndpoint: { url: servers.controlUrl },
          params: opts.params ?? {},
        },
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        cb,
      ),
    );
  } catch (e) {
    fail((e as Error).message, e);
  }
  if (resp?.error) fail(resp.error);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      conn.ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the worker did not connect within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (e) {
    conn.close();
    fail((e as Error).message, e);
  } finally {
    clearTimeout(timer);
  }

  let closing: Promise<void> | undefined;
  return {
    id,
    connection: conn,
    close() {
      closing ??= (async () => {
        conn.close();
        try {
          const r = await call<StopWorkerResponse>((cb) =>
            client.stopWorker({ workerId: id }, new grpc.Metadata(), { deadline: Date.now() + 5000 }, cb),
          );
          if (r.error) throw new Error(r.error);
        } catch {
          // The pool may already have dropped the worker when its control stream ended.
        } finally {
          client.close();
          servers.forgetWorker(id);
        }
      })();
      return closing;
    },
  };
}
