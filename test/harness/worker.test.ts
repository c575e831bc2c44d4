/**
 * The worker against a fake runner over real gRPC on 127.0.0.1, in this process (the process
 * tests are in worker-process.test.ts): descriptor pull, data before request, several bundles in
 * flight, malformed and unknown instructions, a failing UDF, pushed descriptors, row-wise mode,
 * aggregates, constants and chained UDFs, metrics.
 */
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRowsToColumns } from '../../src/codec/row-coder.js';
import { startWorker, type Worker } from '../../src/harness/worker.js';
import { createExecutorPool } from '../../src/pool/create-pool.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { FakeRunner } from './fake-runner.js';
import { arrowElement, arrowOutput, descriptor, f64, INPUT, OUTPUT, rowElements } from './flink-fixtures.js';

const AB = [
  { name: 'a', type: T.DOUBLE() },
  { name: 'b', type: T.DOUBLE() },
];
const OUT = [{ name: 'f0', type: T.DOUBLE() }];
const PLUS = {
  export: 'plus',
  kind: 'vectorized',
  resultType: 'DOUBLE',
  inputTypes: ['DOUBLE', 'DOUBLE'],
  args: [{ offset: 0 }, { offset: 1 }],
};

let runner: FakeRunner;
let worker: Worker;

beforeAll(async () => {
  runner = await FakeRunner.start();
  runner.descriptors.set(
    'plus',
    descriptor({ id: 'plus', dataUrl: runner.url, udfs: [PLUS], input: AB, output: OUT }),
  );
  worker = startWorker({
    id: 'w-test',
    controlUrl: runner.url,
    loggingUrl: runner.url,
    captureConsole: false,
    pool: createExecutorPool({ threads: 0 }),
  });
  await runner.connected();
});

afterAll(async () => {
  await runner.close();
  await worker.stop();
});

function batch(a: number[], b: number[]) {
  return arrowElement(AB, { a: f64(a), b: f64(b) });
}

async function sendInput(id: string, elements: Uint8Array[], transformId = INPUT) {
  await runner.sendData([{ instructionId: id, transformId, parts: elements, isLast: true }]);
}

