/**
 * Access to vecudf's servers (design §7): loopback by default, anything else only with TLS and a
 * token; TLS (and mutual TLS) and the token checked on every call, against real grpc-js servers
 * (the worker pool's and the runner's) with certificates made by openssl.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPoolServer } from '../../src/harness/worker-pool.js';
import {
  type Access,
  accessArgs,
  accessEnv,
  checkBind,
  clientCredentials,
  hasToken,
  isLoopbackHost,
  loadAccess,
} from '../../src/proto/access.js';
import { CHANNEL_OPTIONS } from '../../src/proto/channel-options.js';
import {
  BeamFnControlService,
  BeamFnDataService,
  BeamFnExternalWorkerPoolClient,
  ProvisionServiceClient,
} from '../../src/proto/fn-api.js';
import { RunnerServers } from '../../src/runner/servers.js';
import { makeTestCerts, type TestCerts } from './tls-certs.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs?.cleanup());

const tokenCreds = (tls: grpc.ChannelCredentials, token: string) =>
  tls.compose(
    grpc.credentials.createFromMetadataGenerator((_p, cb) => {
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${token}`);
      cb(null, md);
    }),
  );

/** StopWorker for an unknown id: '' when the call gets through, else the gRPC error. */
function stopWorker(url: string, creds: grpc.ChannelCredentials): Promise<{ code: number; details: string }> {
  const client = new BeamFnExternalWorkerPoolClient(url, creds, CHANNEL_OPTIONS);
  return new Promise((resolve) => {
    client.stopWorker(
      { workerId: 'nobody' },
      new grpc.Metadata(),
      { deadline: Date.now() + 5000 },
      (err, r) => {
        client.close();
        resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: r!.error });
      },
    );
  });
}

describe('binding', () => {
  it('tells loopback addresses from the others', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of [
      '0.0.0.0',
      '::',
      '10.0.0.5',
      '192.168.1.1',
      'example.com',
      '::ffff:10.0.0.1',
      '128.0.0.1',
    ])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses an address other machines reach without TLS and a token', async () => {
    expect(() => checkBind('0.0.0.0', undefined, 'x')).toThrow(/needs TLS .* and a token/);
    const tlsOnly = loadAccess({ tlsCert: certs.cert, tlsKey: certs.key }, {});
    expect(() => checkBind('0.0.0.0', tlsOnly, 'x')).toThrow(/needs a token/);
    expect(() =>
      checkBind(
        '0.0.0.0',
        loadAccess({ tlsCert: certs.cert, tlsKey: certs.key, tokenFile: certs.tokenFile }),
        'x',
      ),
    ).not.toThrow();
    expect(() => checkBind('127.0.0.1', undefined, 'x')).not.toThrow();
    // The real servers refuse before binding anything.
    await expect(WorkerPoolServer.start({ host: '0.0.0.0' })).rejects.toThrow(
      'vecudf worker-pool: binding 0.0.0.0 lets other machines connect, which needs TLS',
    );
    await expect(RunnerServers.start({ host: '0.0.0.0', access: tlsOnly })).rejects.toThrow(
      'the runner: binding 0.0.0.0 lets other machines connect, which needs a token',
    );
  });
});

