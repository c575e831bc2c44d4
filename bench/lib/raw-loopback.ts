/**
 * The raw gRPC loopback baseline: the runner's own transport (RunnerServers, WorkerConnection,
 * the Elements codec, the same flush size and bundles in flight) sending payloads of a given
 * size to a bare echo peer in another process (echo-peer.ts), which answers with `ratio` ×
 * the bytes. Same messages as a real run, none of the Arrow / row-coder / UDF work: the ceiling
 * a real run is measured against. Runs from source (tsx) and from the built output.
 *
 * @example
 * const raw = await startRawLoopback();
 * const r = await raw.run({ elementBytes: 160_000, elements: 100, ratio: 0.5 });
 * await raw.close();
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeElements } from '../../src/proto/elements-codec.js';
import type { ServerTuning } from '../../src/runner/server-tuning.js';
import { RunnerServers } from '../../src/runner/servers.js';
import { newInstructionId } from '../../src/runner/worker-connection.js';
import type { EchoPeerTuning } from '../../test/helpers/echo-data-peer.js';

export interface RawRun {
  /** Bytes of one input element (one Arrow batch, or one batch's rows in row mode). */
  elementBytes: number;
  elements: number;
  /** Output bytes per input byte. */
  ratio: number;
  elementsPerBundle?: number;
  flushBytes?: number;
  maxBundlesInFlight?: number;
}

export interface RawResult {
  ms: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface RawLoopback {
  run(o: RawRun): Promise<RawResult>;
  close(): Promise<void>;
  /** The echo peer's process id (to read its CPU time). */
  readonly pid: number | undefined;
}

/** The command that runs echo-peer next to this module: plain node when built, node + tsx from source. */
function peerCommand(): string[] {
  const self = import.meta.url;
  if (self.endsWith('.js')) return [process.execPath, fileURLToPath(new URL('./echo-peer.js', self))];
  const tsx = pathToFileURL(createRequire(self).resolve('tsx')).href;
  return [process.execPath, '--import', tsx, fileURLToPath(new URL('./echo-peer.ts', self))];
}

export interface RawLoopbackOptions {
  /** HTTP/2 tuning of the runner's servers (see server-tuning.ts); `false` keeps Node's defaults. */
  tuning?: ServerTuning | false;
  /** HTTP/2 settings of the echo peer's client side; left out, the workers' channel options. */
  peer?: EchoPeerTuning;
}

export async function startRawLoopback(opts: RawLoopbackOptions = {}): Promise<RawLoopback> {
  const servers = await RunnerServers.start(opts.tuning === undefined ? {} : { tuning: opts.tuning });
  const id = `raw-${process.pid}-${Date.now()}`;
  const conn = servers.expectWorker(id);
  // The peer answers with `ratio` × the bytes it gets; the ratio rides in each instruction id.
  let ratio = Number.NaN;
  const [cmd, ...args] = peerCommand();
  const flags = [
    ...(opts.peer?.windowBytes === undefined ? [] : [`--window=${opts.peer.windowBytes}`]),
    ...(opts.peer?.maxFrameBytes === undefined ? [] : [`--max-frame=${opts.peer.maxFrameBytes}`]),
  ];
  const child = spawn(cmd!, [...args, servers.dataUrl, id, 'dynamic', ...flags], {
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  let payload = new Uint8Array(0);
  let bytesReceived = 0;

  async function runBundle(n: number, flush: number): Promise<void> {
    // The instruction id carries the ratio for the peer: "<id>:<ratio>".
    const instructionId = `${newInstructionId()}:${ratio}`;
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => {}); // awaited after the sends; a failure meanwhile must not go unhandled
    conn.addReceiver(instructionId, {
      onData(d) {
        bytesReceived += d.data.length;
        if (d.isLast) {
          conn.removeReceiver(instructionId);
          resolve();
        }
      },
      onWorkerGone: reject,
    });
    let parts: Uint8Array[] = [];
    let pending = 0;
    for (let i = 0; i < n; i++) {
      parts.push(payload);
      pending += payload.length;
      if (pending >= flush) {
        const w = conn.sendData(
          encodeElements([{ instructionId, transformId: 'fn/read/input:0', parts, isLast: false }]),
        );
        if (w) await w;
        parts = [];
        pending = 0;
      }
    }
    const w = conn.sendData(
      encodeElements([{ instructionId, transformId: 'fn/read/input:0', parts, isLast: true }]),
    );
    if (w) await w;
    await done;
  }

  return {
    pid: child.pid,
    async run(o: RawRun): Promise<RawResult> {
      ratio = o.ratio;
      if (payload.length !== o.elementBytes) payload = new Uint8Array(o.elementBytes).fill(7);
      const perBundle = o.elementsPerBundle ?? 10;
      const flush = o.flushBytes ?? 1_000_000;
      const inFlight = o.maxBundlesInFlight ?? 4;
      bytesReceived = 0;
      const t0 = performance.now();
      const active: Promise<void>[] = [];
      let sent = 0;
      while (sent < o.elements) {
        const n = Math.min(perBundle, o.elements - sent);
        sent += n;
        const bundle = runBundle(n, flush);
        // awaited below; until then a failure (the loopback closed mid-run) must not go unhandled
        bundle.catch(() => {});
        active.push(bundle);
        if (active.length >= inFlight) await active.shift();
      }
      await Promise.all(active);
      return { ms: performance.now() - t0, bytesSent: o.elements * o.elementBytes, bytesReceived };
    },
    async close() {
      child.kill('SIGTERM');
      await servers.close();
    },
  };
}
