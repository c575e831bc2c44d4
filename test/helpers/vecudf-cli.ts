/**
 * The `vecudf` command as a user runs it from this checkout: a separate node process running
 * src/cli/main.ts through tsx, in the project root, with its exit code and output collected.
 *
 * @example
 * const r = await vecudf('inspect', 'data.arrow'); // { code: 0, stdout: '…', stderr: '' }
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The project root (the tests' working directory for the CLI). */
export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
/** The CLI's entry point, from source. */
export const cliMain = join(projectRoot, 'src', 'cli', 'main.ts');
/** tsx's loader, for `node --import`. */
export const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export function vecudf(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', tsxLoader, cliMain, ...args], { cwd: projectRoot });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b) => (stderr += b));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
