/**
 * The HTTP client side of the lookup service: one POST of a JSON list, one JSON map back, over
 * keep-alive connections (so the per-row variant pays a request per row, not a TCP handshake).
 *
 * @example
 * const regions = await lookupRegions(service.url, ['1.2.3.4', '8.8.8.8']);
 * regions['1.2.3.4']; // '浙江'
 */
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** POSTs the addresses to `${baseUrl}/lookup`; resolves to the service's map. */
export function lookupRegions(baseUrl: string, ips: readonly string[]): Promise<Record<string, string>> {
  const body = JSON.stringify(ips);
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}/lookup`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            reject(new Error(`lookup service ${baseUrl} answered ${res.statusCode}: ${text.trim()}`));
            return;
          }
          try {
            resolve(JSON.parse(text) as Record<string, string>);
          } catch {
            reject(new Error(`lookup service ${baseUrl} sent invalid JSON`));
          }
        });
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`lookup service ${baseUrl} timed out after 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
