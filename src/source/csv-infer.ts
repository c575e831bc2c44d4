/**
 * Column types of a CSV file without `--schema`, inferred from the values of its first rows.
 * For each column, the first of these that parses every non-null sampled value wins:
 * BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMP(p) (p = 3, 6 or 9: enough for the longest fraction
 * seen), else STRING. A column with no value in the sample is STRING. All columns are nullable.
 * Epoch numbers stay BIGINT (give `--schema` to read them as timestamps).
 *
 * @example
 * const inf = new TypeInference(2);
 * inf.add(0, bytes, 0, 3);        // '123'
 * inf.add(1, bytes, 4, 14);       // '2024-06-01'
 * inf.types();                    // [BIGINT, DATE]
 */
import { type DataType, DataTypes as T } from '../types/data-types.js';
import {
  lastFractionDigits,
  parseBool,
  parseDate,
  parseDouble,
  parseInt64,
  parseTimestamp,
} from './csv-text.js';

const BIGINT = 1;
const DOUBLE = 2;
const BOOLEAN = 4;
const DATE = 8;
const TIMESTAMP = 16;
const ALL = 31;

export class TypeInference {
  /** Per column: the types every value seen so far parses as (bit set). */
  private readonly possible: Uint8Array;
  private readonly seen: Uint8Array;
  private readonly fraction: Uint8Array;

  constructor(readonly columns: number) {
    this.possible = new Uint8Array(columns).fill(ALL);
    this.seen = new Uint8Array(columns);
    this.fraction = new Uint8Array(columns);
  }

  /** Takes one non-null value of column `c`. */
  add(c: number, b: Uint8Array, s: number, e: number): void {
    let k = this.possible[c]!;
    this.seen[c] = 1;
    if (k & BIGINT && parseInt64(b, s, e) === undefined) k &= ~BIGINT;
    if (k & DOUBLE && parseDouble(b, s, e) === undefined) k &= ~DOUBLE;
    if (k & BOOLEAN && parseBool(b, s, e) === undefined) k &= ~BOOLEAN;
    if (k & DATE && parseDate(b, s, e) === undefined) k &= ~DATE;
    if (k & TIMESTAMP) {
      // epoch numbers parse as timestamps too, but are counted as BIGINT above
      let digitsOnly = true;
      for (let p = s; p < e; p++) {
        const ch = b[p]!;
        if ((ch < 48 || ch > 57) && ch !== 45) {
          digitsOnly = false;
          break;
        }
      }
      if (digitsOnly || parseTimestamp(b, s, e, 9) === undefined) k &= ~TIMESTAMP;
      else this.fraction[c] = Math.max(this.fraction[c]!, lastFractionDigits());
    }
    this.possible[c] = k;
  }

  /** The inferred type of each column. */
  types(): DataType[] {
    return Array.from({ length: this.columns }, (_, c) => {
      const k = this.possible[c]!;
      if (!this.seen[c]) return T.STRING();
      if (k & BIGINT) return T.BIGINT();
      if (k & DOUBLE) return T.DOUBLE();
      if (k & BOOLEAN) return T.BOOLEAN();
      if (k & DATE) return T.DATE();
      if (k & TIMESTAMP) {
        const f = this.fraction[c]!;
        return T.TIMESTAMP(f <= 3 ? 3 : f <= 6 ? 6 : 9);
      }
      return T.STRING();
    });
  }
}
