/**
 * `lower(s).contains(p)` (startsWith, endsWith; `upper` too) without building the case-mapped
 * column, exactly equal to building it and then searching its bytes.
 *
 * Why a search of the original bytes with ASCII case folding is exact (pattern p non-empty ASCII):
 * - A folded match is a real match: it is m ASCII bytes in a row; UTF-8 decoding turns each ASCII
 *   byte into that character (an invalid sequence never swallows an ASCII byte), case mapping turns
 *   it into its fold (JS's locale-independent mapping has no context rule for ASCII), and encoding
 *   gives the folded bytes back, still adjacent.
 * - On a row that is all ASCII the case-mapped row *is* the folded row, so no folded match means
 *   no match.
 * - Only a row holding a byte ≥ 0x80 with no folded match is undecided (lower('İ') is 'i̇', lower of
 *   the Kelvin sign is 'k', upper('ß') is 'SS'…): the scan marks such rows and only those are
 *   decoded, case-mapped by JS and encoded, as the column's case mapping does them, and searched.
 *   The SIMD scan leaves out the rows shorter than the pattern: no character's case mapping has
 *   more ASCII characters than the character has UTF-8 bytes (a test checks every code point), so
 *   they cannot match.
 * A pattern that is not ASCII, or holds a letter the mapping never gives (upper-case under
 * lower), matches no ASCII row: only the rows holding a byte ≥ 0x80 are decided that way.
 *
 * @example
 * strSearchCased(uris, 'video', 'contains', false); // BOOLEAN: lower(uri) contains 'video'
 */
import type * as arrow from 'apache-arrow';
import { utf8Reader } from '../accessors.js';
import { newBitmap, setBits, wordsOf } from '../bitmap.js';
import { vectorStrings, vectorValidity } from './layout.js';
import { checkUtf8, patternBytes, type SearchWhere, searchName, searchResult } from './string.js';
import { nonAsciiRows, searchAffix, searchContains } from './string-search.js';

const encoder = new TextEncoder();

/** Whether every byte is < 0x80. */
function isAsciiBytes(b: Uint8Array): boolean {
  for (let k = 0; k < b.length; k++) if (b[k]! >= 0x80) return false;
  return true;
}

/** Whether `hay` contains / starts with / ends with `pat`. */
function bytesMatch(hay: Uint8Array, pat: Uint8Array, where: SearchWhere): boolean {
  const m = pat.length;
  const last = hay.length - m;
  if (last < 0) return false;
  const from = where === 'end' ? last : 0;
  const to = where === 'start' ? 0 : last;
  for (let p = from; p <= to; p++) {
    let q = 0;
    while (q < m && hay[p + q] === pat[q]) q++;
    if (q === m) return true;
  }
  return false;
}

/**
 * BOOLEAN: whether each row of `vector`, lower-cased (`upper` false) or upper-cased, contains /
 * starts with / ends with `pattern`; nulls stay null.
 */
export function strSearchCased(
  vector: arrow.Vector,
  pattern: string,
  where: SearchWhere,
  upper: boolean,
): arrow.Vector {
  checkUtf8(vector, searchName(where));
  const n = vector.length;
  const { offsets, bytes } = vectorStrings(vector);
  const bits = newBitmap(n);
  const pat = patternBytes(pattern);
  if (pat.length === 0) {
    setBits(bits, 0, n);
    return searchResult(bits, vector);
  }
  const fold = upper ? 'upper' : 'lower';
  const undecided = isAsciiBytes(pat)
    ? where === 'contains'
      ? searchContains(offsets, bytes, n, pat, fold, bits, true, vectorValidity(vector))
      : searchAffix(offsets, bytes, n, pat, fold, where === 'end', bits, true)
    : nonAsciiRows(offsets, bytes, n);
  if (undecided !== null) decideExactly(vector, offsets, bytes, pat, where, upper, bits, undecided);
  return searchResult(bits, vector);
}

/**
 * For each row marked in `exact` (and not null): decodes it, case-maps it with JS and encodes it
 * (as `strCase` builds such a row), searches the pattern's bytes there and sets its bit if found.
 */
function decideExactly(
  vector: arrow.Vector,
  offsets: Int32Array,
  bytes: Uint8Array,
  pat: Uint8Array,
  where: SearchWhere,
  upper: boolean,
  bits: Uint8Array,
  exact: Uint8Array,
): void {
  const n = vector.length;
  const v = vectorValidity(vector);
  const valid = v ? wordsOf(v.bits, v.offset, n) : null;
  const read = utf8Reader(bytes);
  for (let i = 0; i < n; i++) {
    if ((exact[i >>> 3]! & (1 << (i & 7))) === 0) continue;
    if (valid !== null && ((valid[i >>> 5]! >>> (i & 31)) & 1) === 0) continue;
    const text = read(offsets[i]!, offsets[i + 1]!);
    const mapped = encoder.encode(upper ? text.toUpperCase() : text.toLowerCase());
    if (bytesMatch(mapped, pat, where)) bits[i >>> 3]! |= 1 << (i & 7);
  }
}
