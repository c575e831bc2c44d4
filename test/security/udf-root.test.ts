/**
 * UDF modules load only from the allowed directories (`--udf-root`) or vecudf's own node_modules
 * (design §7): real paths are checked, so `..` and symlinks cannot lead out; network and data
 * URLs are refused; a refused module is never imported (its top level never runs).
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUdf } from '../../src/udf/load.js';
import { resolveModulePath } from '../../src/udf/module-path.js';

let base: string;
let root: string;
const marker = '__vecudfOutsideLoaded';

function file(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'vecudf-roots-')));
  root = join(base, 'root');
  const fn = 'export const f = (a) => a;\n';
  file(join(root, 'ok.mjs'), fn);
  file(join(root, 'sub', 'nested.mjs'), fn);
  // Outside the root: importing it would set a global, so a test can tell it never ran.
  file(join(base, 'outside', 'evil.mjs'), `globalThis.${marker} = true;\nexport const f = (a) => a;\n`);
  symlinkSync(join(base, 'outside', 'evil.mjs'), join(root, 'link-out.mjs'));
  symlinkSync(join(base, 'outside'), join(root, 'linkdir'));
  symlinkSync(join(root, 'ok.mjs'), join(root, 'link-in.mjs'));
  symlinkSync(root, join(base, 'rootlink'));
  // packages: in the root's node_modules (allowed), and in a node_modules above it (not allowed)
  file(
    join(root, 'node_modules', 'pkg-a', 'package.json'),
    JSON.stringify({ name: 'pkg-a', exports: { '.': { import: './main.mjs' }, './extra': './extra.mjs' } }),
  );
  file(join(root, 'node_modules', 'pkg-a', 'main.mjs'), fn);
  file(join(root, 'node_modules', 'pkg-a', 'extra.mjs'), fn);
  file(join(root, 'node_modules', '@org', 'pkg-b', 'package.json'), JSON.stringify({ main: 'lib.mjs' }));
  file(join(root, 'node_modules', '@org', 'pkg-b', 'lib.mjs'), fn);
  file(join(base, 'node_modules', 'pkg-up', 'package.json'), JSON.stringify({ main: 'index.mjs' }));
  file(
    join(base, 'node_modules', 'pkg-up', 'index.mjs'),
    `globalThis.${marker} = true;\nexport const f = 1;\n`,
  );
});
afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

const load = (module: string, roots: string[] = [root]) =>
  loadUdf(
    { module, export: 'f', kind: 'vectorized', resultType: 'INT' },
    { baseDir: root, allowedDirs: roots },
  );

describe('UDF roots', () => {
  it('loads modules inside the root: relative, absolute, file: URL, through symlinks that stay inside', async () => {
    for (const m of [
      'ok.mjs',
      './sub/nested.mjs',
      'sub/../ok.mjs',
      join(root, 'ok.mjs'),
      pathToFileURL(join(root, 'sub', 'nested.mjs')).href,
      'link-in.mjs',
    ]) {
      expect((await load(m)).kind, m).toBe('vectorized');
    }
    // a root given through a symlink is the directory it points to
    expect((await load('ok.mjs', [join(base, 'rootlink')])).name).toBe('f');
  });

  it('loads packages from the root’s node_modules by name, through their exports or main', () => {
    const opts = { baseDir: root, allowedDirs: [root] };
    expect(resolveModulePath('pkg-a', opts)).toBe(join(root, 'node_modules', 'pkg-a', 'main.mjs'));
    expect(resolveModulePath('pkg-a/extra', opts)).toBe(join(root, 'node_modules', 'pkg-a', 'extra.mjs'));
    expect(resolveModulePath('@org/pkg-b', opts)).toBe(
      join(root, 'node_modules', '@org', 'pkg-b', 'lib.mjs'),
    );
    expect(() => resolveModulePath('pkg-a/missing', opts)).toThrow(
      "package pkg-a does not export './missing'",
    );
    expect(() => resolveModulePath('no-such-package', opts)).toThrow('UDF module not found');
  });

  it('refuses paths outside the root: absolute, `..`, symlinks out, a node_modules above the root', async () => {
    const outside = [
      join(base, 'outside', 'evil.mjs'),
      '../outside/evil.mjs',
      'sub/../../outside/evil.mjs',
      'link-out.mjs',
      'linkdir/evil.mjs',
      pathToFileURL(join(base, 'outside', 'evil.mjs')).href,
      'pkg-up',
    ];
    for (const m of outside) {
      await expect(load(m), m).rejects.toThrow(/is outside the allowed directories .* --udf-root/);
    }
    // the error names the real file behind a symlink
    await expect(load('link-out.mjs')).rejects.toThrow(
      `${join(base, 'outside', 'evil.mjs')} (named as link-out.mjs)`,
    );
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
  });

  it('refuses network, data and other URLs without fetching anything', async () => {
    for (const m of [
      'http://127.0.0.1:9/u.mjs',
      'https://example.com/u.mjs',
      'data:text/javascript,globalThis.__vecudfOutsideLoaded=true;export const f=1',
      'node:fs',
      'ftp://example.com/u.mjs',
    ]) {
      await expect(load(m), m).rejects.toThrow(
        /only file paths and file: URLs can be loaded \(no code is fetched/,
      );
    }
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
  });

  it('refuses a package subpath that climbs out of its package', () => {
    expect(() => resolveModulePath('pkg-a/./x.mjs', { baseDir: root, allowedDirs: [root] })).toThrow(
      "a package subpath cannot contain '.' or '..'",
    );
  });

  it('allows vecudf’s own node_modules (packages installed beside the worker)', () => {
    const p = resolveModulePath('apache-arrow', { baseDir: root, allowedDirs: [root] });
    expect(p).toMatch(/node_modules[\\/]apache-arrow[\\/]/);
  });
});
