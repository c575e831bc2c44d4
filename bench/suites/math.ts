/**
 * Math-heavy suite: haversine distance over four DOUBLE columns (2% nulls each). The work per row
 * (sin, cos, asin, sqrt) dominates, so vectorizing gains less here than on cheap arithmetic: the
 * honest expectation is a small ratio.
 */
import { geoData } from '../lib/data.js';
import { functionSuite, scalarCase } from '../lib/function-suite.js';
import { haversineLoop } from '../lib/hand-loops.js';
import { haversine, haversineRow } from '../udfs.js';

const COLS = ['lat1', 'lon1', 'lat2', 'lon2'];

export const mathSuite = functionSuite({
  name: 'math',
  title: 'Math-heavy: haversine distance',
  description:
    'Four DOUBLE columns (degrees), 2% nulls each. Vectorized: one loop over the four Float64Arrays, validity ANDed. ' +
    'Row: the same formula per row on JS numbers. Limit: the loop by hand over each batch. pandas: NumPy ufuncs on the Series.',
  data: (rows) => geoData(rows, 2),
  cases: [
    scalarCase({
      case: 'haversine',
      columns: COLS,
      vec: haversine,
      row: haversineRow,
      limit: {
        run: (b) => haversineLoop([b], [0, 1, 2, 3]),
        note: 'hand-written loop over the Float64Arrays',
      },
      pandas: 'haversine',
      noPeers:
        'danfo.js and arquero have no vectorized trigonometry (they would call Math.sin per row, as the row mode does)',
    }),
  ],
});
