import { createHash } from 'node:crypto';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { CDN_LOG_SCHEMA, cdnLogBatches, cdnLogStream, cdnLogTable } from '../../examples/cdn/generate.js';
import { parseIpv4String } from '../../examples/cdn/ip-parse.js';
import { defaultRegionTable, lookupRegionId } from '../../examples/cdn/regions.js';

const sha = (t: arrow.Table) => createHash('sha256').update(arrow.tableToIPC(t, 'stream')).digest('hex');

describe('CDN log generator', () => {
  it('is deterministic: same seed, same bytes; another seed, other bytes', () => {
    const a = sha(cdnLogTable({ rows: 30_000, seed: 7 }));
    const b = sha(cdnLogTable({ rows: 30_000, seed: 7 }));
    const c = sha(cdnLogTable({ rows: 30_000, seed: 8 }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('gives the same rows whatever the batch size', () => {
    const big = cdnLogTable({ rows: 25_000, seed: 3, batchSize: 10_000 });
    const small = cdnLogTable({ rows: 25_000, seed: 3, batchSize: 777 });
    expect(big.batches.map((b) => b.numRows)).toEqual([10_000, 10_000, 5_000]);
    expect(small.batches.length).toBe(Math.ceil(25_000 / 777));
    for (const name of CDN_LOG_SCHEMA.names) {
      expect(small.getChild(name)!.toArray(), String(name)).toEqual(big.getChild(name)!.toArray());
    }
  });

  it('has the schema of the job, and well-formed values', () => {
    const t = cdnLogTable({ rows: 20_000, seed: 1 });
    expect(t.schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual([
      'uuid: Utf8',
      'client_ip: Utf8',
      'request_time: Int64',
      'response_size: Int64',
      'uri: Utf8',
      'event_ts: Timestamp<MILLISECOND>',
    ]);
    const uuids = t.getChild('uuid')!.toArray() as string[];
    expect(new Set(uuids).size).toBe(uuids.length);
    for (const u of uuids.slice(0, 1000))
      expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const times = t.getChild('request_time')!.toArray() as BigInt64Array;
    const sizes = t.getChild('response_size')!.toArray() as BigInt64Array;
    expect(times.every((x) => x >= 1n && x < 600_000n)).toBe(true);
    expect(sizes.every((x) => x > 100n && x < 200_000_000n)).toBe(true);
    const ts = t.getChild('event_ts')!;
    const first = ts.get(0) as number;
    const last = ts.get(t.numRows - 1) as number;
    expect(first).toBeGreaterThanOrEqual(Date.UTC(2024, 5, 1));
    expect(last - first).toBeGreaterThan(20_000 * 3);
    expect(t.getChild('uri')!.get(0)).toMatch(/^\//);
  });

  it('is skewed: a few regions and addresses dominate; about 1% malformed or null addresses', () => {
    const t = cdnLogTable({ rows: 200_000, seed: 42 });
    const table = defaultRegionTable();
    const ips = t.getChild('client_ip')!;
    const perRegion = new Map<string, number>();
    const perIp = new Map<string, number>();
    let bad = 0;
    let nulls = 0;
    for (let i = 0; i < ips.length; i++) {
      const ip = ips.get(i) as string | null;
      if (ip === null) nulls++;
      const n = ip === null ? -1 : parseIpv4String(ip);
      if (n < 0) {
        bad++;
        continue;
      }
      const region = table.names[lookupRegionId(table, n)]!;
      perRegion.set(region, (perRegion.get(region) ?? 0) + 1);
      perIp.set(ip!, (perIp.get(ip!) ?? 0) + 1);
    }
    expect(bad / t.numRows).toBeGreaterThan(0.008);
    expect(bad / t.numRows).toBeLessThan(0.012);
    expect(nulls).toBeGreaterThan(0);
    // Every valid address is in the table (none is "Unknown").
    expect(perRegion.has('Unknown')).toBe(false);
    const regionCounts = [...perRegion.values()].sort((a, b) => b - a);
    expect(regionCounts.length).toBe(34);
    expect(regionCounts[0]! / t.numRows).toBeGreaterThan(0.15);
    expect(regionCounts[0]! / regionCounts.at(-1)!).toBeGreaterThan(10);
    const ipCounts = [...perIp.values()].sort((a, b) => b - a);
    const median = ipCounts[Math.floor(ipCounts.length / 2)]!;
    expect(ipCounts[0]! / median).toBeGreaterThan(100);
    // The 1% most frequent addresses make a large share of the traffic.
    const top = ipCounts.slice(0, Math.ceil(ipCounts.length / 100)).reduce((a, b) => a + b, 0);
    expect(top / (t.numRows - bad)).toBeGreaterThan(0.2);
  });

  it('streams asynchronously with the same batches, and makes 1M rows quickly', async () => {
    const sync = [...cdnLogBatches({ rows: 12_345, seed: 5, batchSize: 5000 })];
    const streamed: arrow.RecordBatch[] = [];
    for await (const b of cdnLogStream({ rows: 12_345, seed: 5, batchSize: 5000 })) streamed.push(b);
    expect(sha(new arrow.Table(streamed))).toBe(sha(new arrow.Table(sync)));
    const t0 = performance.now();
    let rows = 0;
    for (const b of cdnLogBatches({ rows: 1_000_000 })) rows += b.numRows;
    const ms = performance.now() - t0;
    expect(rows).toBe(1_000_000);
    // ~0.65 s on a quiet 2-core machine (bench figures are in bench/cdn.bench.ts); this bound
    // only catches a pathological slowdown, since test machines can be heavily loaded.
    expect(ms).toBeLessThan(20_000);
  });

  it('rejects bad options', () => {
    expect(() => [...cdnLogBatches({ rows: -1 })]).toThrow(/rows/);
    expect(() => [...cdnLogBatches({ rows: 10, batchSize: 0 })]).toThrow(/batchSize/);
    expect(() => [...cdnLogBatches({ rows: 10, malformedRate: 2 })]).toThrow(/malformedRate/);
    expect([...cdnLogBatches({ rows: 0 })]).toEqual([]);
  });
});
