/**
 * Start-up as Beam's boot contract has it: a worker launched with only `--id` and
 * `--provision_endpoint` asks ProvisionService.GetProvisionInfo for its control and logging
 * endpoints and the pipeline options (Flink's PROCESS environment passes exactly these two).
 *
 * @example
 * const info = await fetchProvisionInfo('localhost:50000', '1-1');
 * info.controlEndpoint?.url; // 'localhost:50000'
 */
import * as grpc from '@grpc/grpc-js';
import { type ProvisionInfo, ProvisionServiceClient } from '../proto/fn-api.js';
import { insecure, workerChannelOptions } from './worker-id.js';

/**
 * Calls GetProvisionInfo with the `worker_id` metadata; fails after `timeoutMs`. `credentials`:
 * TLS and the token when the runner asks for them (src/proto/access.ts `clientCredentials`).
 */
export function fetchProvisionInfo(
  url: string,
  workerId: string,
  timeoutMs = 30_000,
  credentials: grpc.ChannelCredentials = insecure(),
): Promise<ProvisionInfo> {
  const client = new ProvisionServiceClient(url, credentials, workerChannelOptions(workerId));
  return new Promise<ProvisionInfo>((resolve, reject) => {
    client.getProvisionInfo({}, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, resp) => {
      client.close();
      if (err) reject(new Error(`GetProvisionInfo at ${url} failed: ${err.message}`, { cause: err }));
      else if (!resp?.info) reject(new Error(`GetProvisionInfo at ${url} returned no ProvisionInfo`));
      else resolve(resp.info);
    });
  });
}
