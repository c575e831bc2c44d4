/**
 * Every call a worker makes carries the gRPC metadata `worker_id` (Beam's runners match the
 * Control stream to the process they started by it, and refuse or ignore calls without it).
 * One interceptor on every client puts it there, so no call can forget it.
 *
 * @example
 * const client = new BeamFnControlClient(url, grpc.credentials.createInsecure(), workerChannelOptions('1-1'));
 */
import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS } from '../proto/channel-options.js';

/** A client interceptor that sets `worker_id: <id>` on every outgoing call. */
export function workerIdInterceptor(workerId: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('worker_id', workerId);
        next(metadata, listener);
      },
    });
}

/** The shared channel options plus the `worker_id` interceptor. */
export function workerChannelOptions(workerId: string): grpc.ClientOptions {
  return { ...CHANNEL_OPTIONS, interceptors: [workerIdInterceptor(workerId)] };
}

/** Plain-text credentials (loopback or a trusted network; see docs for TLS). */
export function insecure(): grpc.ChannelCredentials {
  return grpc.credentials.createInsecure();
}
