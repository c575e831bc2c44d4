/**
 * The raw gRPC loopback baseline now lives in bench/lib/raw-loopback.ts (it runs from the built
 * output too, for `vecudf bench`); this re-export keeps the old import path working.
 */
export {
  type RawLoopback,
  type RawResult,
  type RawRun,
  startRawLoopback,
} from '../../bench/lib/raw-loopback.js';
