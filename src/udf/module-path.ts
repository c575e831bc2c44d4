/**
 * Where a UDF reference's `module` points, and whether it may be loaded from there (design §7:
 * UDF modules load only from allowed locations; no code is fetched over the network).
 *
 * A module is a file path (relative to `baseDir`, or absolute), a `file:` URL, or a package
 * name (`my-udfs`, `@org/udfs/sub.js`) found in a `node_modules` directory above `baseDir`.
 * Every other scheme (`http:`, `https:`, `data:`, `node:`, …) is refused. With `allowedDirs`,
 * the file's real path (symlinks and `..` resolved) must lie inside one of them (their
 * node_modules included) or inside vecudf's own installation (its package directory, with the
 * examples it ships, and the node_modules it is installed in).
 *
 * @example
 * resolveModulePath('udfs/cdn.js', { baseDir: '/srv/job', allowedDirs: ['/srv/job'] }); // '/srv/job/udfs/cdn.js'
 * resolveModulePath('../etc/x.js', { baseDir: '/srv/job', allowedDirs: ['/srv/job'] }); // throws
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ModulePathOptions {
  /** Directory that relative module paths (and package lookups) start from. */
  baseDir: string;
  /** When given, modules must live inside one of these directories (or vecudf's own installation). */
  allowedDirs?: readonly string[] | undefined;
}

export class UdfLocationError extends Error {
  override readonly name = 'UdfLocationError';
}

const PACKAGE = /^((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*)(\/.*)?$/i;
const CONDITIONS = new Set(['import', 'node', 'default']);

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/** `inner` lies inside `outer` (both real paths), or is it. */
function inside(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** The first target of a package.json `exports` entry matching import/node/default. */
function pickExport(x: unknown): string | undefined {
  if (typeof x === 'string') return x;
  if (Array.isArray(x)) {
    for (const e of x) {
      const p = pickExport(e);
      if (p) return p;
    }
    return undefined;
  }
  if (x && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) if (CONDITIONS.has(k)) return pickExport(v);
  }
  return undefined;
}

/** Resolves `name[/sub]` from the node_modules directories above `from`, as Node looks for packages. */
function resolvePackage(spec: string, from: string): string | undefined {
  const m = PACKAGE.exec(spec);
  if (!m) return undefined;
  const [, name, sub] = m;
  if (sub?.split('/').some((s) => s === '..' || s === '.')) {
    throw new UdfLocationError(`UDF module '${spec}': a package subpath cannot contain '.' or '..'`);
  }
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const pkgDir = join(dir, 'node_modules', name!);
    if (existsSync(pkgDir)) {
      let pkg: { exports?: unknown; main?: unknown } = {};
      const pj = join(pkgDir, 'package.json');
      if (isFile(pj)) {
        try {
          pkg = JSON.parse(readFileSync(pj, 'utf8')) as typeof pkg;
        } catch (e) {
          throw new UdfLocationError(`UDF module '${spec}': cannot read ${pj}: ${(e as Error).message}`);
        }
      }
      const key = sub ? `.${sub}` : '.';
      let target: string | undefined;
      if (pkg.exports !== undefined) {
        const ex = pkg.exports;
        const keyed =
          ex &&
          typeof ex === 'object' &&
          !Array.isArray(ex) &&
          Object.keys(ex).some((k) => k.startsWith('.'));
        target = keyed
          ? pickExport((ex as Record<string, unknown>)[key])
          : key === '.'
            ? pickExport(ex)
            : undefined;
        if (!target)
          throw new UdfLocationError(`UDF module '${spec}': package ${name} does not export '${key}'`);
      } else target = sub ? `.${sub}` : typeof pkg.main === 'string' ? pkg.main : 'index.js';
      const file = resolve(pkgDir, target);
      if (!inside(pkgDir, file))
        throw new UdfLocationError(`UDF module '${spec}': ${target} leaves the package`);
      return file;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * vecudf's own installation: its package directory (the examples it ships, its node_modules in a
 * checkout) and the node_modules it is installed in (`/x/node_modules` for
 * `/x/node_modules/vecudf`) — code the operator installed beside the worker, not a payload's choice.
 */
function ownDirs(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const dirs: string[] = [];
  for (let dir = here; ; dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (isFile(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name === 'vecudf')
          dirs.push(real(dir));
      } catch {
        // not a package.json we can read: keep looking
      }
    }
    if (dirs.length > 0 || dirname(dir) === dir) break;
  }
  const parts = here.split(sep);
  const i = parts.lastIndexOf('node_modules');
  if (i > 0) dirs.push(real(parts.slice(0, i + 1).join(sep)));
  return dirs;
}

let own: string[] | undefined;

/**
 * Inside an allowed directory (its node_modules included) or vecudf's own installation. Not every
 * node_modules above a root, as Node would search: `/tmp/node_modules` is anyone's to write.
 */
function allowed(path: string, dirs: readonly string[]): boolean {
  own ??= ownDirs();
  return [...dirs.map(real), ...own].some((d) => inside(d, path));
}

/** The real path of the module `spec` names; throws when it is missing or not allowed. */
export function resolveModulePath(spec: string, opts: ModulePathOptions): string {
  let path: string | undefined;
  if (spec.startsWith('file:')) path = fileURLToPath(spec);
  else if (/^[a-z][a-z0-9+.-]*:/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec)) {
    throw new UdfLocationError(
      `UDF module '${spec}': only file paths and file: URLs can be loaded (no code is fetched from the network)`,
    );
  } else if (isAbsolute(spec)) path = spec;
  else {
    path = resolve(opts.baseDir, spec);
    // `name` or `@scope/name/sub.js` that is no file here: a package in node_modules.
    if (!spec.startsWith('.') && !isFile(path)) {
      own ??= ownDirs();
      const from = [opts.baseDir, ...(opts.allowedDirs ?? []), ...own];
      for (const f of from) {
        const p = resolvePackage(spec, f);
        if (p) {
          path = p;
          break;
        }
      }
    }
  }
  if (!isFile(path)) {
    throw new UdfLocationError(
      `UDF module not found: ${path}${isAbsolute(spec) ? '' : ` ('${spec}' from ${opts.baseDir})`}`,
    );
  }
  const realPath = realpathSync(path);
  if (opts.allowedDirs && !allowed(realPath, opts.allowedDirs)) {
    throw new UdfLocationError(
      `UDF module ${realPath}${realPath !== path ? ` (named as ${spec})` : ''} is outside the allowed directories ` +
        `(${opts.allowedDirs.join(', ')}) and vecudf's installation; the worker loads UDFs only from its --udf-root directories`,
    );
  }
  return realPath;
}
