/**
 * Bad input against the real worker (in this process, one executor thread) over real gRPC: every
 * malformed Arrow element, schema that does not match the descriptor, malformed control message,
 * unknown instruction id, orphan data and wrong row-coder frame fails only its bundle (or call)
 * with an InstructionResponse.error saying what was wrong — and a good bundle right after it runs
 * with correct results.
 */
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FbReader } from '../../src/codec/ipc-flatbuffers.js';
import { decodeRowsToColumns, encodeRows } from '../../src/codec/row-coder.js';
import { InstructionRequest } from '../../src/proto/fn-api.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import {
  AB,
  abElement,
  arrowElement,
  arrowOutput,
  column0,
  descriptor,
  expectServes,
  FAULTS,
  f64,
  INPUT,
  OUT,
  OUTPUT,
  PLUS,
  type Rig,
  runBundle,
  startRig,
  within,
} from './support.js';

// declares no input types: only the descriptor's input schema says what the columns are
const SAME = {
  module: FAULTS,
  export: 'same',
  kind: 'vectorized',
  resultType: 'DOUBLE',
  args: [{ offset: 1 }],
};

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ data: { maxBufferedBytes: 256 * 1024, orphanTimeoutMs: 1_500 } });
  const url = rig.runner.url;
  const d = rig.runner.descriptors;
  d.set('plus', descriptor({ id: 'plus', dataUrl: url, udfs: [PLUS], input: AB, output: OUT }));
  d.set('same', descriptor({ id: 'same', dataUrl: url, udfs: [SAME], input: AB, output: OUT }));
  d.set(
    'str',
    descriptor({
      id: 'str',
      dataUrl: url,
      udfs: [
        { module: FAULTS, export: 'same', kind: 'vectorized', resultType: 'STRING', args: [{ offset: 0 }] },
      ],
      input: [{ name: 's', type: T.STRING() }],
      output: [{ name: 'f0', type: T.STRING() }],
    }),
  );
  d.set(
    'rows',
    descriptor({
      id: 'rows',
      mode: 'row',
      dataUrl: url,
      udfs: [
        {
          module: FAULTS,
          export: 'plusRow',
          kind: 'row',
          resultType: 'DOUBLE',
          inputTypes: ['DOUBLE', 'DOUBLE'],
          args: [{ offset: 0 }, { offset: 1 }],
        },
      ],
      input: AB,
      output: OUT,
    }),
  );
});

afterAll(() => rig.close());

/** Strips the varint length prefix of a framed element. */
function payloadOf(el: Uint8Array): Uint8Array {
  let i = 0;
  while (el[i]! >= 0x80) i++;
  return el.subarray(i + 1);
}

function frame(payload: Uint8Array): Uint8Array {
  const pre: number[] = [];
  let n = payload.length;
  while (n >= 0x80) {
    pre.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  pre.push(n);
  return Uint8Array.from([...pre, ...payload]);
}

/** The messages of an IPC payload: where each starts, its header type and its body length. */
function messages(
  p: Uint8Array,
): { start: number; metaStart: number; metaEnd: number; type: number; end: number }[] {
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const out = [];
  let pos = 0;
  while (pos + 8 <= p.length) {
    const metaLen = view.getInt32(pos + 4, true);
    if (metaLen === 0) break;
    const fb = new FbReader(view, pos + 8, pos + 8 + metaLen, 0, 'test');
    const msg = fb.root();
    const body = fb.i64(msg, 3, 0);
    out.push({
      start: pos,
      metaStart: pos + 8,
      metaEnd: pos + 8 + metaLen,
      type: fb.u8(msg, 1, 0),
      end: pos + 8 + metaLen + body,
    });
    pos += 8 + metaLen + body;
  }
  return out;
}

function int64le(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(n), true);
  return b;
}

/** Replaces the last occurrence of `find` inside p[from, to) with `put` (same length); a copy. */
function replaceLast(p: Uint8Array, from: number, to: number, find: Uint8Array, put: Uint8Array): Uint8Array {
  const out = p.slice();
  for (let i = to - find.length; i >= from; i--) {
    if (find.every((b, k) => out[i + k] === b)) {
      out.set(put, i);
      return out;
    }
  }
  throw new Error('pattern not found');
}

