/**
 * The runner's gRPC endpoints, on 127.0.0.1 unless `host` says otherwise (ephemeral ports): one server for Provision, Control,
 * Logging and State, and one for Data, so that the data plane has its own HTTP/2 connection
 * (as Beam's runner gives it its own server). Holds what the services look up: the workers
 * this runner expects, the descriptors it registered, the provision info it hands out.
 *
 * @example
 * const servers = await RunnerServers.start();
 * const conn = servers.expectWorker('w1', { pipelineOptions: {} });
 * // start the worker with --provision_endpoint=localhost:${servers.controlPort}, then:
 * await conn.ready;
 *
 * Reachable from other machines (a worker pool elsewhere) only with TLS and a token:
 * RunnerServers.start({ host: '0.0.0.0', advertiseHost: 'runner-1.example', access: loadAccess({ … }) });
 */
import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { type Access, checkBind, serverCredentials, serverOptions } from '../proto/access.js';
import { SERVER_OPTIONS } from '../proto/channel-options.js';
import type { LogEntry, ProcessBundleDescriptor, ProvisionInfo } from '../proto/fn-api.js';
import { type ServerTuning, tuneServer } from './server-tuning.js';
import { addControlServices, addDataService, type ServiceRegistry } from './services.js';
import { WorkerConnection } from './worker-connection.js';

export interface RunnerServersOptions {
  /** Address to bind (default 127.0.0.1: loopback only; anything else needs `access` with TLS and a token). */
  host?: string | undefined;
  /** Host name workers are told to connect to (default: `host`, or this machine's name for 0.0.0.0 / ::). */
  advertiseHost?: string | undefined;
  /** TLS and the token checked on every call (see src/proto/access.ts); also handed to the workers it starts. */
  access?: Access | undefined;
  /** `--udf-root` directories of the PROCESS workers it starts (default: their working directory). */
  workerUdfRoots?: readonly string[] | undefined;
  /** HTTP/2 windows and frame size of the servers (see server-tuning.ts); `false` keeps Node's defaults. */
  tuning?: ServerTuning | false;
  /** Receives every log entry a worker sends. */
  onLog?: (workerId: string, entry: LogEntry) => void;
}

export interface ExpectOptions {
  /** `ProvisionInfo.pipeline_options` for this worker. */
  pipelineOptions?: Record<string, unknown>;
}

/** How many recent log entries are kept per worker, for error messages. */
const LOG_TAIL = 50;

export class RunnerServers implements ServiceRegistry {
  private readonly connections = new Map<string, WorkerConnection>();
  private readonly descriptors = new Map<string, ProcessBundleDescriptor>();
  private readonly provision = new Map<string, ProvisionInfo>();
  private readonly logTails = new Map<string, LogEntry[]>();
  private closed = false;

  private constructor(
    private readonly controlServer: grpc.Server,
    private readonly dataServer: grpc.Server,
    readonly host: string,
    readonly controlPort: number,
    readonly dataPort: number,
    private readonly onLog: ((workerId: string, entry: LogEntry) => void) | undefined,
    /** TLS files and token: workers this runner starts get the same. */
    readonly access: Access | undefined,
    private readonly advertiseHost: string,
    /** `--udf-root` directories for PROCESS workers (a pool's workers follow the pool's own). */
    readonly workerUdfRoots: readonly string[] | undefined,
  ) {}

  /** Starts both servers on ephemeral ports. */
  static async start(opts: RunnerServersOptions = {}): Promise<RunnerServers> {
    const host = opts.host ?? '127.0.0.1';
    checkBind(host, opts.access, 'the runner');
    const credentials = serverCredentials(opts.access);
    const control = new grpc.Server(serverOptions(SERVER_OPTIONS, opts.access));
    const data = new grpc.Server(serverOptions(SERVER_OPTIONS, opts.access));
    let self: RunnerServers | undefined;
    const reg: ServiceRegistry = {
      connection: (id) => self?.connection(id),
      descriptor: (id) => self?.descriptor(id),
      provisionInfo: (id) => self?.provisionInfo(id),
      log: (id, e) => self?.log(id, e),
    };
    addControlServices(control, reg);
    addDataService(data, reg);
    const bind = (s: grpc.Server) =>
      new Promise<number>((resolve, reject) =>
        s.bindAsync(
          `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:0`,
          credentials,
          (err, port) => (err ? reject(err) : resolve(port)),
        ),
      );
    const [controlPort, dataPort] = await Promise.all([bind(control), bind(data)]);
    if (opts.tuning !== false) {
      tuneServer(control, opts.tuning ?? {});
      tuneServer(data, opts.tuning ?? {});
    }
    const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
    const advertise = opts.advertiseHost ?? (wildcard ? hostname() : host);
    self = new RunnerServers(
      control,
      data,
      host,
      controlPort,
      dataPort,
      opts.onLog,
      opts.access,
      advertise,
      opts.workerUdfRoots,
    );
    return self;
  }

  /** `host:port` of Provision / Control / Logging / State. */
  get controlUrl(): string {
    return `${this.urlHost}:${this.controlPort}`;
  }

  /** `host:port` of Data (what the descriptor's RemoteGrpcPort names). */
  get dataUrl(): string {
    return `${this.urlHost}:${this.dataPort}`;
  }

  private get urlHost(): string {
    const h = this.advertiseHost;
    return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
  }

  /** Registers a worker id this runner is about to start; its streams are accepted from now on. */
  expectWorker(id: string, opts: ExpectOptions = {}): WorkerConnection {
    if (this.closed) throw new Error('the runner servers are closed');
    if (this.connections.has(id)) throw new Error(`worker id '${id}' is already in use`);
    const conn = new WorkerConnection(id);
    this.connections.set(id, conn);
    this.provision.set(id, {
      pipelineOptions: opts.pipelineOptions ?? {},
      retrievalToken: '',
      controlEndpoint: { url: this.controlUrl },
      loggingEndpoint: { url: this.controlUrl },
      dependencies: [],
      runnerCapabilities: [],
      metadata: {},
      siblingWorkerIds: [],
    });
    return conn;
  }

  /** Forgets a worker (after it was closed). */
  forgetWorker(id: string): void {
    this.connections.delete(id);
    this.provision.delete(id);
    this.logTails.delete(id);
  }

  registerDescriptor(d: ProcessBundleDescriptor): void {
    this.descriptors.set(d.id, d);
  }

  connection(id: string): WorkerConnection | undefined {
    return this.connections.get(id);
  }

  descriptor(id: string): ProcessBundleDescriptor | undefined {
    return this.descriptors.get(id);
  }

  provisionInfo(id: string): ProvisionInfo | undefined {
    return this.provision.get(id);
  }

  log(workerId: string, entry: LogEntry): void {
    let tail = this.logTails.get(workerId);
    if (!tail) this.logTails.set(workerId, (tail = []));
    tail.push(entry);
    if (tail.length > LOG_TAIL) tail.shift();
    this.onLog?.(workerId, entry);
  }

  /** The last log entries a worker sent (newest last). */
  recentLogs(workerId: string): readonly LogEntry[] {
    return this.logTails.get(workerId) ?? [];
  }

  /** Closes every worker connection and both servers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.connections.values()) c.close();
    await Promise.all(
      [this.controlServer, this.dataServer].map(
        (s) =>
          new Promise<void>((resolve) => {
            // Give streams a moment to end cleanly, then cut whatever is left.
            const t = setTimeout(() => {
              s.forceShutdown();
              resolve();
            }, 500);
            s.tryShutdown(() => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
  }
}
