/**
 * The runner: vecudf's stand-in for Flink's Java Arrow operator. It hosts the Fn API servers,
 * starts a worker (a child process, or one from a worker pool), and runs plans over streams of
 * Arrow record batches through that worker, yielding the input columns plus the result columns.
 *
 * @example
 * import { Runner } from 'vecudf/runner';
 * const runner = await Runner.start();                       // spawns `vecudf worker`
 * const run = runner.run(batches, {
 *   plan: { calls: [{ udf: { module: './udfs.ts', export: 'plus' }, args: [{ column: 0 }, { column: 1 }] }] },
 *   columns: ['a', 'b'],
 * });
 * for await (const out of run) console.log(out.numRows);    // columns: …input, result
 * console.log(run.metrics.elapsedMs, run.metrics.udfMs);
 * await runner.close();
 *
 * Faults: a worker that dies fails the bundles in flight with an error naming the bundle, its
 * rows and how the worker ended (exit code or signal) — or, with `retries`, the runner starts a
 * new worker and sends those bundles again, whole, so the output still has every row once, in
 * order. `bundleTimeoutMs` fails a bundle that hangs instead of waiting forever.
 *
 * @example
 * const runner = await Runner.start({ retries: 2, bundleTimeoutMs: 60_000 });
 */
import { type RecordBatch, Schema } from 'apache-arrow';
import type { Plan } from '../exec/plan.js';
import { toFlinkSchema } from '../harness/flink-schema.js';
import type { Access } from '../proto/access.js';
import { CoderInfoDescriptor, CoderInfoDescriptor_Mode, UserDefinedFunctions } from '../proto/flink.js';
import type { LogEntry } from '../proto/fn-api.js';
import { fromArrowField, toArrowField } from '../types/arrow-mapping.js';
import type { DataType } from '../types/data-types.js';
import { arrowModeCodec } from './arrow-mode.js';
import type { BatchSource } from './batch-cutter.js';
import { Bundle, type BundleRetry, type BundleTransport, type WorkerSlot } from './bundle.js';
import { type ColumnRef, groupChunks, resolveColumns, scalarChunks } from './chunks.js';
import { ARROW_AGGREGATE_URN, buildDescriptor, SCALAR_FUNCTION_URN } from './descriptor.js';
import { type ExternalWorkerOptions, startExternalWorker } from './external-worker.js';
import { emptyMetrics, type RunMetrics } from './metrics.js';
import type { ModeCodec } from './mode.js';
import { MonitoringTotals } from './monitoring.js';
import { type BundlingOptions, DEFAULT_BUNDLING, runOperator } from './operator.js';
import { describePlan, type PlanInfo } from './plan-info.js';
import { type ProcessWorkerOptions, startProcessWorker, type WorkerHandle } from './process-worker.js';
import { rowModeCodec } from './row-mode.js';
import type { ServerTuning } from './server-tuning.js';
import { RunnerServers } from './servers.js';
import { openSource } from './source-reader.js';
import { buildUserDefinedFunctions } from './udf-payload.js';
import { udfTimeMs } from './udf-time.js';

/** How the worker is started. */
export type WorkerEnvironment =
  | ({ type: 'process' } & ProcessWorkerOptions)
  | ({
      type: 'external' /** `host:port` of a BeamFnExternalWorkerPool. */;
      address: string;
    } & ExternalWorkerOptions)
  | {
      /** Starts the worker some other way (in-process, in tests): must connect it and resolve once it is ready. */
      type: 'custom';
      start(
        servers: RunnerServers,
        id: string,
        pipelineOptions: Record<string, unknown>,
      ): Promise<WorkerHandle>;
    };

