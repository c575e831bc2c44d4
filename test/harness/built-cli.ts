/**
 * The built CLI (`node dist/src/cli/main.js`) for the process tests: rebuilt with
 * `tsc -p tsconfig.build.json` when any source file is newer than its output, so the tests
 * always run the worker as it is shipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const MAIN = join(ROOT, 'dist/src/cli/main.js');

function stale(dir: string): boolean {
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const rel = join(dir, e.name);
    if (e.isDirectory()) {
      if (stale(rel)) return true;
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
      const out = join(ROOT, 'dist', rel.replace(/\.ts$/, '.js'));
      if (!existsSync(out) || statSync(out).mtimeMs < statSync(join(ROOT, rel)).mtimeMs) return true;
    }
  }
  return false;
}

/** Builds dist/ if needed; returns the command that runs the CLI. */
export function builtCli(): string[] {
  if (stale('src')) {
    try {
      execFileSync(
        process.execPath,
        [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
        {
          cwd: ROOT,
          stdio: 'pipe',
        },
      );
    } catch {
      // type errors elsewhere in the tree still emit JavaScript; the check below is what matters
    }
  }
  if (!existsSync(MAIN)) throw new Error(`${MAIN} was not built`);
  return [process.execPath, MAIN];
}