describe('worker over gRPC (in process)', () => {
  it('pulls the descriptor, runs the bundle, answers with metrics; worker_id on every call', async () => {
    const id = runner.newId();
    const resp = runner.instruct(
      { processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } },
      id,
    );
    // Flink's order: the request first, the data after it
    await sendInput(id, [batch([1, 2, 3], [10, 20, 30]), batch([4], [40])]);
    const r = await resp;
    expect(r.error).toBe('');
    const out = arrowOutput(await runner.output(id, OUTPUT));
    expect(out.map((b) => b.numRows)).toEqual([3, 1]);
    expect([...out[0]!.getChildAt(0)!]).toEqual([11, 22, 33]);
    expect([...out[1]!.getChildAt(0)!]).toEqual([44]);
    expect(runner.descriptorPulls).toEqual(['plus']);
    const rows = r.processBundle!.monitoringInfos.find((m) => m.labels.NAME === 'udf_rows');
    expect(rows?.labels.PTRANSFORM).toBe('transform');
    expect(JSON.parse(rows!.labels.NAMESPACE!)).toEqual([
      'vecudf',
      'plus',
      'f0',
      'MetricGroupType.generic',
      'MetricGroupType.generic',
      'MetricGroupType.generic',
    ]);
    expect([...rows!.payload]).toEqual([4]); // 4 rows, varint
    expect(Object.keys(r.processBundle!.monitoringData).length).toBe(r.processBundle!.monitoringInfos.length);
    for (const svc of ['control', 'data', 'descriptor', 'logging']) {
      expect(runner.workerIds[svc], svc).toContain('w-test');
    }
  });

  it('keeps data that arrives before its ProcessBundleRequest', async () => {
    const id = runner.newId();
    await sendInput(id, [batch([5], [6])]);
    await new Promise((r) => setTimeout(r, 50));
    const r = await runner.instruct(
      { processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } },
      id,
    );
    expect(r.error).toBe('');
    expect([...arrowOutput(await runner.output(id, OUTPUT))[0]!.getChildAt(0)!]).toEqual([11]);
  });

  it('reports metric deltas that add up over overlapping bundles, under short ids its metadata resolves', async () => {
    const run = async (ids: string[], sizes: number[]) => {
      const resps = ids.map((id) =>
        runner.instruct({ processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } }, id),
      );
      const parts = (n: number) => [batch(new Array(n).fill(1), new Array(n).fill(2))];
      await runner.sendData(
        ids.map((id, k) => ({
          instructionId: id,
          transformId: INPUT,
          parts: parts(sizes[k]!),
          isLast: false,
        })),
      );
      await runner.sendData(
        ids.map((id, k) => ({
          instructionId: id,
          transformId: INPUT,
          parts: parts(sizes[k]!),
          isLast: true,
        })),
      );
      return Promise.all(resps);
    };
    await run([runner.newId()], [1]); // takes up what earlier tests counted
    const rs = await run([runner.newId(), runner.newId(), runner.newId()], [3, 5, 7]);
    const rowsIds = new Set<string>();
    let rows = 0;
    for (const r of rs) {
      expect(r.error).toBe('');
      const p = r.processBundle!;
      const ids = Object.keys(p.monitoringData);
      expect(ids.length).toBe(p.monitoringInfos.length);
      const meta = (await runner.instruct({ monitoringInfos: { monitoringInfoId: ids } })).monitoringInfos!;
      for (const [i, info] of p.monitoringInfos.entries()) {
        // the i-th short id names the i-th info: same urn and labels, same payload
        const id = ids[i]!;
        expect(meta.monitoringInfo[id]).toMatchObject({
          urn: info.urn,
          type: info.type,
          labels: info.labels,
        });
        expect([...p.monitoringData[id]!]).toEqual([...info.payload]);
        if (info.labels.NAME === 'udf_rows') {
          rowsIds.add(id);
          rows += info.payload[0]!; // under 128: one varint byte
        }
      }
    }
    expect(rowsIds.size).toBe(1); // one short id for the one counter, in every bundle
    expect(rows).toBe(2 * (3 + 5 + 7));
  });

  it('runs several bundles in flight, each answered with its own rows', async () => {
    const ids = [runner.newId(), runner.newId(), runner.newId()];
    const resps = ids.map((id) =>
      runner.instruct({ processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } }, id),
    );
    // interleave: first elements of every bundle, then the rest with is_last, in reverse order
    await runner.sendData(
      ids.map((id, k) => ({
        instructionId: id,
        transformId: INPUT,
        parts: [batch([k], [100])],
        isLast: false,
      })),
    );
    for (const [k, id] of [...ids.entries()].reverse()) {
      await runner.sendData([
        { instructionId: id, transformId: INPUT, parts: [batch([k, k], [1, 2])], isLast: true },
      ]);
    }
    const rs = await Promise.all(resps);
    for (const [k, id] of ids.entries()) {
      expect(rs[k]!.error).toBe('');
      const out = arrowOutput(await runner.output(id, OUTPUT)).flatMap((b) => [...b.getChildAt(0)!]);
      expect(out).toEqual([k + 100, k + 1, k + 2]);
    }
  });

  it('answers malformed and unknown instructions with an error and goes on', async () => {
    // field 1 "m1", then field 1001 with a length running past the end
    const bad = Uint8Array.of(0x0a, 0x02, 0x6d, 0x31, 0xca, 0x3e, 0x7f, 0x01);
    const r1 = await runner.sendRaw(bad, 'm1');
    expect(r1.error).toMatch(/malformed InstructionRequest/);
    const r2 = await runner.instruct({});
    expect(r2.error).toMatch(/unknown or empty instruction/);
    const r3 = await runner.instruct({ sampleData: { pcollectionIds: [] } });
    expect(r3.error).toMatch(/sample_data is not supported/);
    const r4 = await runner.instruct({ processBundleProgress: { instructionId: 'nope' } });
    expect(r4.error).toMatch(/no bundle nope is in flight/);
    const r5 = await runner.instruct({
      processBundle: { processBundleDescriptorId: 'missing', cacheTokens: [] },
    });
    expect(r5.error).toMatch(/GetProcessBundleDescriptor\(missing\) failed/);
    // and still works
    const id = runner.newId();
    await sendInput(id, [batch([1], [1])]);
    expect(
      (await runner.instruct({ processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } }, id))
        .error,
    ).toBe('');
  });

  it('fails a bundle whose UDF throws with the UDF, the bundle and the rows, then runs the next one', async () => {
    runner.descriptors.set(
      'unlucky',
      descriptor({
        id: 'unlucky',
        dataUrl: runner.url,
        udfs: [{ export: 'unlucky', kind: 'vectorized', resultType: 'DOUBLE', args: [{ offset: 0 }] }],
        input: AB,
        output: OUT,
      }),
    );
    const id = runner.newId();
    await sendInput(id, [batch([1, 2, 3], [0, 0, 0]), batch([12, 13], [0, 0]), batch([7], [0])]);
    const r = await runner.instruct(
      { processBundle: { processBundleDescriptorId: 'unlucky', cacheTokens: [] } },
      id,
    );
    expect(r.error).toContain("UDF 'unlucky'");
    expect(r.error).toContain(`bundle ${id}`);
    expect(r.error).toContain('rows 3–4 of the bundle');
    expect(r.error).toContain('13 is unlucky');
    expect(r.error).toMatch(/fixtures\/udfs\.mjs/); // the user's stack
    const ok = runner.newId();
    await sendInput(ok, [batch([1, 2], [0, 0])]);
    expect(
      (
        await runner.instruct(
          { processBundle: { processBundleDescriptorId: 'unlucky', cacheTokens: [] } },
          ok,
        )
      ).error,
    ).toBe('');
    expect(arrowOutput(await runner.output(ok, OUTPUT))[0]!.numRows).toBe(2);
  });

  it('answers progress and split requests for a bundle in flight', async () => {
    const id = runner.newId();
    const resp = runner.instruct(
      { processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } },
      id,
    );
    await runner.sendData([
      { instructionId: id, transformId: INPUT, parts: [batch([1, 2], [3, 4])], isLast: false },
    ]);
    await new Promise((r) => setTimeout(r, 100));
    const progress = await runner.instruct({ processBundleProgress: { instructionId: id } });
    expect(progress.error).toBe('');
    const counts = progress.processBundleProgress!.monitoringInfos.filter(
      (m) => m.urn === 'beam:metric:element_count:v1',
    );
    expect(counts.map((m) => m.labels.PCOLLECTION).sort()).toEqual([INPUT, OUTPUT].sort());
    const split = await runner.instruct({ processBundleSplit: { instructionId: id, desiredSplits: {} } });
    expect(split.error).toBe('');
    expect(split.processBundleSplit!.channelSplits).toEqual([]);
    await runner.sendData([{ instructionId: id, transformId: INPUT, parts: [], isLast: true }]);
    expect((await resp).error).toBe('');
  });

  it('fails bundles with bad input clearly: an element that is not Arrow, a stream cut inside an element', async () => {
    const garbage = runner.newId();
    await sendInput(garbage, [Uint8Array.of(4, 1, 2, 3, 4)]);
    const r1 = await runner.instruct(
      { processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } },
      garbage,
    );
    expect(r1.error).toContain(`bundle ${garbage}`);
    expect(r1.error).toMatch(/input batch 0/);
    const cut = runner.newId();
    await sendInput(cut, [batch([1], [2]).subarray(0, 50)]);
    const r2 = await runner.instruct(
      { processBundle: { processBundleDescriptorId: 'plus', cacheTokens: [] } },
      cut,
    );
    expect(r2.error).toMatch(/the input ended inside an element/);
    expect(r2.error).toContain(`bundle ${cut}`);
  });

  it('accepts pushed descriptors (RegisterRequest) and does not pull them', async () => {
    const d = descriptor({ id: 'pushed', dataUrl: runner.url, udfs: [PLUS], input: AB, output: OUT });
    expect((await runner.instruct({ register: { processBundleDescriptor: [d] } })).error).toBe('');
    const id = runner.newId();
    await sendInput(id, [batch([1], [2])]);
    expect(
      (await runner.instruct({ processBundle: { processBundleDescriptorId: 'pushed', cacheTokens: [] } }, id))
        .error,
    ).toBe('');
    expect(runner.descriptorPulls).not.toContain('pushed');
  });

  it('runs row-wise UDFs over row-coder elements, chained and with constants', async () => {
    runner.descriptors.set(
      'rows',
      descriptor({
        id: 'rows',
        mode: 'row',
        dataUrl: runner.url,
        udfs: [
          {
            export: 'plusRow',
            kind: 'row',
            resultType: 'DOUBLE',
            inputTypes: ['DOUBLE', 'DOUBLE'],
            args: [{ offset: 0 }, { offset: 1 }],
          },
          {
            export: 'plusRow',
            kind: 'row',
            resultType: 'DOUBLE',
            inputTypes: ['DOUBLE', 'DOUBLE'],
            args: [
              {
                udf: {
                  export: 'plusRow',
                  kind: 'row',
                  resultType: 'DOUBLE',
                  inputTypes: ['DOUBLE', 'DOUBLE'],
                  args: [{ offset: 1 }, { offset: 1 }],
                },
              },
              { constant: 0.5, type: 'DOUBLE' },
            ],
          },
        ],
        input: AB,
        output: [
          { name: 'f0', type: T.DOUBLE() },
          { name: 'f1', type: T.DOUBLE() },
        ],
      }),
    );
    const id = runner.newId();
    const rows = rowElements(AB, { a: f64([1, 2, 3]), b: f64([10, 20, 30]) });
    // split the stream in the middle of an element: the worker must carry it over
    await runner.sendData([
      { instructionId: id, transformId: INPUT, parts: [rows.subarray(0, 7)], isLast: false },
    ]);
    await runner.sendData([
      { instructionId: id, transformId: INPUT, parts: [rows.subarray(7)], isLast: true },
    ]);
    const r = await runner.instruct(
      { processBundle: { processBundleDescriptorId: 'rows', cacheTokens: [] } },
      id,
    );
    expect(r.error).toBe('');
    const cols = decodeRowsToColumns(await runner.output(id, OUTPUT), [T.DOUBLE(), T.DOUBLE()]);
    expect([...cols[0]!]).toEqual([11, 22, 33]);
    expect([...cols[1]!]).toEqual([20.5, 40.5, 60.5]);
  });

  it("reads Flink's own pickled constants (tag + Pyrolite pickle)", async () => {
    runner.descriptors.set(
      'pickled',
      descriptor({
        id: 'pickled',
        dataUrl: runner.url,
        // timesConst(a, 2.0): CPython pickle.dumps(2.0, 2) after tag 0
        udfs: [
          {
            export: 'timesConst',
            kind: 'vectorized',
            resultType: 'DOUBLE',
            inputTypes: ['DOUBLE', 'DOUBLE'],
            args: [
              { offset: 0 },
              { rawConstant: Uint8Array.from(Buffer.from('0080024740000000000000002e', 'hex')) },
            ],
          },
        ],
        input: AB,
        output: OUT,
      }),
    );
    const id = runner.newId();
    await sendInput(id, [batch([1.5, -2], [0, 0])]);
    const r = await runner.instruct(
      { processBundle: { processBundleDescriptorId: 'pickled', cacheTokens: [] } },
      id,
    );
    expect(r.error).toBe('');
    expect([...arrowOutput(await runner.output(id, OUTPUT))[0]!.getChildAt(0)!]).toEqual([3, -4]);
  });

  it('passes TIMESTAMP_LTZ values through unchanged (epoch instants, as Flink writes them)', async () => {
    const LTZ = [{ name: 't', type: T.TIMESTAMP_LTZ(3) }];
    runner.descriptors.set(
      'ltz',
      descriptor({
        id: 'ltz',
        dataUrl: runner.url,
        udfs: [{ export: 'same', kind: 'vectorized', resultType: 'TIMESTAMP_LTZ(3)', args: [{ offset: 0 }] }],
        input: LTZ,
        output: [{ name: 'f0', type: T.TIMESTAMP_LTZ(3) }],
      }),
    );
    const id = runner.newId();
    const values = [0, 86_400_123, -1];
    const col = arrow.vectorFromArray(values, new arrow.TimestampMillisecond());
    await sendInput(id, [arrowElement(LTZ, { t: col })]);
    const r = await runner.instruct(
      { processBundle: { processBundleDescriptorId: 'ltz', cacheTokens: [] } },
      id,
    );
    expect(r.error).toBe('');
    const out = arrowOutput(await runner.output(id, OUTPUT))[0]!;
    expect((out.schema.fields[0]!.type as arrow.Timestamp).timezone ?? null).toBeNull(); // Flink's reader requires no zone
    expect([...out.getChildAt(0)!].map(Number)).toEqual(values);
  });

  it('runs a vectorized aggregate: one row per input batch (group)', async () => {
    runner.descriptors.set(
      'mean',
      descriptor({
        id: 'mean',
        aggregate: true,
        dataUrl: runner.url,
        udfs: [{ export: 'meanOf', kind: 'aggregate', resultType: 'DOUBLE', args: [{ offset: 1 }] }],
        input: AB,
        output: OUT,
      }),
    );
    const id = runner.newId();
    await sendInput(id, [batch([1, 1], [2, 4]), batch([2, 2, 2], [1, 2, 6])]);
    const r = await runner.instruct(
      { processBundle: { processBundleDescriptorId: 'mean', cacheTokens: [] } },
      id,
    );
    expect(r.error).toBe('');
    const out = arrowOutput(await runner.output(id, OUTPUT));
    expect(out.map((b) => [...b.getChildAt(0)!])).toEqual([[3], [3]]);
  });

  it('answers harness_monitoring_infos, monitoring_infos metadata and finalize_bundle', async () => {
    const h = await runner.instruct({ harnessMonitoringInfos: {} });
    expect(h.error).toBe('');
    const ids = Object.keys(h.harnessMonitoringInfos!.monitoringData);
    expect(ids.length).toBeGreaterThan(0);
    const meta = await runner.instruct({ monitoringInfos: { monitoringInfoId: ids } });
    const names = Object.values(meta.monitoringInfos!.monitoringInfo).map((m) => m.labels.NAME);
    expect(names).toContain('bundles');
    const bundlesId = ids.find((i) => meta.monitoringInfos!.monitoringInfo[i]!.labels.NAME === 'bundles')!;
    expect(h.harnessMonitoringInfos!.monitoringData[bundlesId]![0]).toBeGreaterThan(3);
    // no bundle asks for finalization: a FinalizeBundleRequest is an error naming the bundle
    expect((await runner.instruct({ finalizeBundle: { instructionId: 'i1' } })).error).toMatch(
      /bundle i1 cannot be finalized/,
    );
  });
});
