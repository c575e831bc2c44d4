/**
 * Test-only TLS material, made fresh with `openssl` in a temporary directory: a CA, a server /
 * client certificate it signs (names `localhost` and 127.0.0.1, usable both ways), and a
 * "rogue" self-signed certificate no one trusts. P-256 keys keep it fast (tens of ms).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  ca: string;
  cert: string;
  key: string;
  rogueCert: string;
  rogueKey: string;
  /** A file holding `token`. */
  tokenFile: string;
  token: string;
  cleanup(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(
      `the security tests make their certificates with openssl, which failed or is missing: ${(e as Error).message}`,
    );
  }
}

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'vecudf-tls-'));
  const days = ['-days', '3650'];
  openssl(
    ['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', ...days, '-subj', '/CN=vecudf test CA'],
    dir,
  );
  openssl(['req', ...EC, '-keyout', 'node.key', '-out', 'node.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(
    join(dir, 'node.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  openssl(
    ['x509', '-req', '-in', 'node.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
      '-out',
      'node.pem',
      ...days,
      '-extfile',
      'node.ext',
    ]),
    dir,
  );
  openssl(
    [
      'req',
      '-x509',
      ...EC,
      '-keyout',
      'rogue.key',
      '-out',
      'rogue.pem',
      ...days,
      '-subj',
      '/CN=localhost',
    ].concat(['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']),
    dir,
  );
  const token = 'test-token-0123456789abcdef';
  writeFileSync(join(dir, 'token'), `${token}\n`, { mode: 0o600 });
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    cert: join(dir, 'node.pem'),
    key: join(dir, 'node.key'),
    rogueCert: join(dir, 'rogue.pem'),
    rogueKey: join(dir, 'rogue.key'),
    tokenFile: join(dir, 'token'),
    token,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
