/**
 * gRPC message size: one Arrow batch far over the 64 MiB message limit — a 100 MB string column
 * in one batch, and a UDF whose output is 1,000× its input (100 KB in, 100 MB out) — goes through
 * the real runner and worker processes whole and unchanged, because both sides cut such data
 * into several `Elements` messages (before this, the worker failed with "RESOURCE_EXHAUSTED: Sent
 * message larger than max (100004327 vs. 67108864)"). The cutting itself is checked as a property.
 */
import * as grpc from '@grpc/grpc-js';
import { Field, makeData, RecordBatch, Schema, Struct, Utf8 } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerChannelOptions } from '../../src/harness/worker-id.js';
import { MAX_MESSAGE_BYTES } from '../../src/proto/channel-options.js';
import { decodeElements, encodeElements, type OutgoingData } from '../../src/proto/elements-codec.js';
import { BeamFnDataService } from '../../src/proto/fn-api.js';
import { MAX_PIECE_BYTES, SPLIT_PAYLOAD_BYTES, splitOutgoing } from '../../src/proto/split-messages.js';
import { Runner } from '../../src/runner/runner.js';
import { RunnerServers } from '../../src/runner/servers.js';
import { planOf } from './process-support.js';

/** One batch of `rows` strings of `each` bytes; row i is made of the letter `a + i % 26`. */
function strings(rows: number, each: number): RecordBatch {
  const offsets = new Int32Array(rows + 1);
  const bytes = new Uint8Array(rows * each);
  for (let i = 0; i < rows; i++) {
    offsets[i + 1] = (i + 1) * each;
    bytes.fill(97 + (i % 26), i * each, (i + 1) * each);
  }
  const s = makeData({ type: new Utf8(), length: rows, nullCount: 0, valueOffsets: offsets, data: bytes });
  const schema = new Schema([new Field('s', new Utf8(), false)]);
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children: [s] }),
  );
}

/** The bytes of each row of string column `name`, as [offsets, values] of one contiguous copy. */
function stringBytes(batches: RecordBatch[], name: string): { lengths: number[]; values: Buffer } {
  const lengths: number[] = [];
  const parts: Buffer[] = [];
  for (const b of batches) {
    for (const d of b.getChild(name)!.data) {
      const o = d.valueOffsets as Int32Array;
      for (let i = 0; i < d.length; i++) lengths.push(o[i + 1]! - o[i]!);
      parts.push(Buffer.from(d.values.buffer, d.values.byteOffset + o[0]!, o[d.length]! - o[0]!));
    }
  }
  return { lengths, values: Buffer.concat(parts) };
}

let runner: Runner;
beforeAll(async () => {
  runner = await Runner.start({ threads: 1 });
});
afterAll(async () => {
  await runner?.close();
});

describe('batches bigger than a gRPC message', () => {
  it('a 100 MB string column in one Arrow batch goes to the worker and back unchanged', async () => {
    const input = strings(1_000, 100_000); // 100,000,000 bytes of strings in one batch
    expect(input.getChild('s')!.data[0]!.values.byteLength).toBeGreaterThan(MAX_MESSAGE_BYTES);
    const out: RecordBatch[] = [];
    for await (const b of runner.run([input], { plan: planOf('sameString'), arrowBatchSize: 1_000 })) {
      out.push(b);
    }
    expect(out.reduce((n, b) => n + b.numRows, 0)).toBe(1_000);
    const got = stringBytes(out, 'result');
    const want = stringBytes([input], 's');
    expect(got.lengths).toEqual(want.lengths);
    expect(got.values.equals(want.values)).toBe(true);
  });

  it('a UDF output 1,000× its input (100 KB in, 100 MB out) comes back whole', async () => {
    const input = strings(100, 1_000);
    const out: RecordBatch[] = [];
    for await (const b of runner.run([input], { plan: planOf('inflate'), arrowBatchSize: 100 })) out.push(b);
    const got = stringBytes(out, 'result');
    expect(got.lengths).toEqual(Array.from({ length: 100 }, () => 1_000_000));
    expect(got.values.length).toBeGreaterThan(MAX_MESSAGE_BYTES);
    for (let i = 0; i < 100; i++) {
      const row = got.values.subarray(i * 1_000_000, (i + 1) * 1_000_000);
      // every byte of row i is its letter: nothing lost, shifted or duplicated across messages
      if (!row.equals(Buffer.alloc(1_000_000, 97 + (i % 26)))) throw new Error(`row ${i} differs`);
    }
  });

  it('the runner and its worker go on after them', async () => {
    const out: RecordBatch[] = [];
    for await (const b of runner.run([strings(10, 3)], { plan: planOf('sameString') })) out.push(b);
    expect(stringBytes(out, 'result').lengths).toEqual(Array.from({ length: 10 }, () => 3));
  });
});

