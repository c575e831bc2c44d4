/**
 * Numeric suite: `a + b` and `a * 2 + b` over two DOUBLE columns with 10% nulls each — the
 * simplest UDFs, where the per-row cost of the row path shows most and the kernel should stay near
 * the hand-written loop (goals: vectorized ≥ 10× row-wise, within 1.5× of the loop, faster than
 * pandas).
 */
import { numericData } from '../lib/data.js';
import { functionSuite, scalarCase } from '../lib/function-suite.js';
import { mulAddLoop } from '../lib/hand-loops.js';
import { arqueroPeer, danfoPeer } from '../lib/js-peers.js';
import { mulAdd, mulAddRow, plus, plusRow } from '../udfs.js';

export const numericSuite = functionSuite({
  name: 'numeric',
  title: 'Numeric: a + b, a * 2 + b',
  description:
    'Two DOUBLE columns, 10% nulls each. Vectorized: `a.add(b)`, `a.mul(2).add(b)` (one fused loop, validity ANDed word by word). ' +
    'Row: `(a, b) => a === null || b === null ? null : a * 2 + b` called per row by the row executor. ' +
    'Limit: the same loop written by hand over the Float64Arrays and bitmaps of each batch.',
  data: (rows) => numericData(rows, 1),
  // Cheap to compute: 1M rows even in quick runs, the size design.md §6 and the pandas goal are about.
  defaultRows: 1_000_000,
  cases: [
    scalarCase({
      case: 'a+b',
      columns: ['a', 'b'],
      vec: plus,
      row: plusRow,
      limit: { run: (b) => mulAddLoop([b], 0, 1, 1), note: 'hand-written Float64Array loop + bitmap AND' },
      peers: [
        danfoPeer(['a', 'b'], (_, [a, b]) => a!.add(b!)),
        arqueroPeer(['a', 'b'], (_, t) => t.derive({ c: (d) => (d.a as number) + (d.b as number) })),
      ],
      pandas: 'plus',
    }),
    scalarCase({
      case: 'a*2+b',
      profile: true,
      columns: ['a', 'b'],
      vec: mulAdd,
      row: mulAddRow,
      limit: { run: (b) => mulAddLoop([b], 0, 1, 2), note: 'hand-written Float64Array loop + bitmap AND' },
      peers: [
        danfoPeer(['a', 'b'], (_, [a, b]) => a!.mul(2).add(b!)),
        arqueroPeer(['a', 'b'], (_, t) => t.derive({ c: (d) => (d.a as number) * 2 + (d.b as number) })),
      ],
      pandas: 'mul_add',
    }),
  ],
});
