import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdnLogBatches } from '../../examples/cdn/generate.js';
import { ipToProvinceColumn } from '../../examples/cdn/ip-kernel.js';
import { lookupRegions } from '../../examples/cdn/lookup-client.js';
import { lookupProvinceColumn } from '../../examples/cdn/lookup-kernel.js';
import { type LookupService, startLookupService } from '../../examples/cdn/lookup-service.js';

let service: LookupService;
beforeAll(async () => {
  service = await startLookupService();
});
afterAll(async () => {
  await service.stop();
});

function post(path: string, body: string, method = 'POST'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${service.url}${path}`, { method }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('lookup service', () => {
  it('binds loopback and answers a JSON map, Unknown for bad addresses', async () => {
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const answer = await lookupRegions(service.url, ['1.0.0.1', '10.0.0.1', 'nope', '']);
    expect(Object.keys(answer).sort()).toEqual(['', '1.0.0.1', '10.0.0.1', 'nope']);
    expect(answer['1.0.0.1']).not.toBe('Unknown');
    expect(answer['10.0.0.1']).toBe('Unknown');
    expect(answer.nope).toBe('Unknown');
  });

  it('rejects bad requests with 4xx and a reason', async () => {
    expect(await post('/lookup', '{not json')).toMatchObject({ status: 400 });
    expect(await post('/lookup', '{"a":1}')).toMatchObject({ status: 400 });
    expect(await post('/other', '[]')).toMatchObject({ status: 404 });
    expect(await post('/lookup', '', 'GET')).toMatchObject({ status: 405 });
    await expect(lookupRegions(`${service.url}/nowhere`, ['1.2.3.4'])).rejects.toThrow(/404/);
  });

  it('the batched column lookup equals the in-process kernel, with one request per batch', async () => {
    const before = service.stats.requests;
    let batches = 0;
    for (const batch of cdnLogBatches({ rows: 20_000, seed: 4, batchSize: 5_000 })) {
      const ips = batch.getChild('client_ip')!;
      const viaService = await lookupProvinceColumn(ips, service.url);
      expect(viaService.toArray()).toEqual(ipToProvinceColumn(ips).toArray());
      batches++;
    }
    expect(service.stats.requests - before).toBe(batches);
  });

  it('stops, and later requests fail', async () => {
    const other = await startLookupService();
    await lookupRegions(other.url, ['1.2.3.4']);
    await other.stop();
    await expect(lookupRegions(other.url, ['1.2.3.4'])).rejects.toThrow();
  });
});