async function expectFails(
  descriptorId: string,
  parts: Uint8Array[],
  pattern: RegExp,
  namesBundle = true,
): Promise<string> {
  const r = await runBundle(rig, descriptorId, parts, { mode: descriptorId === 'rows' ? 'row' : 'arrow' });
  expect(r.res.error, 'the bundle must fail').not.toBe('');
  expect(r.res.error).toMatch(pattern);
  if (namesBundle) expect(r.res.error).toContain(`bundle ${r.id}`);
  return r.res.error;
}

describe('malformed Arrow on the data plane', () => {
  // 5 rows of two DOUBLE columns: data buffers of 40 bytes at body offsets 0 and 40, body 80 bytes
  const good = abElement([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
  const p = payloadOf(good);
  const batchMsg = messages(p).find((m) => m.type === 3)!;

  it('a truncated IPC stream (its frame length agreeing): error at the cut, then the worker serves', async () => {
    for (const cut of [4, 12, batchMsg.metaStart + 5, batchMsg.metaEnd + 3, p.length - 1]) {
      const e = await expectFails('plus', [frame(p.subarray(0, cut))], /input batch 0/);
      expect(e).toMatch(/truncated|runs past the end|past the end|needs|outside/);
    }
    await expectServes(rig);
  });

  it('an element cut inside its frame (the stream ends early): the input ended inside an element', async () => {
    await expectFails('plus', [good.subarray(0, good.length - 7)], /the input ended inside an element/);
    await expectServes(rig);
  });

  it('empty elements (length prefix 0) and empty Data chunks', async () => {
    await expectFails('plus', [Uint8Array.of(0)], /empty input/);
    await expectFails('plus', [good, Uint8Array.of(0, 0), good], /input batch 1.*|empty input/);
    // empty Data chunks before is_last carry nothing: the bundle runs on what the others hold
    const r = await runBundle(rig, 'plus', [new Uint8Array(0), good, new Uint8Array(0)]);
    expect(r.res.error).toBe('');
    expect(column0(r.out)).toEqual([7, 9, 11, 13, 15]);
    await expectServes(rig);
  });

  it('random bytes, framed and unframed', async () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    const junk = Uint8Array.from({ length: 300 }, rnd);
    await expectFails('plus', [frame(junk)], /continuation marker|truncated|past the end/);
    // unframed: the first byte is read as the varint length of an element
    await expectFails('plus', [junk], /element|continuation marker|past the end|varint/);
    await expectServes(rig);
  });

  it('lying lengths: the message body length, a buffer running past the body', async () => {
    const longBody = replaceLast(p, batchMsg.metaStart, batchMsg.metaEnd, int64le(80), int64le(80_000));
    await expectFails('plus', [frame(longBody)], /body length 80000 runs past the end/);
    // column b's data buffer {offset 40, length 40} claims 4000 bytes
    const longBuf = replaceLast(
      p,
      batchMsg.metaStart,
      batchMsg.metaEnd,
      Uint8Array.from([...int64le(40), ...int64le(40)]),
      Uint8Array.from([...int64le(40), ...int64le(4000)]),
    );
    await expectFails('plus', [frame(longBuf)], /buffer|body/);
    // an offset past the body
    const farBuf = replaceLast(
      p,
      batchMsg.metaStart,
      batchMsg.metaEnd,
      Uint8Array.from([...int64le(40), ...int64le(40)]),
      Uint8Array.from([...int64le(1 << 20), ...int64le(40)]),
    );
    await expectFails('plus', [frame(farBuf)], /buffer|body/);
    // a row count larger than the buffers hold
    const manyRows = replaceLast(p, batchMsg.metaStart, batchMsg.metaEnd, int64le(5), int64le(5000));
    await expectFails('plus', [frame(manyRows)], /rows|length|short|buffer/);
    await expectServes(rig);
  });

  it("a schema that does not match the descriptor's input schema: column count, types", async () => {
    const three = arrowElement([...AB, { name: 'c', type: T.DOUBLE() }], {
      a: f64([1]),
      b: f64([2]),
      c: f64([3]),
    });
    const one = arrowElement([AB[0]!], { a: f64([1]) });
    const ints = arrowElement(
      [
        { name: 'a', type: T.DOUBLE() },
        { name: 'b', type: T.INT() },
      ],
      { a: f64([1]), b: arrow.makeVector(Int32Array.from([2])) },
    );
    for (const id of ['plus', 'same']) {
      await expectFails(
        id,
        [three],
        /the input batch has 3 column\(s\), but the input schema of the transform has 2/,
      );
      await expectFails(id, [one], /the input batch has 1 column\(s\)/);
      const e = await expectFails(id, [ints], /Int32/);
      expect(e).toMatch(/column 1|'b'/);
    }
    await expectServes(rig);
  });

  it('a dictionary-encoded column whose dictionary batch never came', async () => {
    const dictType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const vec = arrow.vectorFromArray(['x', 'y', 'x'], dictType);
    const table = new arrow.Table({ s: vec });
    const w = new arrow.RecordBatchStreamWriter();
    w.write(table.batches[0]!);
    w.finish();
    const all = w.toUint8Array(true);
    const msgs = messages(all);
    expect(msgs.map((m) => m.type)).toEqual([1, 2, 3]);
    const noDict = Uint8Array.from([
      ...all.subarray(0, msgs[1]!.start),
      ...all.subarray(msgs[2]!.start, msgs[2]!.end),
    ]);
    await expectFails('str', [frame(noDict)], /no dictionary with id \d+ was sent/);
    await expectServes(rig);
  });
});

describe('malformed control messages', () => {
  it('garbage InstructionRequest bytes, unknown and empty instructions', async () => {
    const { runner } = rig;
    const bad = Uint8Array.of(0x0a, 0x02, 0x67, 0x31, 0xca, 0x3e, 0xff, 0xff, 0xff, 0xff, 0x0f);
    const r1 = await within(runner.sendRaw(bad, 'g1'), 5_000, 'garbage request');
    expect(r1.error).toMatch(/malformed InstructionRequest/);
    // an unknown field number only: decodes as an empty request
    const unknownField = Uint8Array.of(0x0a, 0x02, 0x67, 0x32, 0xa8, 0x3f, 0x01);
    const r2 = await within(runner.sendRaw(unknownField, 'g2'), 5_000, 'unknown field');
    expect(r2.error).toMatch(/unknown or empty instruction/);
    await expectServes(rig);
  });

  it('a process_bundle whose ProcessBundleRequest bytes are garbage', async () => {
    const ok = InstructionRequest.encode(
      InstructionRequest.fromPartial({
        instructionId: 'g3',
        processBundle: { processBundleDescriptorId: 'plus' },
      }),
    ).finish();
    // keep field 1 (the id), then field 1001 holding bytes that are not a ProcessBundleRequest
    const head = ok.subarray(0, 4);
    const garbage = Uint8Array.of(0xca, 0x3e, 0x03, 0x0a, 0x7f, 0x00);
    const r = await within(
      rig.runner.sendRaw(Uint8Array.from([...head, ...garbage]), 'g3'),
      5_000,
      'bad pbr',
    );
    expect(r.error).toMatch(/malformed InstructionRequest/);
    await expectServes(rig);
  });

  it('descriptors that cannot run: garbage UserDefinedFunctions, a UDF payload that is not JSON, no transforms, a missing source', async () => {
    const { runner } = rig;
    const url = runner.url;
    const base = descriptor({ id: 'x', dataUrl: url, udfs: [PLUS], input: AB, output: OUT });
    const garbageUdfs = structuredClone(base);
    garbageUdfs.id = 'garbage-udfs';
    garbageUdfs.transforms.transform!.spec!.payload = Uint8Array.of(0x0a, 0xff, 0xff, 0x01);
    const notJson = descriptor({ id: 'x', dataUrl: url, udfs: [PLUS], input: AB, output: OUT });
    notJson.id = 'not-json';
    const { UserDefinedFunctions } = await import('../../src/proto/flink.js');
    const u = UserDefinedFunctions.decode(notJson.transforms.transform!.spec!.payload);
    u.udfs[0]!.payload = new TextEncoder().encode('{"module": ');
    notJson.transforms.transform!.spec!.payload = UserDefinedFunctions.encode(u).finish();
    const empty = { ...structuredClone(base), id: 'no-transforms', transforms: {} };
    const noSource = structuredClone(base);
    noSource.id = 'no-source';
    delete noSource.transforms['fn/read/input:0'];
    for (const [d, pattern] of [
      [garbageUdfs, /not Flink's UserDefinedFunctions/],
      [notJson, /UDF payload is not JSON/],
      [empty, /no UDF transform/],
      [noSource, /no beam:runner:source:v1 produces its input/],
    ] as const) {
      runner.descriptors.set(d.id, d);
      // a descriptor error is about the descriptor, whichever bundle named it
      const e = await expectFails(d.id, [abElement([1], [2])], pattern, false);
      expect(e).toContain(`ProcessBundleDescriptor ${d.id}`);
    }
    // pushed (RegisterRequest): the register call itself fails, the worker goes on
    const reg = await within(
      runner.instruct({ register: { processBundleDescriptor: [empty] } }),
      5_000,
      'register',
    );
    expect(reg.error).toMatch(/no UDF transform/);
    await expectServes(rig);
  });

  it('a malformed Elements message on the data stream: the bundles in flight fail, the next ones run', async () => {
    const { runner } = rig;
    const id = runner.newId();
    const resp = runner.instruct(
      { processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } },
      id,
    );
    await runner.sendData([
      { instructionId: id, transformId: INPUT, parts: [abElement([1], [2])], isLast: false },
    ]);
    // field 1 (Data) with a length running past the end of the message
    await runner.sendRawData(Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01));
    const r = await within(resp, 10_000, 'bundle on a broken data stream');
    expect(r.error).toMatch(/data stream to .* failed/);
    expect(r.error).toContain(`bundle ${id}`);
    await expectServes(rig);
  });

  it('instructions naming unknown bundles: progress, split, finalize', async () => {
    const { runner } = rig;
    const pr = await runner.instruct({ processBundleProgress: { instructionId: 'never-was' } });
    expect(pr.error).toMatch(/no bundle never-was is in flight/);
    const sp = await runner.instruct({
      processBundleSplit: { instructionId: 'never-was', desiredSplits: {} },
    });
    expect(sp.error).toMatch(/no bundle never-was is in flight/);
    const fin = await runner.instruct({ finalizeBundle: { instructionId: 'never-was' } });
    expect(fin.error).toMatch(/never-was.*finaliz/);
    await expectServes(rig);
  });
});

