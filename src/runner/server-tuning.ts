/**
 * HTTP/2 tuning for the runner's gRPC servers.
 *
 * grpc-js lets a client set its receive window (`grpc-node.flow_control_window`, see
 * src/proto/channel-options.ts) but has no server option for it, so a server receives with
 * Node's 64 KiB default windows: each stream stalls for a WINDOW_UPDATE round trip every 64 KiB,
 * which caps the worker → runner direction of the data plane. This opens the connection and
 * stream windows (and the largest frame the server accepts) on every session the server accepts.
 * It reaches into grpc-js' private `http2Servers` map — the only hook there is — and checks it
 * is there, so a grpc-js change shows up as a clear error instead of silently slow servers.
 */
import type { Http2Session } from 'node:http2';
import type * as grpc from '@grpc/grpc-js';

export interface ServerTuning {
  /** Receive window for the connection and each stream, in bytes (default 8 MiB). */
  windowBytes?: number;
  /** Largest HTTP/2 frame the server accepts, in bytes (default 1 MiB; HTTP/2 allows up to 16 MiB − 1). */
  maxFrameBytes?: number;
}

export const DEFAULT_SERVER_TUNING: Required<ServerTuning> = {
  windowBytes: 8 * 1024 * 1024,
  maxFrameBytes: 1024 * 1024,
};

/** Applies `tuning` to sessions that `server` accepts from now on (call after bindAsync). */
export function tuneServer(server: grpc.Server, tuning: ServerTuning = {}): void {
  const t = { ...DEFAULT_SERVER_TUNING, ...tuning };
  const servers = (
    server as unknown as {
      http2Servers?: Map<{ on: (ev: 'session', fn: (s: Http2Session) => void) => void }, unknown>;
    }
  ).http2Servers;
  if (!(servers instanceof Map)) {
    throw new Error('cannot tune the gRPC server: this grpc-js version has no http2Servers map');
  }
  for (const h2 of servers.keys()) {
    h2.on('session', (session) => {
      try {
        session.settings({ initialWindowSize: t.windowBytes, maxFrameSize: t.maxFrameBytes });
        session.setLocalWindowSize(t.windowBytes);
      } catch {
        // a session that is already closing: nothing to tune
      }
    });
  }
}
