/**
 * `vecudf worker-pool`: a BeamFnExternalWorkerPool server, for runners with an EXTERNAL
 * environment (`beam:env:external:v1`) and for sharing one host among several runners.
 * StartWorker starts a worker as a child process (`vecudf worker --id … --control_endpoint …`):
 * a UDF that crashes or blocks its event loop takes down its own worker only, and workers use
 * separate cores. StopWorker (or the runner closing the worker's control stream) ends it. Many
 * workers at once; ids must be unique among the live ones.
 *
 * `StartWorkerRequest.params` named in `paramEnv` (default `TABLE_LOCAL_TIME_ZONE`, `TZ`) are set in
 * the worker's environment, as PyFlink's pool applies its params. Only those: a caller able to set
 * `NODE_OPTIONS`, `LD_PRELOAD`, `PATH` or `TMPDIR` could make the worker run code of its choosing.
 *
 * @example
 * const pool = await WorkerPoolServer.start({ port: 50000 });
 * // runner: StartWorker{worker_id: 'w1', control_endpoint: {url: 'localhost:41000'}, …}
 * await pool.close();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import {
  type Access,
  accessArgs,
  accessEnv,
  checkBind,
  serverCredentials,
  serverOptions,
} from '../proto/access.js';
import { SERVER_OPTIONS } from '../proto/channel-options.js';
import {
  BeamFnExternalWorkerPoolService,
  type StartWorkerRequest,
  type StartWorkerResponse,
  type StopWorkerRequest,
  type StopWorkerResponse,
} from '../proto/fn-api.js';

export interface WorkerPoolOptions {
  /** Port to listen on (0 = any free port). */
  port?: number;
  /** Address to bind (default 127.0.0.1; anything else needs `access` with TLS and a token). */
  host?: string;
  /** TLS and the token checked on every call; the workers it starts use the same to reach their runner. */
  access?: Access | undefined;
  /** The command that runs the vecudf CLI, before `worker …` (default: this process's own CLI). */
  command?: readonly string[];
  /** Extra `vecudf worker` arguments for every worker (e.g. `--threads=2`). */
  workerArgs?: readonly string[];
  /** `StartWorkerRequest.params` passed on as environment variables (default: TABLE_LOCAL_TIME_ZONE, TZ). */
  paramEnv?: readonly string[] | undefined;
  /** Receives each line a worker prints (default: this process's stderr, prefixed with the id). */
  onOutput?: (workerId: string, line: string) => void;
}

/** Params that only describe the session; anything that could change what code runs stays out. */
export const DEFAULT_PARAM_ENV: readonly string[] = ['TABLE_LOCAL_TIME_ZONE', 'TZ'];

/** This process's own CLI: the same node binary, flags (e.g. tsx's loader) and script. */
function ownCommand(): string[] {
  return [process.execPath, ...process.execArgv, process.argv[1]!];
}

interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
}

export class WorkerPoolServer {
  readonly #children = new Map<string, Child>();
  readonly #opts: WorkerPoolOptions;
  #closed = false;

  private constructor(
    readonly server: grpc.Server,
    readonly host: string,
    readonly port: number,
    opts: WorkerPoolOptions,
  ) {
    this.#opts = opts;
  }

  /** `host:port` runners call. */
  get url(): string {
    return `${this.host}:${this.port}`;
  }

  /** Ids of the workers running now. */
  get workerIds(): string[] {
    return [...this.#children.keys()];
  }

  static async start(opts: WorkerPoolOptions = {}): Promise<WorkerPoolServer> {
    const host = opts.host ?? '127.0.0.1';
    checkBind(host, opts.access, 'vecudf worker-pool');
    const server = new grpc.Server(serverOptions(SERVER_OPTIONS, opts.access));
    let self: WorkerPoolServer | undefined;
    server.addService(BeamFnExternalWorkerPoolService, {
      startWorker(
        call: grpc.ServerUnaryCall<StartWorkerRequest, StartWorkerResponse>,
        cb: grpc.sendUnaryData<StartWorkerResponse>,
      ) {
        cb(null, { error: self!.startWorker(call.request) });
      },
      stopWorker(
        call: grpc.ServerUnaryCall<StopWorkerRequest, StopWorkerResponse>,
        cb: grpc.sendUnaryData<StopWorkerResponse>,
      ) {
        self!.stopWorker(call.request.workerId).then(
          (error) => cb(null, { error }),
          (e: Error) => cb(null, { error: e.message }),
        );
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${opts.port ?? 0}`, serverCredentials(opts.access), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    self = new WorkerPoolServer(server, host, port, opts);
    return self;
  }

  /** Starts a worker; returns '' or the reason it could not be started. */
  startWorker(req: StartWorkerRequest): string {
    if (this.#closed) return 'the worker pool is shutting down';
    const id = req.workerId;
    if (!id) return 'StartWorkerRequest without a worker_id';
    if (this.#children.has(id)) return `worker '${id}' is already running`;
    const control = req.controlEndpoint?.url;
    const provision = req.provisionEndpoint?.url;
    if (!control && !provision) return 'StartWorkerRequest names neither a control nor a provision endpoint';
    const args = [`--id=${id}`];
    if (control) args.push(`--control_endpoint=${control}`);
    if (req.loggingEndpoint?.url) args.push(`--logging_endpoint=${req.loggingEndpoint.url}`);
    if (provision) args.push(`--provision_endpoint=${provision}`);
    args.push(...accessArgs(this.#opts.access), ...(this.#opts.workerArgs ?? []));
    const env = accessEnv(process.env, this.#opts.access);
    const paramEnv = this.#opts.paramEnv ?? DEFAULT_PARAM_ENV;
    for (const [k, v] of Object.entries(req.params)) if (paramEnv.includes(k)) env[k] = v;
    const [cmd, ...prefix] = this.#opts.command ?? ownCommand();
    let child: ChildProcess;
    try {
      child = spawn(cmd!, [...prefix, 'worker', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      return `cannot start worker '${id}': ${(e as Error).message}`;
    }
    const out =
      this.#opts.onOutput ??
      ((wid: string, line: string) => void process.stderr.write(`[worker ${wid}] ${line}\n`));
    for (const s of [child.stdout!, child.stderr!]) {
      let partial = '';
      s.on('data', (b: Buffer) => {
        const lines = (partial + b.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) out(id, l);
      });
    }
    const exited = new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        if (this.#children.get(id)?.process === child) this.#children.delete(id);
        if (code !== 0 && !this.#closed) out(id, `exited with ${signal ?? `code ${code}`}`);
        resolve();
      });
      child.on('error', (e) => {
        if (this.#children.get(id)?.process === child) this.#children.delete(id);
        out(id, `could not be started: ${e.message}`);
        resolve();
      });
    });
    this.#children.set(id, { process: child, exited });
    return '';
  }

  /** Stops a worker (SIGTERM, then SIGKILL after `graceMs`); returns '' or why not. */
  async stopWorker(id: string, graceMs = 5000): Promise<string> {
    const c = this.#children.get(id);
    if (!c) return ''; // already gone (its runner closed the control stream): nothing to do
    c.process.kill('SIGTERM');
    const killed = await Promise.race([
      c.exited.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref()),
    ]);
    if (killed) {
      c.process.kill('SIGKILL');
      await c.exited;
    }
    return '';
  }

  /** Stops every worker and the server. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#children.keys()].map((id) => this.stopWorker(id, 2000)));
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 1000);
      this.server.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