export interface RunnerOptions {
  /** Default: a child process running `vecudf worker`. */
  environment?: WorkerEnvironment;
  /** UDF threads of the worker (sent as the pipeline option `threads`). */
  threads?: number;
  /** Worker id (default `<pid>-<n>`, unique in this process). */
  workerId?: string;
  /** HTTP/2 windows of the runner's servers (see server-tuning.ts). */
  tuning?: ServerTuning | false;
  /** Receives the worker's log entries. */
  onLog?: (workerId: string, entry: LogEntry) => void;
  /** Address the runner's servers bind (default 127.0.0.1; anything else needs `access` with TLS and a token). */
  host?: string;
  /** Host name workers connect to (default: `host`, or this machine's name for 0.0.0.0). */
  advertiseHost?: string;
  /** TLS and token (src/proto/access.ts `loadAccess`): checked by its servers, used towards a pool, given to its workers. */
  access?: Access;
  /** `--udf-root` directories of the worker processes it starts (default: their working directory). */
  udfRoots?: readonly string[];
  /**
   * How many times a bundle whose worker died (process exited or killed, connection lost) is sent
   * again (default 0: it fails). The runner then starts a new worker (id `<workerId>-r<n>`) in the
   * same environment and re-sends each lost bundle whole from the input it keeps (at most
   * `maxBundlesInFlight` bundles); results of bundles already complete are kept, none is emitted
   * twice, and the order is the input order. A bundle the worker *answered* with an error (a
   * failing UDF) is not retried.
   */
  retries?: number;
  /**
   * Fails a bundle that has not completed this long (ms) after its ProcessBundleRequest went out,
   * with an error naming the bundle, its rows and the worker (default: no limit). It counts the time
   * the bundle stays open for input (`bundleTimeMs`) too, so make it well above that. A timed-out
   * bundle is not retried (the worker may still be busy with it); the run stops with the error.
   */
  bundleTimeoutMs?: number;
}

/** What to run over the input, and how to cut it. */
export interface RunSpec extends BundlingOptions {
  plan: Plan;
  /** UDF input columns, by name or index, in plan order (`{column: i}` is the i-th of these). Default: every column. */
  columns?: ColumnRef[];
  /** Aggregates: the group key columns (input sorted or grouped by them); the output is keys + results. */
  groupBy?: ColumnRef[];
  /** Rows per Arrow batch (default 10,000; Flink ≥ 1.17 defaults to 1,000). */
  arrowBatchSize?: number;
  /** Directory relative UDF module paths are resolved against (default: the current directory). */
  baseDir?: string;
  /** Largest group an aggregate accepts, in rows (default 10,000,000). */
  maxGroupRows?: number;
  /**
   * Send one empty bundle before the data (default true), so that the worker loads the UDFs —
   * and a broken module fails — before the clock of `elapsedMs` starts.
   */
  warmUp?: boolean;
}

/** A run: iterate it (once) for the output batches; `metrics` fills in as it goes. */
export interface Run extends AsyncIterable<RecordBatch> {
  readonly metrics: RunMetrics;
}

let runnerSeq = 0;

export class Runner {
  private descriptorSeq = 0;
  private closed = false;
  /** Workers started to replace dead ones. */
  private restarts = 0;
  private replacing: Promise<WorkerHandle> | undefined;
  /** Descriptor ids by content: a run of the same transform reuses its descriptor, as a Flink operator does for all its bundles. */
  private readonly descriptors = new Map<string, string>();
  private readonly warmed = new Set<string>();
  /** The codec of each descriptor (its coders fix it). */
  private readonly codecs = new Map<string, ModeCodec>();
  /** Layouts of the plans run so far, by plan, options and input fields (see `layoutFor`). */
  private readonly layouts = new Map<string, RunLayout>();

  private constructor(
    readonly servers: RunnerServers,
    private current: WorkerHandle,
    private readonly seq: number,
    private readonly opts: RunnerOptions,
    private readonly pipelineOptions: Record<string, unknown>,
  ) {}

  /** Starts the servers and one worker, and waits until the worker is connected. */
  static async start(opts: RunnerOptions = {}): Promise<Runner> {
    checkFaultOptions(opts);
    const seq = ++runnerSeq;
    const servers = await RunnerServers.start({
      ...(opts.tuning === undefined ? {} : { tuning: opts.tuning }),
      ...(opts.onLog ? { onLog: opts.onLog } : {}),
      host: opts.host,
      advertiseHost: opts.advertiseHost,
      access: opts.access,
      workerUdfRoots: opts.udfRoots,
    });
    const id = opts.workerId ?? `${process.pid}-${seq}`;
    const pipelineOptions = opts.threads === undefined ? {} : { threads: opts.threads };
    let worker: WorkerHandle | undefined;
    try {
      worker = await startIn(servers, id, opts.environment, pipelineOptions);
      return new Runner(servers, worker, seq, opts, pipelineOptions);
    } catch (e) {
      await worker?.close();
      await servers.close();
      throw e;
    }
  }

  /** The current worker (a new one after a crash, with `retries`). */
  get worker(): WorkerHandle {
    return this.current;
  }

