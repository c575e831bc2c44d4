import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/exec/plan.js';
import { createExecutorPool } from '../../src/pool/index.js';
import { element, resultColumn } from './support.js';

// Run from the sources (as vitest does), the pool thread must load one copy of apache-arrow and
// of vecudf's modules, shared with the UDF module it imports. When the thread entry was required
// as CommonJS (tsx's require hook) while the UDF module was imported as ESM, a UDF that returned
// a Series it built itself came back as a corrupt Arrow stream.
const MODULE = fileURLToPath(new URL('../fixtures/pool/series-udfs.ts', import.meta.url));
const plan: Plan = {
  calls: [
    {
      udf: {
        module: MODULE,
        export: 'plusSeries',
        kind: 'vectorized',
        inputTypes: ['DOUBLE', 'DOUBLE'],
        resultType: 'DOUBLE',
      },
      args: [{ column: 0 }, { column: 1 }],
    },
  ],
};

describe('a TypeScript UDF that builds its own Series, on a pool thread run from the sources', () => {
  for (const threads of [0, 1]) {
    it(`returns its values intact (threads: ${threads})`, async () => {
      const pool = createExecutorPool({ threads });
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.tuple(fc.double({ noNaN: true }), fc.double({ noNaN: true })), {
              minLength: 1,
              maxLength: 300,
            }),
            async (pairs) => {
              const a = Float64Array.from(pairs, (p) => p[0]);
              const b = Float64Array.from(pairs, (p) => p[1]);
              const out = resultColumn(await pool.run('plusSeries', plan, element(a, b)));
              expect(out).toEqual(Array.from(a, (x, i) => x + b[i]!));
            },
          ),
          { numRuns: 25 },
        );
      } finally {
        await pool.close();
      }
    });
  }
});
