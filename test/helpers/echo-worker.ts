/**
 * A scripted Fn API worker for runner tests: it speaks the protocol (provision, control with
 * the descriptor pulled by GetProcessBundleDescriptor, data with `worker_id` metadata) but runs
 * no UDF — it answers every input element with `respond(element)` (default: the element itself,
 * which is the identity function for one column in either coder). Hooks let a test delay,
 * fail or garble bundles to drive the runner through its edge cases deterministically.
 *
 * @example
 * const w = await startEchoWorker(servers, 'w1', { delayMs: (n) => (n % 2 ? 50 : 0) });
 */
import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS } from '../../src/proto/channel-options.js';
import {
  BeamFnControlClient,
  BeamFnDataClient,
  type Elements,
  type InstructionRequest,
  type InstructionResponse,
  type ProcessBundleDescriptor,
  ProvisionServiceClient,
  RemoteGrpcPort,
} from '../../src/proto/fn-api.js';
import type { RunnerServers } from '../../src/runner/servers.js';

export interface EchoOptions {
  /** Milliseconds to wait before answering the n-th bundle (0-based, counting bundles with data). */
  delayMs?: (bundle: number) => number;
  /** An error message to fail the n-th bundle with, or undefined. */
  failWith?: (bundle: number) => string | undefined;
  /** Output bytes (body, without the length prefix) for one input element body. */
  respond?: (body: Uint8Array, bundle: number) => Uint8Array | Uint8Array[];
  /** Output bytes per Data message (default: everything in one). */
  chunkBytes?: number;
}