describe('one message over the limit from a peer that does not cut', () => {
  it('is refused loudly: the sender hears both sizes, the runner drops the worker instead of waiting', async () => {
    const servers = await RunnerServers.start();
    const conn = servers.expectWorker('big');
    // a foreign worker that raised its own send limit and writes 70 MiB in one message
    const client = new grpc.Client(servers.dataUrl, grpc.credentials.createInsecure(), {
      ...workerChannelOptions('big'),
      'grpc.max_send_message_length': -1,
    });
    try {
      const call = client.makeBidiStreamRequest(
        BeamFnDataService.data.path,
        (b: Buffer) => b,
        decodeElements,
      );
      const refused = new Promise<Error>((r) => call.on('error', r));
      call.on('data', () => {});
      const gone = new Promise<Error>((r) => conn.onGone(r));
      const big = new Uint8Array(70 * 1024 * 1024);
      call.write(
        encodeElements([{ instructionId: '1', transformId: 'fn/write/:0', parts: [big], isLast: true }]),
      );
      const err = await Promise.race([
        refused,
        new Promise<never>((_, j) => setTimeout(() => j(new Error('no error')), 10_000)),
      ]);
      expect(err.message).toMatch(/RESOURCE_EXHAUSTED: Received message larger than max \(\d+ vs 67108864\)/);
      expect((await gone).message).toMatch(/worker big closed its data stream/);
    } finally {
      client.close();
      await servers.close();
    }
  });
});

describe('splitOutgoing', () => {
  const entry = fc.record({
    instructionId: fc.constantFrom('1', '2', '37'),
    transformId: fc.constantFrom('fn/read/input:0', 'fn/write/:0'),
    parts: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }),
    isLast: fc.boolean(),
  });

  it('keeps every byte in order per (instruction, transform), parts whole unless too big for any message, is_last on the last piece', () => {
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 8 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 0, max: 200 }),
        (data, target, extra) => {
          const maxPiece = target + extra;
          const messages = splitOutgoing(data, target, maxPiece);
          // Where each part may end: a cut falls only at a part's end, or every maxPiece bytes in a part too big.
          const partEnds = new Map<string, Set<number>>();
          const seen = new Map<string, number>();
          for (const d of data as OutgoingData[]) {
            const k = `${d.instructionId}/${d.transformId}`;
            const ends = partEnds.get(k) ?? new Set<number>([0]);
            let at = seen.get(k) ?? 0;
            for (const p of d.parts as Uint8Array[]) {
              if (p.byteLength > maxPiece)
                for (let c = maxPiece; c < p.byteLength; c += maxPiece) ends.add(at + c);
              at += p.byteLength;
              ends.add(at);
            }
            partEnds.set(k, ends);
            seen.set(k, at);
          }
          const sent = new Map<string, number[]>();
          const lastSeen: string[] = [];
          for (const m of messages) {
            // through the real codec, as the receiver reads it
            const decoded = decodeElements(encodeElements(m)).data;
            const bytes = decoded.reduce((n, d) => n + d.data.length, 0);
            // over the target only as one part (or one piece of a part) alone in its message
            if (bytes > target)
              expect(m.flatMap((d) => d.parts).filter((p) => (p as Uint8Array).byteLength > 0)).toHaveLength(
                1,
              );
            expect(bytes).toBeLessThanOrEqual(Math.max(target, maxPiece));
            for (const d of decoded) {
              const k = `${d.instructionId}/${d.transformId}`;
              if (!sent.has(k)) sent.set(k, []);
              sent.get(k)!.push(...d.data);
              expect(partEnds.get(k)!.has(sent.get(k)!.length)).toBe(true);
              if (d.isLast) lastSeen.push(k);
            }
          }
          const want = new Map<string, number[]>();
          const wantLast: string[] = [];
          for (const d of data as OutgoingData[]) {
            const k = `${d.instructionId}/${d.transformId}`;
            if (!want.has(k)) want.set(k, []);
            for (const p of d.parts) want.get(k)!.push(...(p as Uint8Array));
            if (d.isLast) wantLast.push(k);
          }
          for (const [k, v] of want) expect(sent.get(k) ?? []).toEqual(v);
          expect(lastSeen).toEqual(wantLast);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('sends an element bigger than 4 MiB whole, and cuts one too big for any message into views', () => {
    const element = new Uint8Array(10 * 1024 * 1024);
    const small = new Uint8Array(100);
    const whole = splitOutgoing([
      { instructionId: '9', transformId: 'fn/write/:0', parts: [small, element, small], isLast: true },
    ]);
    // Beam's Java and Python data planes decode each Data entry on its own: elements stay whole
    expect(whole.map((m) => m.flatMap((d) => d.parts).map((p) => (p as Uint8Array).byteLength))).toEqual([
      [100],
      [10 * 1024 * 1024],
      [100],
    ]);
    const huge = new Uint8Array(MAX_PIECE_BYTES * 2 + 5);
    const messages = splitOutgoing([
      { instructionId: '9', transformId: 'fn/write/:0', parts: [huge], isLast: true },
    ]);
    expect(messages).toHaveLength(3);
    for (const m of messages) {
      const p = m[0]!.parts[0] as Uint8Array;
      expect(p.buffer).toBe(huge.buffer);
      expect(p.byteLength).toBeLessThanOrEqual(MAX_PIECE_BYTES);
    }
    expect(messages.map((m) => m[0]!.isLast)).toEqual([false, false, true]);
    expect(SPLIT_PAYLOAD_BYTES).toBeLessThan(4 * 1024 * 1024);
  });
});
