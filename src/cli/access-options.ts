/**
 * The access options `vecudf worker` and `vecudf worker-pool` share: TLS files, the token file
 * (the token itself comes from a file or `VECUDF_TOKEN`, never from the command line, where
 * other users could read it in the process list), and the UDF roots.
 *
 * @example
 * addAccessOptions(program.command('worker-pool')).action((o) => {
 *   const access = accessFromCli(o);   // throws a clear error for a bad combination
 *   const roots = udfRootsFromCli(o);  // --udf-root … (default: the working directory)
 * });
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type Access, loadAccess, TOKEN_ENV } from '../proto/access.js';

export interface AccessCliOptions {
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tokenFile?: string;
  udfRoot?: string[];
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** Who the TLS options are for: the help text says what each file does there. */
export type AccessSide = 'server' | 'client' | 'runner';

const CA_HELP: Record<AccessSide, string> = {
  server: 'PEM CA: require client certificates signed by it (mutual TLS)',
  client: "PEM CA the runner's certificate must chain to (default: the system's roots)",
  runner:
    "PEM CA: the worker pool's certificate must chain to it, and the runner's servers require workers' client certificates signed by it (mutual TLS)",
};

/** Adds --tls-cert, --tls-key, --tls-ca and --token-file to `cmd`. */
export function addTlsOptions(cmd: Command, side: AccessSide): Command {
  const whose =
    side === 'runner' ? "the runner's servers (and its client certificate towards a pool)" : `this ${side}`;
  return cmd
    .option('--tls-cert <file>', `PEM certificate (chain) of ${whose}`)
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-ca <file>', CA_HELP[side])
    .option(
      '--token-file <file>',
      `file holding the shared token sent/checked on every call (or set ${TOKEN_ENV}); needs TLS`,
    );
}

/** Adds --udf-root (repeatable) to `cmd`. */
export function addUdfRootOption(cmd: Command, what = 'UDF modules may be loaded from'): Command {
  return cmd.option(
    '--udf-root <dir>',
    `directory ${what} (repeatable; default: the working directory)`,
    collect,
  );
}

/** Adds --tls-cert, --tls-key, --tls-ca, --token-file and --udf-root (repeatable) to `cmd`. */
export function addAccessOptions(cmd: Command, side: 'server' | 'client'): Command {
  return addUdfRootOption(addTlsOptions(cmd, side));
}

/** The access settings the options (and `VECUDF_TOKEN`) give. */
export function accessFromCli(o: AccessCliOptions): Access {
  return loadAccess({ tlsCert: o.tlsCert, tlsKey: o.tlsKey, tlsCa: o.tlsCa, tokenFile: o.tokenFile });
}

/** The UDF roots as absolute paths (default: the working directory). */
export function udfRootsFromCli(o: AccessCliOptions): string[] {
  return (o.udfRoot?.length ? o.udfRoot : [process.cwd()]).map((d) => resolve(d));
}
