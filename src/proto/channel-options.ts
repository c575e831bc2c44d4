/**
 * gRPC channel and server options shared by the worker (client side) and the runner (server
 * side), so both ends agree on limits. Messages carry whole Arrow batches: grpc-js' default 4 MiB
 * receive limit would reject a 10k-row batch of wide rows, so the limits are raised on both sides.
 *
 * @example
 * import * as grpc from '@grpc/grpc-js';
 * import { CHANNEL_OPTIONS, SERVER_OPTIONS } from '../proto/channel-options.js';
 * const server = new grpc.Server(SERVER_OPTIONS);
 * const client = new BeamFnDataClient(url, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
 */
import type { ChannelOptions } from '@grpc/grpc-js';

/** Largest gRPC message either side accepts or sends (64 MiB). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * HTTP/2 receive window a grpc-js client announces for its connection and streams (2 MiB).
 *
 * Measured on loopback (2 cores, Node 20, grpc-js 1.14, 1 MiB messages): with Node's 64 KiB
 * default windows one direction tops out near 400 MB/s; a 2–8 MiB window on the receiving side
 * lifts it to 1–1.5 GB/s, and an echo (both directions at once) from ~350 to ~600 MB/s when both
 * sides open their windows. With 8 MiB windows on *both* sides, 6 of ~60 echo runs stalled for
 * good (each side waiting for the other's WINDOW_UPDATE); 2 and 4 MiB never did in ~100 runs. So
 * 2 MiB, and servers should open theirs to the same size (see src/runner/server-tuning.ts).
 */
export const FLOW_CONTROL_WINDOW_BYTES = 2 * 1024 * 1024;

/** Options for every client channel (worker → runner services, runner → worker pool). */
export const CHANNEL_OPTIONS: ChannelOptions = Object.freeze({
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES,
});

/** Options for every server (runner services, worker pool). */
export const SERVER_OPTIONS: ChannelOptions = Object.freeze({
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
});
