/**
 * Every benchmark suite, in the order `vecudf bench` runs them: the function level first, then
 * end to end.
 */
import type { Suite } from '../lib/suite.js';
import { aggregateSuite } from './aggregate.js';
import { asyncLookupSuite } from './async-lookup.js';
import { dataframeSuite } from './dataframe.js';
import { e2eSuite } from './e2e.js';
import { mathSuite } from './math.js';
import { numericSuite } from './numeric.js';
import { stringSuite } from './string.js';
import { temporalSuite } from './temporal.js';

export const SUITES: readonly Suite[] = [
  numericSuite,
  mathSuite,
  stringSuite,
  temporalSuite,
  aggregateSuite,
  dataframeSuite,
  asyncLookupSuite,
  e2eSuite,
];
