/**
 * A minimal runner for the worker's tests: Provision, Control (+ GetProcessBundleDescriptor),
 * Data and Logging on one gRPC server at 127.0.0.1. It only records and relays; every check is
 * in the tests. Instructions go out as raw bytes so a test can also send malformed ones.
 */
import * as grpc from '@grpc/grpc-js';
import { SERVER_OPTIONS } from '../../src/proto/channel-options.js';
import { encodeElements, type OutgoingData } from '../../src/proto/elements-codec.js';
import {
  BeamFnControlService,
  BeamFnDataService,
  BeamFnLoggingService,
  Elements,
  type InstructionRequest,
  InstructionRequest as InstructionRequestCodec,
  type InstructionResponse,
  type LogEntry,
  type LogEntry_List,
  type ProcessBundleDescriptor,
  ProvisionServiceService,
} from '../../src/proto/fn-api.js';

const id = (b: Buffer) => b;

interface Output {
  chunks: Uint8Array[];
  done: boolean;
}

export class FakeRunner {
  readonly descriptors = new Map<string, ProcessBundleDescriptor>();
  readonly descriptorPulls: string[] = [];
  readonly logs: LogEntry[] = [];
  /** worker_id metadata seen per service. */
  readonly workerIds: Record<string, string[]> = {
    provision: [],
    control: [],
    data: [],
    logging: [],
    descriptor: [],
  };
  readonly outputs = new Map<string, Output>();
  pipelineOptions: Record<string, unknown> = {};
  #control: grpc.ServerDuplexStream<InstructionResponse, Buffer> | undefined;
  #data: grpc.ServerDuplexStream<Elements, Buffer> | undefined;
  #controlWaiters: (() => void)[] = [];
  #dataWaiters: (() => void)[] = [];
  #pending = new Map<string, (r: InstructionResponse) => void>();
  #outputWaiters: (() => void)[] = [];
  #logWaiters: (() => void)[] = [];
  #next = 1;

