/**
 * The gRPC message size limits both sides set (CHANNEL_OPTIONS for the worker's client channels,
 * SERVER_OPTIONS for the runner's servers, 64 MiB): single Data messages of just over 4 MiB
 * (grpc-js' default receive limit, which would refuse them) and of 50 MiB go from the runner to
 * a worker-side client and back whole, over the runner's real, tuned servers; a message over
 * 64 MiB is refused in each direction with an error that names both sizes. Cutting batches into
 * several messages (src/proto/split-messages.ts) is tested in test/reliability/message-size.test.ts,
 * with the over-limit message from a worker; this file covers single messages either way.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerChannelOptions } from '../../src/harness/worker-id.js';
import { MAX_MESSAGE_BYTES } from '../../src/proto/channel-options.js';
import {
  decodeElements,
  encodeElements,
  type IncomingData,
  type IncomingElements,
} from '../../src/proto/elements-codec.js';
import { BeamFnDataService } from '../../src/proto/fn-api.js';
import { RunnerServers } from '../../src/runner/servers.js';
import type { WorkerConnection } from '../../src/runner/worker-connection.js';

const MiB = 1024 * 1024;
const GRPC_DEFAULT_RECEIVE = 4 * MiB;

/** `n` bytes that differ from their neighbours, so a lost, shifted or repeated byte shows. */
function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed + (i >>> 16)) & 255;
  return b;
}

/** One encoded Elements message carrying `payload` whole in one Data entry. */
function message(instructionId: string, payload: Uint8Array): Buffer {
  return encodeElements([{ instructionId, transformId: 'fn/read/input:0', parts: [payload], isLast: true }]);
}

/** Opens the Data stream as a worker would; every message it gets is recorded, then echoed back. */
function worker(url: string, id: string, options: grpc.ClientOptions = workerChannelOptions(id)) {
  const client = new grpc.Client(url, grpc.credentials.createInsecure(), options);
  const call = client.makeBidiStreamRequest(BeamFnDataService.data.path, (b: Buffer) => b, decodeElements);
  const got: IncomingData[][] = [];
  const failed = new Promise<Error>((resolve) => call.on('error', resolve));
  call.on('data', (m: IncomingElements) => {
    got.push(m.data);
    call.write(encodeElements(m.data.map((d) => ({ ...d, transformId: 'fn/write/:0', parts: [d.data] }))));
  });
  return { client, call, got, failed };
}

/** Rejects after `ms` (a refusal that never comes must fail the test, not hang it). */
const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, j) => setTimeout(() => j(new Error(`no ${what}`)), ms))]);

describe('one Data message of a given size, runner → worker and back, with our limits', () => {
  let servers: RunnerServers;
  let conn: WorkerConnection;
  let peer: ReturnType<typeof worker>;
  beforeAll(async () => {
    servers = await RunnerServers.start(); // SERVER_OPTIONS and the default HTTP/2 tuning
    conn = servers.expectWorker('sizes');
    peer = worker(servers.dataUrl, 'sizes');
  });
  afterAll(async () => {
    peer?.client.close();
    await servers?.close();
  });

  it.each([
    ['just over 4 MiB', GRPC_DEFAULT_RECEIVE + 1024],
    ['50 MiB', 50 * MiB],
  ])('%s goes through whole, as one message each way', async (_, n) => {
    const id = `m${n}`;
    const payload = pattern(n, n & 255);
    const back = new Promise<IncomingData[]>((resolve, reject) => {
      const parts: IncomingData[] = [];
      conn.addReceiver(id, {
        onData(d) {
          parts.push({ ...d, data: d.data.slice() });
          if (d.isLast) resolve(parts);
        },
        onWorkerGone: reject,
      });
    });
    const seenBefore = peer.got.length;
    await conn.sendData(message(id, payload));
    const parts = await within(back, 20_000, 'echo');
    conn.removeReceiver(id);
    // the worker side got it as one message holding the whole payload
    const atWorker = peer.got.slice(seenBefore);
    expect(atWorker.map((m) => m.map((d) => d.data.length))).toEqual([[n]]);
    // and the runner got it back as one entry, byte for byte
    expect(parts.map((d) => d.data.length)).toEqual([n]);
    expect(Buffer.from(parts[0]!.data).equals(Buffer.from(payload))).toBe(true);
  });

  it('over 64 MiB, the runner does not send it: the worker hears why and the runner drops the worker', async () => {
    const gone = new Promise<Error>((r) => conn.onGone(r));
    const n = MAX_MESSAGE_BYTES + MiB;
    conn.sendData(message('too-big', new Uint8Array(n)))?.catch(() => {});
    const err = await within(peer.failed, 20_000, 'error at the worker');
    expect(err.message).toMatch(/RESOURCE_EXHAUSTED: Sent message larger than max \(\d+ vs\. 67108864\)/);
    expect(Number(/\((\d+) vs/.exec(err.message)![1])).toBeGreaterThan(n);
    expect((await within(gone, 20_000, 'worker gone')).message).toMatch(/worker sizes/);
  });
});

describe('the worker side refuses a message over 64 MiB from a runner that does not limit what it sends', () => {
  let server: grpc.Server;
  let url: string;
  beforeAll(async () => {
    server = new grpc.Server({ 'grpc.max_send_message_length': -1 });
    server.addService(
      {
        data: {
          ...BeamFnDataService.data,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
        },
      },
      {
        // sends the size asked for in the first message's instruction id, in one message
        data(call: grpc.ServerDuplexStream<Buffer, Buffer>) {
          call.once('data', (b: Buffer) => {
            const n = Number(decodeElements(b).data[0]!.instructionId);
            call.write(message('big', new Uint8Array(n)));
          });
          call.on('error', () => {});
        },
      },
    );
    const port = await new Promise<number>((res, rej) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? rej(e) : res(p),
      ),
    );
    url = `127.0.0.1:${port}`;
  });
  afterAll(() => server?.forceShutdown());

  async function receive(n: number, options: grpc.ClientOptions): Promise<Error | number> {
    const w = worker(url, 'w', options);
    try {
      w.call.write(message(String(n), new Uint8Array(0)));
      const received = new Promise<number>((r) =>
        w.call.once('data', (m: IncomingElements) => r(m.data[0]!.data.length)),
      );
      return await within(Promise.race([received, w.failed]), 20_000, 'answer');
    } finally {
      w.client.close();
    }
  }

  it('with our options: over 64 MiB is refused, naming both sizes', async () => {
    const err = await receive(MAX_MESSAGE_BYTES + MiB, workerChannelOptions('w'));
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /RESOURCE_EXHAUSTED: Received message larger than max \(\d+ vs 67108864\)/,
    );
  });

  it("with grpc-js' defaults a message just over 4 MiB is refused too — why the limits are raised", async () => {
    const err = await receive(GRPC_DEFAULT_RECEIVE + 1024, {});
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/Received message larger than max \(\d+ vs 4194304\)/);
    // and the same message with our options arrives
    expect(await receive(GRPC_DEFAULT_RECEIVE + 1024, workerChannelOptions('w'))).toBe(
      GRPC_DEFAULT_RECEIVE + 1024,
    );
  });
});