describe('data for instructions that never come', () => {
  it('does not stall other bundles when it fills the buffer; a late request for it fails clearly', async () => {
    const { runner } = rig;
    // 3 × 240 KB for ids that never get a ProcessBundleRequest: more than maxBufferedBytes (256 KiB),
    // so the data stream pauses — for good, if orphans were kept forever
    const big = abElement(
      Array.from({ length: 15_000 }, (_, i) => i),
      Array.from({ length: 15_000 }, () => 1),
    );
    for (const id of ['orphan-1', 'orphan-2', 'orphan-3']) {
      await runner.sendData([{ instructionId: id, transformId: INPUT, parts: [big], isLast: true }]);
    }
    await new Promise((r) => setTimeout(r, 100));
    // a bundle asked for now needs its data from behind the pause: the oldest orphans make way
    const t0 = Date.now();
    await expectServes(rig);
    expect(Date.now() - t0).toBeLessThan(1_000); // well before the orphan timeout (1.5 s)
    const log = await runner.waitForLog(
      (e) => /orphan-1/.test(e.message) && /dropped/.test(e.message),
      10_000,
    );
    expect(log.message).toMatch(/kept the data stream paused while bundle i\d+ waited for its input/);
    const late = runner.instruct(
      { processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } },
      'orphan-2',
    );
    const r = await within(late, 10_000, 'late request for dropped data');
    expect(r.error).toMatch(/orphan-2.*dropped/);
    await expectServes(rig);
  });

  it('a small orphan is dropped after orphanTimeoutMs, with a warning', async () => {
    const { runner } = rig;
    await runner.sendData([
      { instructionId: 'orphan-small', transformId: INPUT, parts: [abElement([1], [2])], isLast: true },
    ]);
    const t0 = Date.now();
    const log = await runner.waitForLog((e) => /orphan-small/.test(e.message), 10_000);
    expect(log.message).toMatch(
      /dropped \d+ bytes of input for instruction orphan-small: no ProcessBundleRequest came within 1500 ms/,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
    // data sent before its request, within the bound, is still kept for it
    const early = 'early-ok';
    await runner.sendData([
      { instructionId: early, transformId: INPUT, parts: [abElement([1], [2])], isLast: true },
    ]);
    await new Promise((r) => setTimeout(r, 200));
    const r = await runner.instruct(
      { processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } },
      early,
    );
    expect(r.error).toBe('');
    expect(column0(arrowOutput(await runner.output(early, OUTPUT)))).toEqual([3]);
  });

  it('data on a transform the bundle does not read (before and after its request): the bundle fails instead of waiting', async () => {
    const { runner } = rig;
    const before = runner.newId();
    await runner.sendData([
      { instructionId: before, transformId: 'fn/read/other:0', parts: [abElement([1], [2])], isLast: true },
    ]);
    await new Promise((r) => setTimeout(r, 50));
    const r1 = await within(
      runner.instruct({ processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } }, before),
      10_000,
      'data before, wrong transform',
    );
    expect(r1.error).toMatch(
      /data came for transform 'fn\/read\/other:0' of instruction i\d+, but its bundle reads only 'fn\/read\/input:0'/,
    );
    const after = runner.newId();
    const resp = runner.instruct(
      { processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } },
      after,
    );
    await new Promise((r) => setTimeout(r, 100));
    await runner.sendData([
      { instructionId: after, transformId: 'fn/read/other:0', parts: [abElement([1], [2])], isLast: true },
    ]);
    const r2 = await within(resp, 10_000, 'data after, wrong transform');
    expect(r2.error).toMatch(/data came for transform 'fn\/read\/other:0'/);
    expect(r2.error).toContain(`bundle ${after}`);
    await expectServes(rig);
  });

  it('an instruction id used twice: the second bundle fails at once instead of waiting forever', async () => {
    const first = await runBundle(rig, 'plus', [abElement([1], [1])]);
    expect(first.res.error).toBe('');
    const again = rig.runner.instruct(
      { processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } },
      first.id,
    );
    const r = await within(again, 10_000, 'reused id');
    expect(r.error).toMatch(/already over; an instruction id cannot be used twice/);
    await expectServes(rig);
  });
});

