/**
 * Kleene (three-valued, SQL) boolean logic on whole 32-bit words.
 *
 * | a | b | and | or | xor |
 * | --- | --- | --- | --- | --- |
 * | false | null | false | null | null |
 * | true | null | null | true | null |
 * | null | null | null | null | null |
 *
 * An operand is the words of its value bits and of its validity (null words: no null). Per word:
 * `T = valid & value` (known true) and `F = valid & ~value` (known false); AND is true when both
 * are T and false when either is F; OR the other way round; the result is valid when it is known.
 *
 * @example
 * const r = kleene('and', { values: Int32Array.of(0b01), valid: null },
 *                         { values: Int32Array.of(0b11), valid: Int32Array.of(0b01) }, 2);
 * // row 0: true AND true = true; row 1: false AND null = false
 */
import { finishBitmap, newBitmap, type Validity, wordCount, wordView } from '../bitmap.js';

export type BoolOp = 'and' | 'or' | 'xor';

/** Words of a boolean operand's values and validity (row 0 at bit 0; bits past n are ignored). */
export interface BoolWords {
  readonly values: Int32Array;
  readonly valid: Int32Array | null;
}

/** Result bits (a fresh bitmap) and validity. */
export interface BoolResult {
  readonly bits: Uint8Array;
  readonly validity: Validity;
}

/** `a op b` under Kleene logic over `n` rows. */
export function kleene(op: BoolOp, a: BoolWords, b: BoolWords, n: number): BoolResult {
  const bits = newBitmap(n);
  const vbits = newBitmap(n);
  const out = wordView(bits);
  const ov = wordView(vbits);
  const words = wordCount(n);
  const ax = a.values;
  const bx = b.values;
  const avw = a.valid;
  const bvw = b.valid;
  for (let k = 0; k < words; k++) {
    const x = ax[k]!;
    const y = bx[k]!;
    const av = avw === null ? -1 : avw[k]!;
    const bv = bvw === null ? -1 : bvw[k]!;
    if (op === 'xor') {
      out[k] = x ^ y;
      ov[k] = av & bv;
      continue;
    }
    const aT = av & x;
    const aF = av & ~x;
    const bT = bv & y;
    const bF = bv & ~y;
    const t = op === 'and' ? aT & bT : aT | bT;
    const f = op === 'and' ? aF | bF : aF & bF;
    out[k] = t;
    ov[k] = t | f;
  }
  return { bits, validity: finishBitmap(vbits, n) };
}

/** NOT: complemented values, same nulls. */
export function not(values: Int32Array, n: number): Uint8Array {
  const bits = newBitmap(n);
  const out = wordView(bits);
  const words = wordCount(n);
  for (let k = 0; k < words; k++) out[k] = ~values[k]!;
  return bits;
}
