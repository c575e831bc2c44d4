/**
 * Who may call vecudf's gRPC servers, in one place for the runner (its Fn API servers), the
 * worker pool (its server) and the worker (its client channels). Design §7: servers bind to
 * loopback unless told otherwise; a server reachable from other machines takes TLS and a shared
 * token, and the token is checked on every call.
 *
 * - TLS: `tlsCert` + `tlsKey` are a server's certificate, or a client's certificate for mutual
 *   TLS. `tlsCa` on a server requires and verifies client certificates (mutual TLS); on a client
 *   it is the CA the server's certificate must chain to (default: the system's roots).
 * - Token: `tokenFile` (first line), `token`, or the environment variable `VECUDF_TOKEN`. Clients
 *   send `authorization: Bearer <token>` on every call; servers compare it in constant time and
 *   answer UNAUTHENTICATED otherwise. A token needs TLS: it never travels in plain text.
 *
 * @example
 * const access = loadAccess({ tlsCert: 'server.pem', tlsKey: 'server.key', tokenFile: 'token' });
 * checkBind('0.0.0.0', access, 'vecudf worker-pool');            // throws without TLS + token
 * const server = new grpc.Server(serverOptions(SERVER_OPTIONS, access));
 * server.bindAsync('0.0.0.0:50000', serverCredentials(access), cb);
 * const client = new SomeClient('host:50000', clientCredentials(access), CHANNEL_OPTIONS);
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';

/** Environment variable a token may come from (keeps it off the command line). */
export const TOKEN_ENV = 'VECUDF_TOKEN';

/** Shortest token accepted: a guessable token is no gate. */
export const MIN_TOKEN_LENGTH = 16;

/** Access settings as given (file paths), so they can be passed on to child workers. */
export interface AccessOptions {
  /** PEM certificate (chain): a server's own, or a client's certificate for mutual TLS. */
  tlsCert?: string | undefined;
  /** PEM private key of `tlsCert`. */
  tlsKey?: string | undefined;
  /** PEM CA: servers require client certificates signed by it; clients verify the server with it. */
  tlsCa?: string | undefined;
  /** File whose first line is the shared token. */
  tokenFile?: string | undefined;
  /** The shared token itself (library use; on the command line prefer a file or the environment). */
  token?: string | undefined;
}

/** Access settings loaded: file contents read and checked. */
export interface Access {
  /** The settings, with absolute paths, to pass on to workers this process starts. */
  readonly options: AccessOptions;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  readonly ca: Buffer | undefined;
  readonly token: string | undefined;
}

export class AccessError extends Error {
  override readonly name = 'AccessError';
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new AccessError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

function checkToken(token: string, from: string): string {
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new AccessError(`the token from ${from} is shorter than ${MIN_TOKEN_LENGTH} characters`);
  }
  // It travels as an HTTP/2 header value: visible ASCII only, no spaces or line breaks.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new AccessError(`the token from ${from} must be printable ASCII without spaces`);
  }
  return token;
}

/**
 * Reads the certificate, key, CA and token files (the token also from `VECUDF_TOKEN` in `env`)
 * and checks that they make sense together: a key with its certificate, a token only with TLS.
 */
export function loadAccess(o: AccessOptions = {}, env: NodeJS.ProcessEnv = process.env): Access {
  if (!!o.tlsCert !== !!o.tlsKey) throw new AccessError('--tls-cert and --tls-key go together');
  let token: string | undefined;
  if (o.token !== undefined) token = checkToken(o.token, 'the token option');
  else if (o.tokenFile) {
    const line = readPem(o.tokenFile, 'the token file').toString('utf8').split(/\r?\n/)[0]!.trim();
    token = checkToken(line, `the token file ${o.tokenFile}`);
  } else if (env[TOKEN_ENV]) token = checkToken(env[TOKEN_ENV]!.trim(), TOKEN_ENV);
  const tls = !!(o.tlsCert || o.tlsCa);
  if (token !== undefined && !tls) {
    throw new AccessError(
      'a token needs TLS (--tls-cert/--tls-key on servers, --tls-ca or --tls-cert/--tls-key on clients): it would travel in plain text',
    );
  }
  const abs = (p: string | undefined) => (p ? resolve(p) : undefined);
  return {
    options: {
      tlsCert: abs(o.tlsCert),
      tlsKey: abs(o.tlsKey),
      tlsCa: abs(o.tlsCa),
      tokenFile: abs(o.tokenFile),
    },
    cert: o.tlsCert ? readPem(o.tlsCert, 'the TLS certificate') : undefined,
    key: o.tlsKey ? readPem(o.tlsKey, 'the TLS key') : undefined,
    ca: o.tlsCa ? readPem(o.tlsCa, 'the TLS CA') : undefined,
    token,
  };
}