  private constructor(
    readonly server: grpc.Server,
    readonly port: number,
  ) {}

  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(): Promise<FakeRunner> {
    const server = new grpc.Server(SERVER_OPTIONS);
    let self!: FakeRunner;
    const who = (call: { metadata: grpc.Metadata }) => String(call.metadata.get('worker_id')[0] ?? '');
    server.addService(ProvisionServiceService, {
      getProvisionInfo(call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) {
        self.workerIds.provision!.push(who(call));
        cb(null, {
          info: {
            pipelineOptions: self.pipelineOptions,
            retrievalToken: '',
            controlEndpoint: { url: self.url },
            loggingEndpoint: { url: self.url },
            dependencies: [],
            runnerCapabilities: [],
            metadata: {},
            siblingWorkerIds: [],
          },
        });
      },
    });
    server.addService(
      {
        control: { ...BeamFnControlService.control, responseSerialize: id },
        getProcessBundleDescriptor: BeamFnControlService.getProcessBundleDescriptor,
      },
      {
        control(call: grpc.ServerDuplexStream<InstructionResponse, Buffer>) {
          self.workerIds.control!.push(who(call));
          self.#control = call;
          call.on('data', (r: InstructionResponse) => {
            const p = self.#pending.get(r.instructionId);
            self.#pending.delete(r.instructionId);
            p?.(r);
          });
          call.on('error', () => {});
          for (const w of self.#controlWaiters.splice(0)) w();
        },
        getProcessBundleDescriptor(
          call: grpc.ServerUnaryCall<{ processBundleDescriptorId: string }, ProcessBundleDescriptor>,
          cb: grpc.sendUnaryData<ProcessBundleDescriptor>,
        ) {
          self.workerIds.descriptor!.push(who(call));
          const want = call.request.processBundleDescriptorId;
          self.descriptorPulls.push(want);
          const d = self.descriptors.get(want);
          if (d) cb(null, d);
          else
            cb(
              { code: grpc.status.NOT_FOUND, details: `ProcessBundleDescriptor with id ${want} not found` },
              null,
            );
        },
      },
    );
    server.addService(
      { data: { ...BeamFnDataService.data, responseSerialize: id } },
      {
        data(call: grpc.ServerDuplexStream<Elements, Buffer>) {
          self.workerIds.data!.push(who(call));
          self.#data = call;
          call.on('data', (e: Elements) => {
            for (const d of e.data) {
              const k = `${d.instructionId}/${d.transformId}`;
              let o = self.outputs.get(k);
              if (!o) self.outputs.set(k, (o = { chunks: [], done: false }));
              if (d.data.byteLength) o.chunks.push(d.data);
              if (d.isLast) o.done = true;
            }
            for (const w of self.#outputWaiters.splice(0)) w();
          });
          // a stream the worker gave up on (it reconnects for its next bundle) takes no more data
          const gone = () => {
            if (self.#data === call) self.#data = undefined;
          };
          call.on('error', gone);
          call.on('cancelled', gone);
          call.on('close', gone);
          for (const w of self.#dataWaiters.splice(0)) w();
        },
      },
    );
    server.addService(BeamFnLoggingService, {
      logging(call: grpc.ServerDuplexStream<LogEntry_List, unknown>) {
        self.workerIds.logging!.push(who(call));
        call.on('data', (l: LogEntry_List) => {
          self.logs.push(...l.logEntries);
          for (const w of self.#logWaiters.splice(0)) w();
        });
        call.on('end', () => call.end());
        call.on('error', () => {});
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    self = new FakeRunner(server, port);
    return self;
  }

  /** Resolves once the worker's Control stream is connected. */
  connected(): Promise<void> {
    if (this.#control) return Promise.resolve();
    return new Promise((r) => this.#controlWaiters.push(r));
  }

  /** Resolves once the worker's Data stream is connected. */
  dataConnected(): Promise<void> {
    if (this.#data) return Promise.resolve();
    return new Promise((r) => this.#dataWaiters.push(r));
  }

  newId(): string {
    return `i${this.#next++}`;
  }

  /** Sends raw bytes as an instruction and waits for the response with `instructionId`. */
  sendRaw(bytes: Uint8Array, instructionId: string): Promise<InstructionResponse> {
    return new Promise((resolve) => {
      this.#pending.set(instructionId, resolve);
      this.#control!.write(Buffer.from(bytes));
    });
  }

  instruct(
    req: Omit<Partial<InstructionRequest>, 'instructionId'>,
    instructionId = this.newId(),
  ): Promise<InstructionResponse> {
    const bytes = InstructionRequestCodec.encode(
      InstructionRequestCodec.fromPartial({ ...req, instructionId }),
    ).finish();
    return this.sendRaw(bytes, instructionId);
  }

  /** Writes data to the worker (its Data stream must be connected, or pass `waitForData`). */
  async sendData(entries: OutgoingData[]): Promise<void> {
    await this.dataConnected();
    if (!this.#data!.write(encodeElements(entries))) {
      await new Promise((r) => this.#data!.once('drain', r));
    }
  }

  /** Writes raw bytes to the worker as one `Elements` message (malformed ones included). */
  async sendRawData(bytes: Uint8Array): Promise<void> {
    await this.dataConnected();
    this.#data!.write(Buffer.from(bytes));
  }

  /** The output of (instruction, transform) once its is_last arrived: the concatenated bytes. */
  async output(instructionId: string, transformId: string, timeoutMs = 10_000): Promise<Uint8Array> {
    const k = `${instructionId}/${transformId}`;
    const deadline = Date.now() + timeoutMs;
    while (!this.outputs.get(k)?.done) {
      if (Date.now() > deadline) throw new Error(`no is_last for ${k} within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        this.#outputWaiters.push(r);
        setTimeout(r, 50);
      });
    }
    return Buffer.concat(this.outputs.get(k)!.chunks);
  }

  /** Waits until a log entry matches. */
  async waitForLog(pred: (e: LogEntry) => boolean, timeoutMs = 10_000): Promise<LogEntry> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = this.logs.find(pred);
      if (e) return e;
      if (Date.now() > deadline) throw new Error(`no matching log entry within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        this.#logWaiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  /** Ends the worker's control stream (the worker then stops). */
  endControl(): void {
    this.#control?.end();
  }

  async close(): Promise<void> {
    this.#control?.end();
    this.#data?.end();
    await new Promise<void>((r) => {
      const t = setTimeout(() => {
        this.server.forceShutdown();
        r();
      }, 300);
      this.server.tryShutdown(() => {
        clearTimeout(t);
        r();
      });
    });
  }
}

export { Elements };
