/**
 * A bare BeamFnData peer for the raw-throughput baseline: run as its own process (like a
 * worker), it opens the runner's Data stream with `worker_id` metadata and the workers' channel
 * options, and answers every `Elements.Data` with one of `ratio` × its size (zeros, no work),
 * echoing `is_last`. What it measures is gRPC + HTTP/2 on loopback for the runner's message
 * pattern, with none of the Arrow, row-coder or UDF work.
 *
 * @example
 * node --import tsx test/helpers/echo-data-peer.ts 127.0.0.1:40001 raw-1 0.5
 * node --import tsx test/helpers/echo-data-peer.ts 127.0.0.1:40001 raw-1 0.5 --window=4194304 --max-frame=1048576
 */
import type { ClientSessionOptions } from 'node:http2';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS } from '../../src/proto/channel-options.js';
import {
  decodeElements,
  encodeElements,
  type IncomingElements,
  type OutgoingData,
} from '../../src/proto/elements-codec.js';
import { BeamFnDataService } from '../../src/proto/fn-api.js';

/** HTTP/2 settings of the peer's own (client) side; left out, the workers' channel options apply. */
export interface EchoPeerTuning {
  /** Receive window of the connection and its streams (`grpc-node.flow_control_window`). */
  windowBytes?: number;
  /** Largest HTTP/2 frame the peer accepts (Node's default is 16 KiB; grpc-js has no option for it). */
  maxFrameBytes?: number;
}

/**
 * grpc-js offers no client option for SETTINGS_MAX_FRAME_SIZE, so the peer process adds it to
 * every HTTP/2 session it opens by wrapping `http2.connect` (grpc-js calls it through the shared
 * CommonJS module object). Only for this measuring peer, never in the worker.
 */
function acceptFramesUpTo(maxFrameBytes: number): void {
  const http2 = createRequire(import.meta.url)('node:http2') as typeof import('node:http2');
  type Connect = (authority: unknown, options?: unknown, ...rest: unknown[]) => unknown;
  const connect = http2.connect as Connect;
  const wrapped: Connect = (authority, options, ...rest) =>
    typeof options === 'object' && options !== null
      ? connect(
          authority,
          {
            ...options,
            settings: { ...(options as ClientSessionOptions).settings, maxFrameSize: maxFrameBytes },
          },
          ...rest,
        )
      : connect(authority, options, ...rest);
  http2.connect = wrapped as typeof http2.connect;
}

export function startEchoDataPeer(
  url: string,
  workerId: string,
  ratio: number,
  tuning: EchoPeerTuning = {},
): { close(): void } {
  if (tuning.maxFrameBytes !== undefined) acceptFramesUpTo(tuning.maxFrameBytes);
  const options =
    tuning.windowBytes === undefined
      ? CHANNEL_OPTIONS
      : { ...CHANNEL_OPTIONS, 'grpc-node.flow_control_window': tuning.windowBytes };
  const Client = grpc.makeGenericClientConstructor(
    {
      data: {
        ...BeamFnDataService.data,
        requestSerialize: (v: Buffer) => v,
        responseDeserialize: (v: Buffer) => decodeElements(v),
      },
    },
    'BeamFnData',
  );
  const client = new Client(url, grpc.credentials.createInsecure(), options) as unknown as {
    data(md: grpc.Metadata): grpc.ClientDuplexStream<Buffer, IncomingElements>;
    close(): void;
  };
  const md = new grpc.Metadata();
  md.set('worker_id', workerId);
  const call = client.data(md);
  let zeros = new Uint8Array(1 << 20);
  let paused = false;
  call.on('data', (msg: IncomingElements) => {
    const out: OutgoingData[] = [];
    for (const d of msg.data) {
      // ratio "dynamic": the runner puts it after the last ':' of the instruction id
      const r = Number.isNaN(ratio)
        ? Number(d.instructionId.slice(d.instructionId.lastIndexOf(':') + 1))
        : ratio;
      const n = Math.round(d.data.length * r);
      if (n > zeros.length) zeros = new Uint8Array(n);
      out.push({
        instructionId: d.instructionId,
        transformId: 'fn/write/:0',
        parts: n > 0 ? [zeros.subarray(0, n)] : [],
        isLast: d.isLast,
      });
    }
    if (!call.write(encodeElements(out)) && !paused) {
      paused = true;
      call.pause();
      call.once('drain', () => {
        paused = false;
        call.resume();
      });
    }
  });
  call.on('error', () => {});
  call.on('end', () => call.end());
  return {
    close() {
      call.end();
      client.close();
    },
  };
}

if (process.argv[1]?.endsWith('echo-data-peer.ts')) {
  const [url, id, ratio, ...flags] = process.argv.slice(2);
  const peer = startEchoDataPeer(url!, id!, Number(ratio ?? 1), peerTuningFlags(flags));
  process.on('SIGTERM', () => {
    peer.close();
    process.exit(0);
  });
}

/** `--window=<bytes>` and `--max-frame=<bytes>` command-line flags as an EchoPeerTuning. */
export function peerTuningFlags(flags: readonly string[]): EchoPeerTuning {
  const t: EchoPeerTuning = {};
  for (const f of flags) {
    const m = /^--(window|max-frame)=(\d+)$/.exec(f);
    if (!m) throw new Error(`unknown echo peer flag ${f} (expected --window=<bytes> or --max-frame=<bytes>)`);
    if (m[1] === 'window') t.windowBytes = Number(m[2]);
    else t.maxFrameBytes = Number(m[2]);
  }
  return t;
}
