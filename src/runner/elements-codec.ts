/**
 * The Elements codec moved to src/proto/elements-codec.ts (both the runner and the worker use it);
 * this re-export keeps imports of the old path working.
 */
export * from '../proto/elements-codec.js';
