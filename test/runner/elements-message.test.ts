import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ElementsMessage,
  encodeElements,
  type OutgoingData,
  type PayloadPart,
  serializeElements,
} from '../../src/proto/elements-codec.js';
import { BeamFnDataService } from '../../src/proto/fn-api.js';
import { RunnerDataService } from '../../src/runner/services.js';

/** A deferred part writing `bytes` (as an Arrow element would, with its IPC stream at `alignAt`). */
function writer(bytes: Uint8Array, alignAt: number): PayloadPart {
  return {
    size: bytes.length,
    alignAt: Math.min(alignAt, bytes.length),
    write: (out, pos) => {
      out.set(bytes, pos);
      return pos + bytes.length;
    },
  };
}

const part = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(4)).map(([b, a]) => writer(b, a)),
);
const data = fc.array(
  fc.record({
    instructionId: fc.string({ maxLength: 12 }),
    transformId: fc.string({ maxLength: 20 }),
    parts: fc.array(part, { maxLength: 5 }),
    isLast: fc.boolean(),
  }),
  { minLength: 1, maxLength: 3 },
);

describe('ElementsMessage', () => {
  it('writes, when serialized, the bytes encodeElements writes, for every alignment', () => {
    fc.assert(
      fc.property(data, fc.constantFrom(undefined, null, 0, 3, 5), (d, alignFor) => {
        const opts = { alignFor };
        const expected = encodeElements(d, undefined, opts);
        let written = -1;
        const msg = new ElementsMessage(d, { ...opts, onWrite: (ms) => (written = ms) });
        expect(msg.size).toBe(expected.length);
        expect(written).toBe(-1); // nothing written before gRPC asks
        const out = serializeElements(msg);
        expect(Buffer.compare(out, expected)).toBe(0);
        expect(written).toBeGreaterThanOrEqual(0);
        expect(msg.writeMs).toBe(written);
      }),
      { numRuns: 200 },
    );
    const ready = encodeElements([{ instructionId: '1', transformId: 't', parts: [], isLast: true }]);
    expect(serializeElements(ready)).toBe(ready);
  });

  it('arrives intact over a real stream when many are queued (grpc-js copies each one as it serializes it)', async () => {
    const server = new grpc.Server();
    const count = 60;
    const sent: Buffer[] = [];
    let deferred = 0;
    server.addService(RunnerDataService, {
      data(call: grpc.ServerDuplexStream<unknown, Buffer | ElementsMessage>) {
        for (let k = 0; k < count; k++) {
          // distinct payloads of ~200 KB: the stream's buffer fills, later messages are serialized later
          const payload = new Uint8Array(200_000 + k).fill(k);
          payload[0] = k >> 8;
          const d: OutgoingData[] = [
            {
              instructionId: String(k),
              transformId: 'fn/write/:0',
              parts: [writer(payload, 1)],
              isLast: k === count - 1,
            },
          ];
          sent.push(encodeElements(d));
          const msg = new ElementsMessage(d, { onWrite: () => {} });
          call.write(msg);
          if (msg.writeMs === 0) deferred++; // queued: serialized later, after others reused the scratch
        }
        call.end();
      },
    });
    const port = await new Promise<number>((res, rej) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? rej(e) : res(p),
      ),
    );
    closers.push(() => server.forceShutdown());
    const Client = grpc.makeGenericClientConstructor(
      {
        data: {
          ...BeamFnDataService.data,
          requestSerialize: (v: Buffer) => v,
          responseDeserialize: (v: Buffer) => v,
        },
      },
      'BeamFnData',
    );
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as {
      data(): grpc.ClientDuplexStream<Buffer, Buffer>;
      close(): void;
    };
    closers.push(() => client.close());
    const call = client.data();
    const got: Buffer[] = [];
    await new Promise<void>((res, rej) => {
      call.on('data', (b: Buffer) => got.push(Buffer.from(b)));
      call.on('end', res);
      call.on('error', rej);
    });
    expect(deferred).toBeGreaterThan(count / 2);
    expect(got.length).toBe(count);
    for (let k = 0; k < count; k++) expect(Buffer.compare(got[k]!, sent[k]!)).toBe(0);
  });
});

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});