describe('loading the access settings', () => {
  it('reads the token from the file or VECUDF_TOKEN, and refuses bad combinations', () => {
    const tls = { tlsCert: certs.cert, tlsKey: certs.key };
    expect(loadAccess({ ...tls, tokenFile: certs.tokenFile }, {}).token).toBe(certs.token);
    expect(loadAccess(tls, { VECUDF_TOKEN: certs.token }).token).toBe(certs.token);
    expect(loadAccess(tls, {}).token).toBeUndefined();
    expect(() => loadAccess({ tlsCert: certs.cert }, {})).toThrow('--tls-cert and --tls-key go together');
    expect(() => loadAccess({ tokenFile: certs.tokenFile }, {})).toThrow('a token needs TLS');
    expect(() => loadAccess({}, { VECUDF_TOKEN: certs.token })).toThrow('a token needs TLS');
    expect(() => loadAccess({ ...tls, token: 'short' }, {})).toThrow('shorter than 16 characters');
    expect(() => loadAccess({ ...tls, token: 'has a space in it!!' }, {})).toThrow('printable ASCII');
    expect(() => loadAccess({ ...tls, tokenFile: '/nonexistent/token' }, {})).toThrow(
      'cannot read the token file',
    );
  });

  it('passes TLS files by path and the token only through the environment', () => {
    const a = loadAccess(
      { tlsCert: certs.cert, tlsKey: certs.key, tlsCa: certs.ca, tokenFile: certs.tokenFile },
      {},
    );
    const args = accessArgs(a);
    expect(args).toEqual([`--tls-cert=${certs.cert}`, `--tls-key=${certs.key}`, `--tls-ca=${certs.ca}`]);
    expect(args.join(' ')).not.toContain(certs.token);
    expect(accessEnv({ PATH: '/bin' }, a)).toEqual({ PATH: '/bin', VECUDF_TOKEN: certs.token });
    // a stray token is not handed to a plain-text worker (it would refuse to start)
    expect(accessEnv({ VECUDF_TOKEN: 'x'.repeat(20) }, undefined)).toEqual({});
  });

  it('accepts exactly the right token (constant-time compare)', () => {
    const expected = createHash('sha256').update(certs.token).digest();
    const md = (v: string) => {
      const m = new grpc.Metadata();
      m.set('authorization', v);
      return m;
    };
    expect(hasToken(md(`Bearer ${certs.token}`), expected)).toBe(true);
    expect(hasToken(new grpc.Metadata(), expected)).toBe(false);
    expect(hasToken(md(certs.token), expected)).toBe(false);
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 40 }), (s) => {
        expect(hasToken(md(`Bearer ${s}`), expected)).toBe(s === certs.token);
      }),
    );
  });
});

