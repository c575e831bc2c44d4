/**
 * The Fn API worker (SDK harness): connects to the runner's Control, Logging and Data services,
 * answers instructions, and runs bundles through the executor pool.
 *
 * Control: process_bundle (several in flight; the descriptor is pulled with
 * GetProcessBundleDescriptor the first time an id is named), process_bundle_progress,
 * process_bundle_split (an empty answer: no split), finalize_bundle, monitoring_infos,
 * harness_monitoring_infos, register (pushed descriptors). Anything else, or anything malformed,
 * gets an InstructionResponse with `error` — the worker goes on. A failing bundle is answered with
 * an error naming the UDF, the bundle and the rows; the next bundle runs normally.
 *
 * @example
 * const w = await startWorker({ id: '1-1', controlUrl: 'localhost:50000', loggingUrl: 'localhost:50000' });
 * await w.done;   // until the runner closes the control stream
 */
import * as grpc from '@grpc/grpc-js';
import { createExecutorPool } from '../pool/create-pool.js';
import type { ExecutorPool } from '../pool/types.js';
import {
  BeamFnControlClient,
  BeamFnControlService,
  type InstructionRequest,
  type InstructionResponse,
  type ProcessBundleDescriptor,
  type ProcessBundleRequest,
} from '../proto/fn-api.js';
import { zoneOffset } from '../series/kernels/temporal.js';
import { type BundleContext, inBundle } from './bundle-context.js';
import { captureConsole } from './console-capture.js';
import {
  decodeInstruction,
  encodeReportResponse,
  encodeResponse,
  type MalformedRequest,
} from './control-codec.js';
import { DataChannel, type DataChannelOptions } from './data-channel.js';
import { DescriptorCache } from './descriptors.js';
import { LogSink } from './log-sink.js';
import { MetricReport, WorkerMetrics } from './metrics.js';
import { newStageCounts, runStage, type StageCounts } from './stage-runner.js';
import type { Stage } from './stages.js';
import { insecure, workerChannelOptions } from './worker-id.js';

export interface WorkerOptions {
  /** The worker id (`--id`, StartWorkerRequest.worker_id): sent as `worker_id` metadata. */
  id: string;
  /** BeamFnControl `host:port`. */
  controlUrl: string;
  /** BeamFnLogging `host:port`; without it logs go to stderr. */
  loggingUrl?: string | undefined;
  /** Executor threads (0 = the main thread; default: the pool's default, one per core). */
  threads?: number | undefined;
  /** Per-UDF-batch time limit in ms (0 = none). */
  udfTimeoutMs?: number | undefined;
  /**
   * Heap limit of each executor thread in MiB (V8's old generation; unset = Node's default). A UDF
   * that exhausts it fails its batch with an out-of-memory error; the thread is replaced.
   */
  udfMemoryMb?: number | undefined;
  /** Send console output and stdout/stderr to the Logging service (default: when it is connected). */
  captureConsole?: boolean | undefined;
  /** Data stream tuning. */
  data?: DataChannelOptions | undefined;
  /**
   * TLS and token for the runner's services (src/proto/access.ts `clientCredentials`; default:
   * plain text, for a runner on loopback).
   */
  credentials?: grpc.ChannelCredentials | undefined;
  /**
   * Directories UDF modules may be loaded from (real paths; vecudf's own node_modules too); a
   * payload naming anything else fails its bundle. Default: the working directory.
   */
  udfRoots?: readonly string[] | undefined;
  /** An executor pool to use instead of creating one (tests). */
  pool?: ExecutorPool | undefined;
  /** How long to wait for GetProcessBundleDescriptor (default 30 s). */
  descriptorTimeoutMs?: number | undefined;
}

interface ActiveBundle {
  readonly instructionId: string;
  readonly counts: Map<string, StageCounts>;
  stages: Stage[];
}

/** How long bundles in flight may take to end once the runner closed the control stream. */
const STOP_GRACE_MS = 2_000;

