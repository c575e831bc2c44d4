/**
 * A bare BeamFnData peer for the raw-throughput baseline: run as its own process (like a
 * worker), it opens the runner's Data stream with `worker_id` metadata and the workers' channel
 * options, and answers every `Elements.Data` with one of `ratio` × its size (zeros, no work),
 * echoing `is_last`. What it measures is gRPC + HTTP/2 on loopback for the runner's message
 * pattern, with none of the Arrow, row-coder or UDF work.
 *
 * @example
 * node --import tsx test/helpers/echo-data-peer.ts 127.0.0.1:40001 raw-1 0.5
 */
import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS } from '../../src/proto/channel-options.js';
import {
  decodeElements,
  encodeElements,
  type IncomingElements,
  type OutgoingData,
} from '../../src/proto/elements-codec.js';
import { BeamFnDataService } from '../../src/proto/fn-api.js';

export function startEchoDataPeer(url: string, workerId: string, ratio: number): { close(): void } {
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
  const client = new Client(url, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as {
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
  const [url, id, ratio] = process.argv.slice(2);
  const peer = startEchoDataPeer(url!, id!, Number(ratio ?? 1));
  process.on('SIGTERM', () => {
    peer.close();
    process.exit(0);
  });
}