describe('wrong row-coder frames (row-wise mode)', () => {
  const rows = (a: number[], b: number[]) => encodeRows([f64(a), f64(b)], [T.DOUBLE(), T.DOUBLE()]);

  it('a truncated varint, a row with too few fields, a row with too many, a lying row length', async () => {
    const ok = rows([1, 2], [3, 4]);
    await expectFails('rows', [Uint8Array.from([...ok, 0x80])], /ended inside an element/);
    const oneField = encodeRows([f64([5])], [T.DOUBLE()]);
    await expectFails('rows', [ok, oneField], /input row 2: truncated: needs 8 byte/);
    const threeFields = encodeRows([f64([5]), f64([6]), f64([7])], [T.DOUBLE(), T.DOUBLE(), T.DOUBLE()]);
    await expectFails('rows', [threeFields], /row declared \d+ bytes but its fields use \d+/);
    // a frame whose length covers part of the next row
    const two = rows([1, 2], [3, 4]);
    const lying = two.slice();
    lying[0] = lying[0]! + 3;
    await expectFails('rows', [lying], /row declared|ended inside|past/);
    const r = await runBundle(rig, 'rows', [rows([1, 2, 3], [10, 20, 30])], { mode: 'row' });
    expect(r.res.error).toBe('');
    expect([...decodeRowsToColumns(r.bytes, [T.DOUBLE()])[0]!]).toEqual([11, 22, 33]);
    await expectServes(rig);
  });
});

describe('sanity', () => {
  it('the good bundle is checked for its values', async () => {
    const r = await runBundle(rig, 'plus', [abElement([1], [2]), abElement([3, 4], [5, 6])]);
    expect(r.res.error).toBe('');
    expect(column0(r.out)).toEqual([3, 8, 10]);
  });
});