  /**
   * A worker to replace the one with id `deadId`: the current one if it was already replaced and
   * is up, else a new one (bundles lost together share it). The dead one is closed (killed if it
   * still runs, forgotten by the servers).
   */
  private replaceWorker(deadId: string): Promise<WorkerHandle> {
    if (this.current.id !== deadId && !this.current.connection.error) return Promise.resolve(this.current);
    if (this.replacing) return this.replacing;
    const old = this.current;
    const base = this.opts.workerId ?? `${process.pid}-${this.seq}`;
    const p = (async () => {
      if (this.closed) throw new Error('the runner is closed');
      void old.close().catch(() => {});
      const w = await startIn(
        this.servers,
        `${base}-r${++this.restarts}`,
        this.opts.environment,
        this.pipelineOptions,
      );
      if (this.closed) {
        await w.close();
        throw new Error('the runner is closed');
      }
      this.current = w;
      return w;
    })();
    this.replacing = p;
    const clear = () => {
      if (this.replacing === p) this.replacing = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  /** Bundles go to whichever worker is current when they start. */
  private readonly slot: WorkerSlot = (() => {
    const self = this;
    return {
      get id() {
        return self.current.id;
      },
      current: () => self.current.connection,
      instruct: (req, id) => self.current.connection.instruct(req, id),
      addReceiver: (id, r) => self.current.connection.addReceiver(id, r),
      removeReceiver: (id) => self.current.connection.removeReceiver(id),
      sendData: (msg, written) => self.current.connection.sendData(msg, written),
    };
  })();

  /** What a bundle does when its worker dies: wait for a new worker, if it has retries left. */
  private readonly retry: BundleRetry = {
    recover: async (bundle): Promise<BundleTransport | undefined> => {
      if (bundle.workerLosses > (this.opts.retries ?? 0)) return undefined;
      return (await this.replaceWorker(bundle.workerId)).connection;
    },
  };

  /** The worker's id (its `worker_id` metadata). */
  get workerId(): string {
    return this.worker.id;
  }

  /** The worker's last log entries, newest last. */
  recentLogs(): readonly LogEntry[] {
    return this.servers.recentLogs(this.worker.id);
  }

  /**
   * Runs `spec.plan` over `input` through the worker. The output batches hold the input columns
   * (for an aggregate: the group keys) followed by one column per top-level call — `result` for
   * a single call — in input order.
   */
  run(input: BatchSource, spec: RunSpec): Run {
    if (this.closed) throw new Error('the runner is closed');
    const metrics = emptyMetrics('vectorized');
    const self = this;
    let started = false;
    return {
      metrics,
      [Symbol.asyncIterator]() {
        if (started) throw new Error('a run can be iterated only once');
        started = true;
        return self.execute(input, spec, metrics);
      },
    };
  }

  private async *execute(
    input: BatchSource,
    spec: RunSpec,
    metrics: RunMetrics,
  ): AsyncGenerator<RecordBatch> {
    const monitoring = new MonitoringTotals();
    // The set-up runs once per run: kept out of this generator, which stays small (it is resumed
    // per output batch, and V8 compiles a hot generator whole).
    const results = await this.prepare(input, spec, metrics, monitoring);
    if (results === undefined) return;
    try {
      yield* results;
    } finally {
      metrics.worker = monitoring.all();
    }
  }

  /** Everything a run needs before its first chunk; undefined for an empty input. */
  private async prepare(
    input: BatchSource,
    spec: RunSpec,
    metrics: RunMetrics,
    monitoring: MonitoringTotals,
  ): Promise<AsyncGenerator<RecordBatch> | undefined> {
    const baseDir = spec.baseDir ?? process.cwd();
    const { first, source } = await openSource(input);
    let layout: RunLayout;
    try {
      if (!first) {
        // nothing to run, but a plan that cannot load still fails the run
        metrics.mode = (await describePlan(spec.plan, baseDir)).mode;
        return undefined;
      }
      layout = await this.layoutFor(first.schema, spec, baseDir);
    } catch (e) {
      await source.close();
      throw e;
    }
    const { info, udfIdx, outputSchema, descriptorId, codec } = layout;
    metrics.mode = info.mode;
    const chunks =
      info.mode === 'aggregate'
        ? groupChunks(source, spec.groupBy!, udfIdx, metrics, spec.maxGroupRows ?? 10_000_000)
        : scalarChunks(
            source,
            udfIdx,
            spec.arrowBatchSize ?? 10_000,
            metrics,
            spec.bundleTimeMs ?? DEFAULT_BUNDLING.bundleTimeMs,
          );
    // A worker that died between runs is replaced up front when retries are allowed.
    if ((this.opts.retries ?? 0) > 0 && this.current.connection.error) {
      await this.replaceWorker(this.current.id);
      this.warmed.clear();
    }
    if (spec.warmUp !== false && !this.warmed.has(descriptorId)) {
      await this.warmUp(descriptorId, codec, outputSchema);
      this.warmed.add(descriptorId);
    }
    const bundling: BundlingOptions = {};
    for (const k of ['bundleSize', 'bundleTimeMs', 'maxBundlesInFlight', 'flushBytes'] as const) {
      if (spec[k] !== undefined) bundling[k] = spec[k];
    }
    return runOperator(
      chunks,
      {
        transport: this.slot,
        timeoutMs: this.opts.bundleTimeoutMs,
        retry: (this.opts.retries ?? 0) > 0 ? this.retry : undefined,
        descriptorId,
        codec,
        outputSchema,
        metrics,
        monitoring,
        udfTime: udfTimeMs,
      },
      bundling,
    );
  }

  /**
   * The plan's layout over an input schema, made once per (plan, options, input fields) and kept:
   * a run of the same plan over batches of the same shape, the usual case, skips loading the plan
   * and building the descriptor again.
   */
  private async layoutFor(schema: Schema, spec: RunSpec, baseDir: string): Promise<RunLayout> {
    const key = layoutKey(schema, spec, baseDir);
    const known = key === undefined ? undefined : this.layouts.get(key);
    if (known !== undefined) return known;
    const layout = await this.makeLayout(schema, spec, baseDir);
    if (key !== undefined) {
      if (this.layouts.size >= MAX_LAYOUTS) this.layouts.clear();
      this.layouts.set(key, layout);
    }
    return layout;
  }

  private async makeLayout(schema: Schema, spec: RunSpec, baseDir: string): Promise<RunLayout> {
    const info = await describePlan(spec.plan, baseDir);
    const udfIdx = resolveColumns(schema, spec.columns ?? schema.fields.map((_, i) => i), 'UDF input');
    const inputFields = udfIdx.map((i) => ({
      name: schema.fields[i]!.name,
      type: fromArrowField(schema.fields[i]!),
    }));
    const resultFields = info.resultNames.map((name, i) => ({ name, type: info.resultTypes[i]! }));
    let forwarded = schema.fields;
    if (info.mode === 'aggregate') {
      if (!spec.groupBy)
        throw new Error('an aggregate needs groupBy (the key columns; use [] for one global group)');
      forwarded = resolveColumns(schema, spec.groupBy, 'group key').map((i) => schema.fields[i]!);
    } else if (spec.groupBy) {
      throw new Error('groupBy is for aggregate UDFs; this plan is scalar');
    }
    for (const r of resultFields) {
      if (forwarded.some((f) => f.name === r.name)) {
        throw new Error(
          `the input already has a column named '${r.name}'; name the call's output differently`,
        );
      }
    }
    const outputSchema = new Schema([...forwarded, ...resultFields.map((r) => toArrowField(r.name, r.type))]);
    const descriptorId = this.descriptorFor(
      info.mode === 'aggregate' ? ARROW_AGGREGATE_URN : SCALAR_FUNCTION_URN,
      UserDefinedFunctions.encode(
        buildUserDefinedFunctions(spec.plan, { baseDir, kindOf: (c) => info.kinds.get(c) ?? 'vectorized' }),
      ).finish(),
      coderInfos(info, inputFields, resultFields),
    );
    // The descriptor fixes the coders, so its runs share one codec (encoding and decoding are
    // synchronous per element, and each element carries its own schema).
    let codec = this.codecs.get(descriptorId);
    if (codec === undefined) {
      codec = this.codecFor(info, inputFields, resultFields);
      this.codecs.set(descriptorId, codec);
    }
    return { info, udfIdx, outputSchema, descriptorId, codec };
  }

  /** The id of the descriptor with this transform and these coders, registered on first use. */
  private descriptorFor(
    urn: string,
    payload: Uint8Array,
    coders: { input: CoderInfoDescriptor; output: CoderInfoDescriptor },
  ): string {
    const key = [
      urn,
      Buffer.from(payload).toString('base64'),
      Buffer.from(CoderInfoDescriptor.encode(coders.input).finish()).toString('base64'),
      Buffer.from(CoderInfoDescriptor.encode(coders.output).finish()).toString('base64'),
    ].join('|');
    let id = this.descriptors.get(key);
    if (!id) {
      id = `${this.seq}-${++this.descriptorSeq}`;
      this.descriptors.set(key, id);
      this.servers.registerDescriptor(
        buildDescriptor({
          id,
          urn,
          payload,
          dataUrl: this.servers.dataUrl,
          stateUrl: this.servers.controlUrl,
          ...coders,
        }),
      );
    }
    return id;
  }

  /** An empty bundle (ProcessBundleRequest, then only `is_last`): the worker loads the plan. */
  private async warmUp(descriptorId: string, codec: ModeCodec, outputSchema: Schema): Promise<void> {
    const b = new Bundle(this.slot, {
      descriptorId,
      codec,
      outputSchema,
      flushBytes: 1,
      metrics: emptyMetrics('warm-up'),
      timeoutMs: this.opts.bundleTimeoutMs,
      retry: (this.opts.retries ?? 0) > 0 ? this.retry : undefined,
    });
    b.start();
    const wait = b.finish();
    if (wait) await wait;
    await b.settled;
    if (b.error) throw b.error;
  }

  private codecFor(
    info: PlanInfo,
    inputFields: { name: string; type: DataType }[],
    resultFields: { name: string; type: DataType }[],
  ): ModeCodec {
    return info.mode === 'row'
      ? rowModeCodec(
          inputFields.map((f) => f.type),
          resultFields.map((f) => f.type),
        )
      : arrowModeCodec(inputFields, resultFields);
  }

  /** Stops the worker and the servers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.replacing?.catch(() => {});
    await this.current.close();
    await this.servers.close();
  }
}

/** What a run of a plan needs that depends only on the plan, its options and the input fields. */
interface RunLayout {
  info: PlanInfo;
  udfIdx: number[];
  outputSchema: Schema;
  descriptorId: string;
  codec: ModeCodec;
}

/** Layouts kept at most (a runner that runs ever new plans starts over past this). */
const MAX_LAYOUTS = 256;

const fieldKeys = new WeakMap<Schema, string>();

/** The names, types and nullability of `schema`'s fields as a string (made once per schema object). */
function fieldsKey(schema: Schema): string {
  let k = fieldKeys.get(schema);
  if (k === undefined) {
    k = JSON.stringify(schema.fields.map((f) => [f.name, String(f.type), f.nullable]));
    fieldKeys.set(schema, k);
  }
  return k;
}

/**
 * The key of a run's layout: the plan and what else shapes it, as JSON, with the input fields;
 * undefined when the plan does not make JSON (then the layout is made for each run).
 */
function layoutKey(schema: Schema, spec: RunSpec, baseDir: string): string | undefined {
  try {
    return `${JSON.stringify([spec.plan, baseDir, spec.columns ?? null, spec.groupBy ?? null])}\u0000${fieldsKey(schema)}`;
  } catch {
    return undefined;
  }
}

function coderInfos(
  info: PlanInfo,
  inputFields: { name: string; type: DataType }[],
  resultFields: { name: string; type: DataType }[],
): { input: CoderInfoDescriptor; output: CoderInfoDescriptor } {
  const inSchema = { schema: toFlinkSchema(inputFields) };
  const outSchema = { schema: toFlinkSchema(resultFields) };
  const base = { separatedWithEndMessage: false };
  if (info.mode === 'row') {
    return {
      input: { ...base, flattenRowType: inSchema, mode: CoderInfoDescriptor_Mode.MULTIPLE },
      output: { ...base, flattenRowType: outSchema, mode: CoderInfoDescriptor_Mode.SINGLE },
    };
  }
  return {
    input: { ...base, arrowType: inSchema, mode: CoderInfoDescriptor_Mode.MULTIPLE },
    output: { ...base, arrowType: outSchema, mode: CoderInfoDescriptor_Mode.SINGLE },
  };
}

/** Starts worker `id` in `env` (default: a child process) and waits until it is connected. */
function startIn(
  servers: RunnerServers,
  id: string,
  env: WorkerEnvironment = { type: 'process' },
  pipelineOptions: Record<string, unknown>,
): Promise<WorkerHandle> {
  return env.type === 'external'
    ? startExternalWorker(servers, id, env.address, env, pipelineOptions)
    : env.type === 'custom'
      ? env.start(servers, id, pipelineOptions)
      : startProcessWorker(servers, id, env, pipelineOptions);
}

function checkFaultOptions(opts: RunnerOptions): void {
  const retries = opts.retries ?? 0;
  if (!(Number.isInteger(retries) && retries >= 0)) {
    throw new RangeError(`retries must be an integer ≥ 0, got ${retries}`);
  }
  const t = opts.bundleTimeoutMs;
  if (t !== undefined && !(typeof t === 'number' && t > 0)) {
    throw new RangeError(`bundleTimeoutMs must be a positive number of ms, got ${t}`);
  }
}
