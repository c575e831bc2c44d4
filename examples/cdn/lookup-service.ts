/**
 * A small local IP → region lookup service over HTTP, backed by the same range table as the
 * vectorized UDF. It stands in for the remote web service the original row-wise UDF called.
 *
 * Protocol: `POST /lookup` with a JSON array of address strings; the answer is a JSON object
 * mapping each of them to its region (`"Unknown"` for malformed or unlisted ones).
 * Binds 127.0.0.1 on an ephemeral port unless told otherwise.
 *
 * @example
 * const service = await startLookupService();
 * const res = await fetch(`${service.url}/lookup`, { method: 'POST', body: '["1.2.3.4"]' });
 * await res.json(); // { '1.2.3.4': '浙江' }
 * await service.stop();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseIpv4String } from './ip-parse.js';
import { defaultRegionTable, lookupRegionId, type RegionTable } from './regions.js';

export interface LookupServiceOptions {
  /** Range table to answer from (default: the shipped one). */
  table?: RegionTable;
  /** Port (default 0: an ephemeral port). */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Largest request body accepted, in bytes (default 32 MiB). */
  maxBodyBytes?: number;
}

export interface LookupService {
  /** Base URL, e.g. `http://127.0.0.1:40123`; POST to `${url}/lookup`. */
  readonly url: string;
  readonly port: number;
  /** Requests answered so far, and addresses looked up in them. */
  readonly stats: { requests: number; addresses: number };
  stop(): Promise<void>;
}

export async function startLookupService(opts: LookupServiceOptions = {}): Promise<LookupService> {
  const table = opts.table ?? defaultRegionTable();
  const maxBody = opts.maxBodyBytes ?? 32 * 1024 * 1024;
  const stats = { requests: 0, addresses: 0 };

  const fail = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/lookup') return fail(res, 404, 'not found: POST /lookup');
    if (req.method !== 'POST') return fail(res, 405, 'method not allowed: POST /lookup');
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      if (tooBig) return fail(res, 413, `request body over ${maxBody} bytes`);
      let ips: unknown;
      try {
        ips = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return fail(res, 400, 'body must be a JSON array of strings');
      }
      if (!Array.isArray(ips)) return fail(res, 400, 'body must be a JSON array of strings');
      const answer: Record<string, string> = {};
      for (const ip of ips) {
        if (typeof ip !== 'string') continue;
        answer[ip] = table.names[lookupRegionId(table, parseIpv4String(ip))];
      }
      stats.requests++;
      stats.addresses += ips.length;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    req.on('error', () => res.destroy());
  };

  const server = createServer(handle);
  // Keep-alive connections are reused by the clients; do not let idle ones hold stop() up.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    stats,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