export class Worker {
  readonly id: string;
  readonly log: LogSink;
  readonly metrics = new WorkerMetrics();
  /** Resolves when the worker has shut down (the runner closed the control stream, or `stop()`). */
  readonly done: Promise<void>;
  readonly #client: BeamFnControlClient;
  readonly #control: grpc.ClientDuplexStream<Buffer, InstructionRequest | MalformedRequest>;
  readonly #pool: ExecutorPool;
  readonly #ownsPool: boolean;
  readonly #descriptors: DescriptorCache;
  readonly #channels = new Map<string, DataChannel>();
  readonly #active = new Map<string, ActiveBundle>();
  readonly #opts: WorkerOptions;
  #restoreConsole: (() => void) | undefined;
  #stopping: Promise<void> | undefined;
  #resolveDone!: () => void;
  /** Why the worker stopped, if it was not the runner ending the control stream normally. */
  failure: Error | undefined;

  constructor(opts: WorkerOptions) {
    this.id = opts.id;
    // The data channels (opened per data endpoint, later) use the same credentials.
    this.#opts = opts.credentials ? { ...opts, data: { ...opts.data, credentials: opts.credentials } } : opts;
    this.done = new Promise((r) => {
      this.#resolveDone = r;
    });
    this.log = new LogSink({ workerId: opts.id, url: opts.loggingUrl, credentials: opts.credentials });
    if (opts.captureConsole ?? this.log.streaming) {
      this.#restoreConsole = captureConsole(this.log, () => this.#soleBundle());
    }
    this.#ownsPool = !opts.pool;
    this.#pool =
      opts.pool ??
      createExecutorPool({
        ...(opts.threads === undefined ? {} : { threads: opts.threads }),
        ...(opts.udfTimeoutMs === undefined ? {} : { udfTimeoutMs: opts.udfTimeoutMs }),
        ...(opts.udfMemoryMb ? { resourceLimits: { maxOldGenerationSizeMb: opts.udfMemoryMb } } : {}),
        planOptions: { allowedDirs: opts.udfRoots ?? [process.cwd()] },
      });
    this.#client = new BeamFnControlClient(
      opts.controlUrl,
      opts.credentials ?? insecure(),
      workerChannelOptions(opts.id),
    );
    this.#descriptors = new DescriptorCache((id) => this.#pullDescriptor(id));
    this.#control = this.#client.makeBidiStreamRequest(
      BeamFnControlService.control.path,
      (b: Buffer) => b,
      decodeInstruction,
    );
    this.#control.on('data', (req: InstructionRequest | MalformedRequest) => {
      void this.#handle(req);
    });
    this.#control.on('error', (e: Error) => {
      this.failure ??= new Error(`control stream to ${opts.controlUrl} failed: ${e.message}`);
      this.log.log('error', this.failure.message);
      void this.stop();
    });
    this.#control.on('end', () => {
      // after an 'error' the stream ends too: the error already said why
      if (!this.failure)
        this.log.log('info', `the runner closed the control stream; worker ${opts.id} stops`);
      void this.stop();
    });
    this.log.log(
      'info',
      `vecudf worker ${opts.id} connected to control ${opts.controlUrl} (executor threads: ${this.#pool.threads}, ` +
        `TABLE_LOCAL_TIME_ZONE=${process.env.TABLE_LOCAL_TIME_ZONE ?? '(unset)'})`,
    );
    checkTimeZone(this.log);
  }

  /** Bundles in flight. */
  get activeBundles(): number {
    return this.#active.size;
  }

  #soleBundle(): BundleContext | undefined {
    if (this.#active.size !== 1) return undefined;
    const b = this.#active.values().next().value!;
    return { instructionId: b.instructionId, transformId: b.stages[0]?.transformId ?? '' };
  }

  #respond(r: InstructionResponse): void {
    this.#send(r.instructionId, () => encodeResponse(r));
  }

  /** A bundle's (or a progress request's) answer: its metrics, encoded from their slots. */
  #respondReport(
    instructionId: string,
    field: 'processBundle' | 'processBundleProgress',
    report: MetricReport,
  ): void {
    this.#send(instructionId, () => encodeReportResponse(instructionId, field, report.slots, report.values));
  }

  #send(instructionId: string, encode: () => Buffer): void {
    try {
      this.#control.write(encode());
    } catch (e) {
      this.log.log(
        'error',
        `cannot send the response to instruction ${instructionId}: ${(e as Error).message}`,
      );
    }
  }

  #error(instructionId: string, error: string): void {
    this.#respond({ instructionId, error: error || 'unknown error' });
  }

  #pullDescriptor(id: string): Promise<ProcessBundleDescriptor> {
    const timeout = this.#opts.descriptorTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      this.#client.getProcessBundleDescriptor(
        { processBundleDescriptorId: id },
        new grpc.Metadata(),
        { deadline: Date.now() + timeout },
        (err, d) => {
          if (err) reject(new Error(`GetProcessBundleDescriptor(${id}) failed: ${err.message}`));
          else if (!d) reject(new Error(`GetProcessBundleDescriptor(${id}) returned nothing`));
          else resolve(d);
        },
      );
    });
  }

  #channel(url: string): DataChannel {
    let ch = this.#channels.get(url);
    if (!ch || ch.error) {
      ch?.close();
      ch = new DataChannel(url, this.id, { log: (s, m) => this.log.log(s, m), ...this.#opts.data });
      this.#channels.set(url, ch);
    }
    return ch;
  }

  async #handle(req: InstructionRequest | MalformedRequest): Promise<void> {
    const id = req.instructionId;
    try {
      if ('malformed' in req) return this.#error(id, req.malformed);
      if (req.processBundle) return await this.#processBundle(id, req.processBundle);
      if (req.processBundleProgress) {
        const b = this.#active.get(req.processBundleProgress.instructionId);
        if (!b) return this.#error(id, `no bundle ${req.processBundleProgress.instructionId} is in flight`);
        return this.#respondReport(id, 'processBundleProgress', this.#elementReport(b));
      }
      if (req.processBundleSplit) {
        if (!this.#active.has(req.processBundleSplit.instructionId)) {
          return this.#error(id, `no bundle ${req.processBundleSplit.instructionId} is in flight`);
        }
        // Splitting is optional: an empty answer keeps the whole bundle here.
        return this.#respond({
          instructionId: id,
          error: '',
          processBundleSplit: { primaryRoots: [], residualRoots: [], channelSplits: [] },
        });
      }
      if (req.finalizeBundle) {
        // No bundle asks for finalization (requires_finalization is always false), so a request
        // names a bundle that cannot be finalized — an error, as in Beam's Python harness.
        return this.#error(
          id,
          `bundle ${req.finalizeBundle.instructionId} cannot be finalized: this worker's bundles never ask for finalization (requires_finalization is false)`,
        );
      }
      if (req.monitoringInfos) {
        return this.#respond({
          instructionId: id,
          error: '',
          monitoringInfos: { monitoringInfo: this.metrics.metadata(req.monitoringInfos.monitoringInfoId) },
        });
      }
      if (req.harnessMonitoringInfos) {
        return this.#respond({
          instructionId: id,
          error: '',
          harnessMonitoringInfos: { monitoringData: this.metrics.harnessReport().data() },
        });
      }
      if (req.register) {
        for (const d of req.register.processBundleDescriptor) this.#descriptors.register(d);
        return this.#respond({ instructionId: id, error: '', register: {} });
      }
      if (req.sampleData) return this.#error(id, 'sample_data is not supported by the vecudf worker');
      return this.#error(
        id,
        'unknown or empty instruction: this worker handles process_bundle, ' +
          'process_bundle_progress, process_bundle_split, finalize_bundle, monitoring_infos, harness_monitoring_infos, register',
      );
    } catch (e) {
      this.#error(id, `${(e as Error).message ?? String(e)}`);
    }
  }

  #elementReport(b: ActiveBundle): MetricReport {
    const report = new MetricReport();
    for (const s of b.stages) {
      const c = b.counts.get(s.transformId);
      if (c) this.metrics.addElementInfos(report, s, c.elementsIn, c.elementsOut);
    }
    return report;
  }

  async #processBundle(id: string, req: ProcessBundleRequest): Promise<void> {
    if (!req.processBundleDescriptorId)
      return this.#error(id, 'process_bundle without a process_bundle_descriptor_id');
    if (this.#active.has(id)) return this.#error(id, `instruction ${id} is already in flight`);
    if (req.elements && (req.elements.data.length > 0 || req.elements.timers.length > 0)) {
      // Only sent to SDKs declaring beam:protocol:control_request_elements_embedding:v1; this one does not.
      return this.#error(id, 'elements embedded in the ProcessBundleRequest are not supported');
    }
    const bundle: ActiveBundle = { instructionId: id, counts: new Map(), stages: [] };
    this.#active.set(id, bundle);
    const totals = this.metrics.totals;
    try {
      bundle.stages = await this.#descriptors.stages(req.processBundleDescriptorId);
      const deps = { pool: this.#pool, channel: (url: string) => this.#channel(url) };
      const counts = await Promise.all(
        bundle.stages.map((s) =>
          inBundle({ instructionId: id, transformId: s.transformId }, () => {
            const c = newStageCounts();
            bundle.counts.set(s.transformId, c);
            return runStage(id, s, deps, c);
          }),
        ),
      );
      const report = new MetricReport();
      for (let i = 0; i < bundle.stages.length; i++) {
        const s = bundle.stages[i]!;
        const c = counts[i]!;
        this.metrics.addUdfInfos(report, s, this.#pool.udfMetrics(s.planKey));
        this.metrics.addElementInfos(report, s, c.elementsIn, c.elementsOut);
        totals.elementsIn += c.elementsIn;
        totals.elementsOut += c.elementsOut;
        totals.bytesIn += c.bytesIn;
        totals.bytesOut += c.bytesOut;
      }
      totals.bundles++;
      // a ProcessBundleResponse: the infos and their monitoring_data, no residuals or finalization
      this.#respondReport(id, 'processBundle', report);
    } catch (e) {
      totals.bundles++;
      totals.bundlesFailed++;
      const msg = (e as Error).message ?? String(e);
      if (this.#stopping) {
        // the runner went away (or stop() was called): nobody waits for this bundle any more
        this.log.log('warn', `bundle ${id} abandoned: the worker is stopping (${msg.split('\n')[0]})`, {
          instructionId: id,
        });
      } else {
        this.log.log('error', `bundle ${id} failed: ${msg.split('\n')[0]}`, {
          instructionId: id,
          trace: (e as Error).stack,
        });
      }
      this.#error(id, msg);
    } finally {
      this.#active.delete(id);
      // Input still buffered or arriving for this bundle is dropped (all channels: a failed
      // descriptor pull leaves us not knowing which one it would use).
      for (const ch of this.#channels.values()) ch.finish(id);
    }
  }

  /**
   * Bundles in flight get a moment to end when the runner closed the stream on purpose, none when
   * it went away (its streams broke: nobody waits for their results); a UDF that hangs is then
   * cut off (its threads are destroyed), so that the worker always exits.
   */
  async #closePool(): Promise<void> {
    if (!this.failure) {
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        this.#pool.close().then(() => true),
        new Promise<false>((r) => {
          timer = setTimeout(() => r(false), STOP_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
      if (ended) return;
      this.log.log(
        'warn',
        `bundles still running ${STOP_GRACE_MS} ms after the runner closed the stream: stopped`,
      );
    }
    await this.#pool.close({ force: true });
  }

  /** Closes the control stream, lets bundles in flight end (briefly), closes data, logging and the pool. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      try {
        this.#control.end();
      } catch {
        // already closed
      }
      for (const ch of this.#channels.values()) ch.close();
      this.#channels.clear();
      if (this.#ownsPool) await this.#closePool();
      this.#client.close();
      this.#restoreConsole?.();
      await this.log.close();
      this.#resolveDone();
    })();
    return this.#stopping;
  }
}

/**
 * TABLE_LOCAL_TIME_ZONE is the session time zone in which TIMESTAMP_LTZ values are shown to UDFs
 * (the executor threads inherit it with the environment). Flink always sets it; a zone the kernels
 * cannot use is reported at start rather than at the first LTZ column.
 */
function checkTimeZone(log: LogSink): void {
  const tz = process.env.TABLE_LOCAL_TIME_ZONE;
  if (!tz) {
    log.log('warn', 'TABLE_LOCAL_TIME_ZONE is not set: TIMESTAMP_LTZ values are shown in UTC');
    return;
  }
  try {
    zoneOffset(tz);
  } catch (e) {
    log.log('error', `TABLE_LOCAL_TIME_ZONE=${tz}: ${(e as Error).message}`);
  }
}

/** Starts a worker (the control stream opens at once). */
export function startWorker(opts: WorkerOptions): Worker {
  return new Worker(opts);
}