export interface EchoWorker {
  readonly descriptors: ProcessBundleDescriptor[];
  readonly bundles: number;
  /** Highest number of bundles the worker had open at once. */
  readonly maxConcurrent: number;
  close(): void;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function splitElements(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    let len = 0;
    let shift = 1;
    while (true) {
      const b = bytes[pos++]!;
      len += (b & 0x7f) * shift;
      if (b < 0x80) break;
      shift *= 128;
    }
    out.push(bytes.subarray(pos, pos + len));
    pos += len;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Connects a scripted worker with id `id` to `servers` (which must expect it). */
export async function startEchoWorker(
  servers: RunnerServers,
  id: string,
  opts: EchoOptions = {},
): Promise<EchoWorker> {
  const md = new grpc.Metadata();
  md.set('worker_id', id);
  const creds = grpc.credentials.createInsecure();
  const provision = new ProvisionServiceClient(`localhost:${servers.controlPort}`, creds, CHANNEL_OPTIONS);
  const info = await new Promise<{ controlUrl: string }>((resolve, reject) =>
    provision.getProvisionInfo({}, md, (err, r) =>
      err ? reject(err) : resolve({ controlUrl: r.info!.controlEndpoint!.url }),
    ),
  );
  provision.close();
  const control = new BeamFnControlClient(info.controlUrl, creds, CHANNEL_OPTIONS);
  const stream = control.control(md);
  const descriptors = new Map<string, ProcessBundleDescriptor>();
  const state = { bundles: 0, open: 0, maxConcurrent: 0 };
  let data: grpc.ClientDuplexStream<Elements, Elements> | undefined;
  let dataClient: BeamFnDataClient | undefined;
  const inputs = new Map<string, { parts: Uint8Array[]; done: () => void }>();
  const early = new Map<string, { parts: Uint8Array[]; last: boolean }>();

  const openData = (url: string) => {
    if (data) return data;
    dataClient = new BeamFnDataClient(url, creds, CHANNEL_OPTIONS);
    data = dataClient.data(md);
    data.on('data', (msg: Elements) => {
      for (const d of msg.data) {
        const sink = inputs.get(d.instructionId);
        if (sink) {
          if (d.data.length) sink.parts.push(d.data.slice());
          if (d.isLast) sink.done();
        } else {
          let e = early.get(d.instructionId);
          if (!e) early.set(d.instructionId, (e = { parts: [], last: false }));
          if (d.data.length) e.parts.push(d.data.slice());
          if (d.isLast) e.last = true;
        }
      }
    });
    data.on('error', () => {});
    return data;
  };

  const descriptorOf = (descId: string) =>
    descriptors.get(descId) ??
    new Promise<ProcessBundleDescriptor>((resolve, reject) =>
      control.getProcessBundleDescriptor({ processBundleDescriptorId: descId }, md, (err, d) => {
        if (err) reject(err);
        else {
          descriptors.set(descId, d);
          resolve(d);
        }
      }),
    );

  const handle = async (req: InstructionRequest): Promise<InstructionResponse> => {
    const base = { instructionId: req.instructionId, error: '' };
    if (!req.processBundle) return { ...base, error: 'echo worker: only process_bundle' };
    state.open++;
    state.maxConcurrent = Math.max(state.maxConcurrent, state.open);
    try {
      const desc = await descriptorOf(req.processBundle.processBundleDescriptorId);
      const port = desc.transforms['fn/read/input:0']!.spec!.payload;
      const url = RemoteGrpcPort.decode(port).apiServiceDescriptor!.url;
      const ds = openData(url);
      const parts: Uint8Array[] = [];
      await new Promise<void>((resolve) => {
        const e = early.get(req.instructionId);
        early.delete(req.instructionId);
        if (e) parts.push(...e.parts);
        if (e?.last) resolve();
        else inputs.set(req.instructionId, { parts, done: resolve });
      });
      inputs.delete(req.instructionId);
      // Bundles are numbered by data bundles: the runner's empty warm-up bundle is -1.
      const n = parts.length > 0 ? state.bundles++ : -1;
      const delay = opts.delayMs?.(n) ?? 0;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const failure = opts.failWith?.(n);
      if (failure) return { ...base, error: failure };
      const outParts: Uint8Array[] = [];
      for (const el of splitElements(concat(parts))) {
        const r = opts.respond ? opts.respond(el, n) : el;
        for (const body of Array.isArray(r) ? r : [r]) {
          outParts.push(Uint8Array.from(varint(body.length)), body);
        }
      }
      const all = concat(outParts);
      const step = opts.chunkBytes ?? Math.max(1, all.length);
      for (let at = 0; at < all.length; at += step) {
        ds.write({
          data: [
            {
              instructionId: req.instructionId,
              transformId: 'fn/write/:0',
              data: all.subarray(at, at + step),
              isLast: false,
            },
          ],
          timers: [],
        });
      }
      ds.write({
        data: [
          {
            instructionId: req.instructionId,
            transformId: 'fn/write/:0',
            data: new Uint8Array(0),
            isLast: true,
          },
        ],
        timers: [],
      });
      return {
        ...base,
        processBundle: {
          residualRoots: [],
          monitoringInfos: [
            {
              urn: 'beam:metric:user:sum_int64:v1',
              type: 'beam:metrics:sum_int64:v1',
              payload: Uint8Array.from(varint(2_000_000)), // 2 ms, as the vecudf worker reports UDF time
              labels: { PTRANSFORM: 'transform', NAMESPACE: '["vecudf"]', NAME: 'udf_ns' },
            },
          ],
          requiresFinalization: false,
          monitoringData: {},
        },
      };
    } finally {
      state.open--;
    }
  };

  stream.on('data', (req: InstructionRequest) => {
    handle(req).then(
      (resp) => stream.write(resp),
      (e: Error) => stream.write({ instructionId: req.instructionId, error: `echo worker: ${e.message}` }),
    );
  });
  stream.on('error', () => {});
  stream.on('end', () => stream.end());

  return {
    get descriptors() {
      return [...descriptors.values()];
    },
    get bundles() {
      return state.bundles;
    },
    get maxConcurrent() {
      return state.maxConcurrent;
    },
    close() {
      stream.end();
      data?.end();
      control.close();
      dataClient?.close();
    },
  };
}
