/**
 * The raw gRPC loopback baseline: the runner's own transport (RunnerServers, WorkerConnection,
 * the Elements codec, the same flush size and bundles in flight) sending payloads of a given
 * size to a bare echo peer in another process (echo-data-peer.ts), which answers with `ratio` ×
 * the bytes. Same messages as a real run, none of the Arrow / row-coder / UDF work: the ceiling
 * a real run is measured against.
 *
 * @example
 * const r = await rawLoopback({ elementBytes: 160_000, elements: 100, ratio: 0.5 });
 * console.log(r.ms, r.bytesSent, r.bytesReceived);
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeElements } from '../../src/runner/elements-codec.js';
import { RunnerServers } from '../../src/runner/servers.js';
import { newInstructionId } from '../../src/runner/worker-connection.js';

export interface RawOptions {
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

export async function rawLoopback(o: RawOptions): Promise<RawResult> {
  const servers = await RunnerServers.start();
  const id = `raw-${process.pid}-${Date.now()}`;
  const conn = servers.expectWorker(id);
  const peerPath = fileURLToPath(new URL('./echo-data-peer.ts', import.meta.url));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, peerPath, servers.dataUrl, id, String(o.ratio)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    const perBundle = o.elementsPerBundle ?? 10;
    const flush = o.flushBytes ?? 1_000_000;
    const inFlight = o.maxBundlesInFlight ?? 4;
    const payload = new Uint8Array(o.elementBytes).fill(7);
    let bytesReceived = 0;
    // warm up: the peer connects, one small bundle goes round
    await runBundle(1);
    bytesReceived = 0;
    const t0 = performance.now();
    const active: Promise<void>[] = [];
    let sent = 0;
    while (sent < o.elements) {
      const n = Math.min(perBundle, o.elements - sent);
      sent += n;
      active.push(runBundle(n));
      if (active.length >= inFlight) await active.shift();
    }
    await Promise.all(active);
    const ms = performance.now() - t0;
    return { ms, bytesSent: o.elements * o.elementBytes, bytesReceived };

    async function runBundle(n: number): Promise<void> {
      const instructionId = newInstructionId();
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
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
  } finally {
    child.kill('SIGTERM');
    await servers.close();
  }
}
