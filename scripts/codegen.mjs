#!/usr/bin/env node
/**
 * Regenerates src/proto/gen/ from proto/ with buf + ts-proto (options in buf.gen.yaml).
 * Both tools come from node_modules, so the output depends only on the locked versions:
 *
 *   npm run codegen
 *
 * `clean: true` in buf.gen.yaml removes stale files first, so the result is the same on every run.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buf = join(root, 'node_modules', '.bin', 'buf');

const result = spawnSync(buf, ['generate'], { cwd: root, stdio: 'inherit' });
if (result.error) {
  console.error(`codegen: cannot run ${buf}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
