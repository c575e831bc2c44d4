import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdnLogBatches } from '../../examples/cdn/generate.js';
import { formatIpv4 } from '../../examples/cdn/ip-parse.js';
import {
  ipToProvince,
  ipToProvinceLookup,
  ipToProvinceLookupRow,
  ipToProvinceRow,
  LOOKUP_URL_ENV,
  lookupUdfs,
} from '../../examples/cdn/ip-to-province.js';
import { type LookupService, startLookupService } from '../../examples/cdn/lookup-service.js';
import { compilePlan } from '../../src/exec/plan.js';
import { runRowWise } from '../../src/exec/row-wise.js';
import { runVectorized } from '../../src/exec/vectorized.js';
import { Series } from '../../src/series/series.js';
import { loadUdf } from '../../src/udf/load.js';
import type { Udf } from '../../src/udf/types.js';

/** Runs one UDF over column `column` of a batch with the executor of its kind. */
async function run(u: Udf, batch: arrow.RecordBatch, column = 1): Promise<(string | null)[]> {
  const plan = compilePlan({ calls: [{ udf: u, args: [{ column }] }] });
  const out = u.kind === 'row' ? await runRowWise(plan, batch) : await runVectorized(plan, batch);
  expect(out.numRows).toBe(batch.numRows);
  return out.getChildAt(0)!.toArray() as (string | null)[];
}

let service: LookupService;
beforeAll(async () => {
  service = await startLookupService();
});
afterAll(async () => {
  await service.stop();
});

describe('ipToProvince UDFs', () => {
  it('vectorized and row-wise give identical results on generated logs, Unknown for bad addresses', async () => {
    for (const batch of cdnLogBatches({ rows: 40_000, seed: 31, batchSize: 10_000 })) {
      const vec = await run(ipToProvince, batch);
      expect(vec).toEqual(await run(ipToProvinceRow, batch));
      expect(vec.includes(null)).toBe(false);
      const ips = batch.getChild('client_ip')!;
      for (let i = 0; i < ips.length; i++) {
        const ip = ips.get(i) as string | null;
        if (ip === null || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) {
          // Anything that does not even look like a dotted quad is Unknown.
          expect(vec[i]).toBe('Unknown');
        }
      }
      expect(vec.filter((v) => v === 'Unknown').length).toBeGreaterThan(0);
    }
  });

  it('agree on random columns with nulls and malformed strings', async () => {
    const ip = fc.option(
      fc.oneof(
        fc.nat({ max: 0xffffffff }).map(formatIpv4),
        fc.string({ maxLength: 16 }),
        fc.constantFrom('', '300.1.1.1', '1.2.3', '01.1.1.1'),
      ),
      { freq: 6 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(ip, { minLength: 1, maxLength: 100 }), async (values) => {
        const batch = new arrow.Table({ ip: arrow.vectorFromArray(values, new arrow.Utf8()) }).batches[0]!;
        expect(await run(ipToProvince, batch, 0)).toEqual(await run(ipToProvinceRow, batch, 0));
      }),
      { numRuns: 100 },
    );
  });

  it('the async lookup variants (per batch and per row) agree with the in-process UDF', async () => {
    const { ipToProvinceLookup: perBatch, ipToProvinceLookupRow: perRow } = lookupUdfs(service.url);
    const [batch] = [...cdnLogBatches({ rows: 3_000, seed: 32, batchSize: 3_000 })];
    const expected = await run(ipToProvince, batch!);
    const before = service.stats.requests;
    expect(await run(perBatch, batch!)).toEqual(expected);
    expect(service.stats.requests - before).toBe(1);
    const rowBefore = service.stats.requests;
    expect(await run(perRow, batch!)).toEqual(expected);
    // One request per row with a valid address.
    const bad = expected.filter((v) => v === 'Unknown').length;
    expect(service.stats.requests - rowBefore).toBe(batch!.numRows - bad);
  });

  it('the exported lookup UDFs read the service URL from the environment, and say so when it is missing', async () => {
    const [batch] = [...cdnLogBatches({ rows: 200, seed: 33 })];
    const saved = process.env[LOOKUP_URL_ENV];
    try {
      delete process.env[LOOKUP_URL_ENV];
      await expect(run(ipToProvinceLookup, batch!)).rejects.toThrow(LOOKUP_URL_ENV);
      process.env[LOOKUP_URL_ENV] = service.url;
      const expected = await run(ipToProvince, batch!);
      expect(await run(ipToProvinceLookup, batch!)).toEqual(expected);
      expect(await run(ipToProvinceLookupRow, batch!)).toEqual(expected);
    } finally {
      if (saved === undefined) delete process.env[LOOKUP_URL_ENV];
      else process.env[LOOKUP_URL_ENV] = saved;
    }
  });

  it('loads by module#export, as the runner and workers do', async () => {
    const ref = { module: 'examples/cdn/ip-to-province.ts', export: 'ipToProvince' };
    const u = await loadUdf(ref, { baseDir: process.cwd() });
    expect(u.kind).toBe('vectorized');
    expect(u.name).toBe('ipToProvince');
    const [batch] = [...cdnLogBatches({ rows: 500, seed: 34 })];
    // Called directly: a module loaded through tsx has its own copy of apache-arrow, so its
    // result is read with its own Series (see the report on src/udf/load.ts).
    const result = (await u.fn(new Series(batch!.getChild('client_ip')!))) as { toArray(): unknown[] };
    expect(result.toArray()).toEqual(await run(ipToProvinceRow, batch!));
  });
});
