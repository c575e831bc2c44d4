/**
 * Temporal suite: the hour of a TIMESTAMP(3) (UTC), 10% nulls. Vectorized: `ts.dt.hour()`, which
 * splits the int64 milliseconds on their 32-bit words; row-wise: the same arithmetic on the JS
 * number of milliseconds (no Date per row — the fast way to write it).
 */
import { timestampData } from '../lib/data.js';
import { functionSuite, scalarCase } from '../lib/function-suite.js';
import { hourLoop } from '../lib/hand-loops.js';
import { arqueroPeer } from '../lib/js-peers.js';
import { hourOf, hourOfRow } from '../udfs.js';

export const temporalSuite = functionSuite({
  name: 'temporal',
  title: 'Temporal: hour of a timestamp',
  description:
    'A TIMESTAMP(3) column over 2024, 10% nulls. Vectorized: `ts.dt.hour()`. Row: `Math.floor(((ms % DAY) + DAY) % DAY / 3600000)` per row. Limit: that arithmetic by hand over the int64 words.',
  data: (rows) => timestampData(rows, 4),
  cases: [
    scalarCase({
      case: 'hour',
      columns: ['ts'],
      vec: hourOf,
      row: hourOfRow,
      limit: { run: (b) => hourLoop([b], 0), note: 'hand-written loop over the int64 words' },
      peers: [arqueroPeer(['ts'], (aq, t) => t.derive({ h: (d) => aq.op.utchours!(d.ts) }))],
      pandas: 'hour',
    }),
  ],
});
