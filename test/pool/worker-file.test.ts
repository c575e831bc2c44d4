import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { locateThreadEntry } from '../../src/pool/worker-file.js';

describe('locating the thread entry', () => {
  it('from the built output: the .js beside the module, the process execArgv inherited', () => {
    const e = locateThreadEntry('file:///opt/app/dist/src/pool/worker-file.js');
    expect(e).toEqual({ filename: '/opt/app/dist/src/pool/pool-thread.js', execArgv: undefined });
  });

  it('from the sources (vitest, tsx): the .ts beside the module, loaded through tsx', () => {
    const here = new URL('../../src/pool/worker-file.ts', import.meta.url).href;
    const e = locateThreadEntry(here);
    expect(e.filename).toBe(fileURLToPath(new URL('../../src/pool/pool-thread.ts', import.meta.url)));
    expect(existsSync(e.filename)).toBe(true);
    expect(e.execArgv?.[0]).toBe('--import');
    const tsx = e.execArgv![1]!;
    expect(tsx).toMatch(/^file:.*tsx/);
    expect(existsSync(fileURLToPath(tsx))).toBe(true);
    expect(pathToFileURL(fileURLToPath(tsx)).href).toBe(tsx);
  });
});
