import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { locateThreadEntry } from '../../src/pool/worker-file.js';

describe('locating the thread entry', () => {
  it('from the built output: the .js beside the module, the process execArgv inherited', () => {
    const e = locateThreadEntry('file:///opt/app/dist/src/pool/worker-file.js');
    expect(e).toEqual({ filename: '/opt/app/dist/src/pool/pool-thread.js', execArgv: undefined });
  });

  it('from the sources (vitest, tsx): the ESM bootstrap beside the module, no loader flags', () => {
    const here = new URL('../../src/pool/worker-file.ts', import.meta.url).href;
    const e = locateThreadEntry(here, [
      '--import',
      'file:///x/tsx/loader.mjs',
      '--cpu-prof',
      '--conditions=dev',
    ]);
    expect(e.filename).toBe(fileURLToPath(new URL('../../src/pool/ts-thread.mjs', import.meta.url)));
    expect(existsSync(e.filename)).toBe(true);
    // A .mjs entry: piscina's require() of it fails on Node 20 and it falls back to import(), so
    // the thread's modules are ESM; the parent's loader flags (a test runner's, tsx's CommonJS
    // hook) are not passed on, profiling flags are.
    expect(e.filename.endsWith('.mjs')).toBe(true);
    expect(e.execArgv).toEqual(['--cpu-prof']);
  });
});