describe('a worker pool with TLS, mutual TLS and a token', () => {
  let pool: WorkerPoolServer;
  let access: Access;
  beforeAll(async () => {
    access = loadAccess(
      { tlsCert: certs.cert, tlsKey: certs.key, tlsCa: certs.ca, tokenFile: certs.tokenFile },
      {},
    );
    pool = await WorkerPoolServer.start({ host: '127.0.0.1', access });
  });
  afterAll(() => pool?.close());

  it('serves a client with a certificate from the CA and the token', async () => {
    expect(await stopWorker(`localhost:${pool.port}`, clientCredentials(access))).toEqual({
      code: grpc.status.OK,
      details: '',
    });
  });

  it('answers UNAUTHENTICATED without the token, or with a wrong one', async () => {
    const tls = () => grpc.credentials.createSsl(...pem(certs.ca, certs.key, certs.cert));
    const none = await stopWorker(`localhost:${pool.port}`, tls());
    expect(none).toEqual({ code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong token' });
    const wrong = await stopWorker(`localhost:${pool.port}`, tokenCreds(tls(), `${certs.token}x`));
    expect(wrong.code).toBe(grpc.status.UNAUTHENTICATED);
    const prefix = await stopWorker(`localhost:${pool.port}`, tokenCreds(tls(), certs.token.slice(0, -1)));
    expect(prefix.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('refuses clients without a certificate, with an untrusted one, or in plain text', async () => {
    const noCert = await stopWorker(
      `localhost:${pool.port}`,
      tokenCreds(grpc.credentials.createSsl(...pem(certs.ca)), certs.token),
    );
    expect(noCert.code).toBe(grpc.status.UNAVAILABLE);
    const rogue = await stopWorker(
      `localhost:${pool.port}`,
      tokenCreds(grpc.credentials.createSsl(...pem(certs.ca, certs.rogueKey, certs.rogueCert)), certs.token),
    );
    expect(rogue.code).toBe(grpc.status.UNAVAILABLE);
    const plain = await stopWorker(`localhost:${pool.port}`, grpc.credentials.createInsecure());
    expect(plain.code).toBe(grpc.status.UNAVAILABLE);
  });

  it('is refused by a client that does not trust its certificate', async () => {
    const r = await stopWorker(
      `localhost:${pool.port}`,
      tokenCreds(grpc.credentials.createSsl(...pem(certs.rogueCert, certs.key, certs.cert)), certs.token),
    );
    expect(r.code).toBe(grpc.status.UNAVAILABLE);
  });
});

describe("the runner's servers with TLS and a token", () => {
  it('check the token on Provision too (an unknown worker is told so only once authenticated)', async () => {
    const access = loadAccess({ tlsCert: certs.cert, tlsKey: certs.key, tokenFile: certs.tokenFile }, {});
    const servers = await RunnerServers.start({ access });
    try {
      const ask = (creds: grpc.ChannelCredentials) =>
        new Promise<number>((resolve) => {
          const c = new ProvisionServiceClient(servers.controlUrl, creds, CHANNEL_OPTIONS);
          const md = new grpc.Metadata();
          md.set('worker_id', 'nobody');
          c.getProvisionInfo({}, md, { deadline: Date.now() + 5000 }, (err) => {
            c.close();
            resolve(err ? err.code : grpc.status.OK);
          });
        });
      const ca = loadAccess({ tlsCa: certs.ca }, {});
      expect(await ask(clientCredentials(ca))).toBe(grpc.status.UNAUTHENTICATED);
      const withToken = loadAccess({ tlsCa: certs.ca, tokenFile: certs.tokenFile }, {});
      // through the gate, the service itself answers: this worker id is not expected
      expect(await ask(clientCredentials(withToken))).toBe(grpc.status.PERMISSION_DENIED);
    } finally {
      await servers.close();
    }
  });

  it('refuse Control and Data streams of an expected worker that lack the token', async () => {
    const access = loadAccess({ tlsCert: certs.cert, tlsKey: certs.key, tokenFile: certs.tokenFile }, {});
    const servers = await RunnerServers.start({ access });
    const conn = servers.expectWorker('w1');
    try {
      const stream = (url: string, path: string, creds: grpc.ChannelCredentials) =>
        new Promise<number>((resolve) => {
          const c = new grpc.Client(url, creds, CHANNEL_OPTIONS);
          const md = new grpc.Metadata();
          md.set('worker_id', 'w1');
          const call = c.makeBidiStreamRequest(
            path,
            (b: Buffer) => b,
            (b: Buffer) => b,
            md,
          );
          call.on('data', () => {});
          call.on('error', (e: grpc.ServiceError) => {
            c.close();
            resolve(e.code);
          });
          call.on('status', (st: grpc.StatusObject) => {
            c.close();
            resolve(st.code);
          });
        });
      const noToken = clientCredentials(loadAccess({ tlsCa: certs.ca }, {}));
      const localhost = (url: string) => url.replace('127.0.0.1', 'localhost');
      expect(await stream(localhost(servers.controlUrl), BeamFnControlService.control.path, noToken)).toBe(
        grpc.status.UNAUTHENTICATED,
      );
      expect(await stream(localhost(servers.dataUrl), BeamFnDataService.data.path, noToken)).toBe(
        grpc.status.UNAUTHENTICATED,
      );
      // the worker's place is still free: nothing was attached
      const ready = await Promise.race([
        conn.ready.then(
          () => 'attached',
          () => 'gone',
        ),
        new Promise((r) => setTimeout(() => r('free'), 100)),
      ]);
      expect(ready).toBe('free');
    } finally {
      conn.close();
      await servers.close();
    }
  });
});

/** createSsl's arguments from PEM files (root, key, cert). */
function pem(...files: string[]): [Buffer, Buffer?, Buffer?] {
  return files.map((f) => readFileSync(f)) as [Buffer, Buffer?, Buffer?];
}