/** True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h.toLowerCase() === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./i.test(h);
  return false;
}

/**
 * Refuses to bind `host` from other machines' reach without TLS and a token (design §7).
 * `what` names the server in the error (`vecudf worker-pool`, `the runner`).
 */
export function checkBind(host: string, access: Access | undefined, what: string): void {
  if (isLoopbackHost(host)) return;
  const missing = [
    ...(access?.cert ? [] : ['TLS (--tls-cert and --tls-key)']),
    ...(access?.token ? [] : [`a token (--token-file or ${TOKEN_ENV})`]),
  ];
  if (missing.length > 0) {
    throw new AccessError(
      `${what}: binding ${host} lets other machines connect, which needs ${missing.join(' and ')}`,
    );
  }
}

/** Server credentials: TLS when a certificate is set (client certificates required with a CA). */
export function serverCredentials(access: Access | undefined): grpc.ServerCredentials {
  if (!access?.cert || !access.key) {
    if (access?.token) throw new AccessError('a server with a token needs --tls-cert and --tls-key');
    return grpc.ServerCredentials.createInsecure();
  }
  return grpc.ServerCredentials.createSsl(
    access.ca ?? null,
    [{ cert_chain: access.cert, private_key: access.key }],
    access.ca !== undefined,
  );
}

/** Client credentials: TLS (with the client certificate, if any) and the token on every call. */
export function clientCredentials(access: Access | undefined): grpc.ChannelCredentials {
  if (!access?.ca && !access?.cert) return grpc.credentials.createInsecure();
  const tls = grpc.credentials.createSsl(access.ca ?? null, access.key ?? null, access.cert ?? null);
  const token = access.token;
  if (!token) return tls;
  return tls.compose(
    grpc.credentials.createFromMetadataGenerator((_params, cb) => {
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${token}`);
      cb(null, md);
    }),
  );
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * True when `metadata` carries `authorization: Bearer <token>`. Compares SHA-256 digests with
 * `timingSafeEqual`: equal lengths, and the time does not depend on where the strings differ.
 */
export function hasToken(metadata: grpc.Metadata, expected: Buffer): boolean {
  const v = metadata.get('authorization')[0];
  if (typeof v !== 'string' || !v.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(v.slice(7)), expected);
}

/** A server interceptor failing every call without the right token with UNAUTHENTICATED. */
export function tokenInterceptor(token: string): grpc.ServerInterceptor {
  const expected = digest(token);
  return (_method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, mdNext) {
            if (hasToken(metadata, expected)) mdNext(metadata);
            else call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong token' });
          },
        });
      },
    });
}

/** `base` server options plus the token check, when there is a token. */
export function serverOptions(base: grpc.ServerOptions, access: Access | undefined): grpc.ServerOptions {
  if (!access?.token) return base;
  return { ...base, interceptors: [...(base.interceptors ?? []), tokenInterceptor(access.token)] };
}

/** Command-line arguments that give a child `vecudf worker` the same TLS files. */
export function accessArgs(access: Access | undefined): string[] {
  const o = access?.options ?? {};
  return [
    ...(o.tlsCert ? [`--tls-cert=${o.tlsCert}`, `--tls-key=${o.tlsKey}`] : []),
    ...(o.tlsCa ? [`--tls-ca=${o.tlsCa}`] : []),
  ];
}

/**
 * A child worker's environment: `env` with `VECUDF_TOKEN` set to this token, or removed when
 * there is none (a stray token in a plain-text setup would make the worker refuse to start).
 */
export function accessEnv(
  env: Record<string, string | undefined>,
  access: Access | undefined,
): Record<string, string | undefined> {
  const out = { ...env };
  if (access?.token) out[TOKEN_ENV] = access.token;
  else delete out[TOKEN_ENV];
  return out;
}
