import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataChannel } from '../../src/harness/data-channel.js';
import type { DeferredElement } from '../../src/pool/types.js';
import { FakeRunner } from './fake-runner.js';

let runner: FakeRunner;
beforeAll(async () => {
  runner = await FakeRunner.start();
});
afterAll(() => runner.close());

describe('DataChannel', () => {
  it('pauses the stream while too much input waits unread, then delivers all of it in order', async () => {
    const ch = new DataChannel(runner.url, 'w', { maxBufferedBytes: 256 * 1024 });
    ch.outbound('x', 'hello').write(Uint8Array.of(1)); // opens the stream
    await runner.dataConnected();
    const chunk = (k: number) => new Uint8Array(64 * 1024).fill(k);
    let sent = 0;
    const sending = (async () => {
      for (let k = 0; k < 60; k++) {
        await runner.sendData([
          { instructionId: 'early', transformId: 't', parts: [chunk(k)], isLast: k === 59 },
        ]);
        sent++;
      }
    })();
    await new Promise((r) => setTimeout(r, 400));
    // nobody reads yet: the channel holds at most its limit plus the message that crossed it
    expect(ch.bufferedBytes).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
    expect(sent).toBeLessThan(60);
    const input = ch.inbound('early', 't');
    const got: number[] = [];
    for (let c = await input.next(); c !== null; c = await input.next()) got.push(c[0]!);
    await sending;
    expect(got).toEqual(Array.from({ length: 60 }, (_, k) => k));
    expect(ch.bufferedBytes).toBe(0);
    ch.close();
  });

  it('coalesces the outputs of several writers into few messages and sends is_last', async () => {
    const ch = new DataChannel(runner.url, 'w2');
    const a = ch.outbound('p', 'out');
    const b = ch.outbound('q', 'out');
    for (let i = 0; i < 100; i++) {
      a.write(Uint8Array.of(i));
      b.write(Uint8Array.of(200 - i));
    }
    await Promise.all([a.close(), b.close()]);
    expect([...(await runner.output('p', 'out'))]).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...(await runner.output('q', 'out'))]).toEqual(Array.from({ length: 100 }, (_, i) => 200 - i));
    // 200 writes in one turn of the event loop: two Data entries (one per writer), not 200
    expect(runner.outputs.get('p/out')!.chunks.length).toBe(1);
    ch.close();
  });

  it('writes a deferred element when its message goes out, its content landing 8-byte aligned', async () => {
    const ch = new DataChannel(runner.url, 'w4');
    const payload = Uint8Array.from({ length: 300 }, (_, i) => i & 255);
    let wrote = 0;
    let senderOffset = -1;
    const element: DeferredElement = {
      size: 2 + payload.length,
      prefix: 2,
      write(out, pos) {
        wrote++;
        senderOffset = out.byteOffset + pos + 2;
        out[pos] = 0xac; // varint(300)
        out[pos + 1] = 0x02;
        out.set(payload, pos + 2);
        return pos + 2 + payload.length;
      },
    };
    const out = ch.outbound('d', 'out');
    out.writeDeferred(element);
    expect(wrote).toBe(0); // not before the message is built
    await out.close();
    expect(wrote).toBe(1);
    expect([...(await runner.output('d', 'out'))]).toEqual([0xac, 0x02, ...payload]);
    const [chunk] = runner.outputs.get('d/out')!.chunks;
    expect((chunk!.byteOffset + 2) % 8).toBe(0);
    // aligned in the worker's message buffer too: float columns can be computed into it in place
    expect(senderOffset % 8).toBe(0);
    ch.close();
  });

  it('a deferred element that cannot be written fails the writers of the stream, not the process', async () => {
    const ch = new DataChannel(runner.url, 'w5');
    const out = ch.outbound('e', 'out');
    out.writeDeferred({
      size: 10,
      prefix: 1,
      write() {
        throw new RangeError('element needs 12 bytes, 10 left');
      },
    });
    await expect(out.close()).rejects.toThrow(/writing results to .* failed: element needs 12 bytes/);
    expect(ch.error?.message).toMatch(/element needs 12 bytes/);
    ch.close();
  });

  it('drops data of finished instructions and fails readers when the stream breaks', async () => {
    const ch = new DataChannel(runner.url, 'w3');
    ch.outbound('z', 'o').write(Uint8Array.of(0));
    await runner.dataConnected();
    ch.finish('gone');
    await runner.sendData([
      { instructionId: 'gone', transformId: 't', parts: [new Uint8Array(10)], isLast: true },
    ]);
    const pending = ch.inbound('alive', 't').next();
    ch.close();
    await expect(pending).rejects.toThrow(/closed/);
    expect(ch.bufferedBytes).toBe(0);
  });
});
