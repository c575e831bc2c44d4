import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createExecutorPool } from '../../src/pool/index.js';
import { parseThreadLine } from '../../src/pool/thread-console.js';
import { element, filled, fixturePlan } from './support.js';

describe('parseThreadLine', () => {
  it('reads back the group and severity of a tagged line, and leaves other lines alone', () => {
    const noControl = fc.string().filter((s) => !/[\x1e\x1f\n]/.test(s));
    fc.assert(
      fc.property(
        noControl,
        fc.constantFrom('info', 'debug', 'warn', 'error', 'trace' as const),
        fc.string().filter((s) => !s.includes('\n')),
        (group, severity, text) => {
          expect(parseThreadLine(`\x1e${group}\x1f${severity}\x1f${text}`)).toEqual({
            group,
            severity,
            text,
          });
          expect(parseThreadLine(`x${text}`)).toBeUndefined();
        },
      ),
    );
    expect(parseThreadLine('\x1eg\x1fshout\x1fhi')).toBeUndefined();
  });
});

describe('console output of a UDF on a pool thread', () => {
  const original = process.stdout.write;
  afterEach(() => {
    process.stdout.write = original;
  });

  // The thread's stdout reaches the main thread after the task is over; the bundle must be in
  // the line itself, or the worker cannot say whose output it is.
  it('carries the group of its task and the console severity, line by line', async () => {
    const lines: string[] = [];
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    }) as typeof process.stdout.write;
    const pool = createExecutorPool({ threads: 1, cheapBatchMs: 0 });
    try {
      await pool.run('chatty', fixturePlan('chatty', 1), element(filled(5, 1)), 'arrow', 'bundle-7');
      await pool.run('chatty', fixturePlan('chatty', 1), element(filled(2, 1)), 'arrow', 'bundle-8');
      for (let i = 0; i < 100 && lines.length < 6; i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await pool.close();
    }
    expect(lines.map(parseThreadLine)).toEqual([
      { group: 'bundle-7', severity: 'info', text: 'chatty saw 5 rows' },
      { group: 'bundle-7', severity: 'warn', text: 'chatty warns' },
      { group: 'bundle-7', severity: 'warn', text: 'over two lines' },
      { group: 'bundle-8', severity: 'info', text: 'chatty saw 2 rows' },
      { group: 'bundle-8', severity: 'warn', text: 'chatty warns' },
      { group: 'bundle-8', severity: 'warn', text: 'over two lines' },
    ]);
  });
});
