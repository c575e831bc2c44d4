/**
 * Grouping kernel: assigns every row a dense group id from one or more key columns, hashing the raw
 * Arrow buffers (typed-array words for fixed-width values, UTF-8 bytes + offsets for strings) so that
 * no JS string or object is made per row. Group ids follow the order in which keys first appear.
 *
 * A null key is a key of its own (all nulls of a column fall in one group). Floats group by value:
 * `-0` with `0`, and every NaN with every other NaN.
 *
 * @example
 * import { vectorFromArray } from 'apache-arrow';
 * const g = groupRows([vectorFromArray(['a', 'b', 'a', null])]);
 * // g.groupIds = [0, 1, 0, 2], g.numGroups = 3, g.firstRow = [0, 1, 3]
 * const { offsets, indices } = rowsOfGroup(g.groupIds, g.numGroups);
 * // rows of group 0: indices.subarray(offsets[0], offsets[1]) = [0, 2]
 */
import { type Data, Type, Vector } from 'apache-arrow';

/** The result of {@link groupRows}. */
export interface Grouping {
  /** Group id of each row, in `[0, numGroups)`. */
  readonly groupIds: Int32Array;
  readonly numGroups: number;
  /** First row index of each group; increasing, since ids follow first appearance. */
  readonly firstRow: Int32Array;
}

/** Row indices of every group: group g's rows are `indices.subarray(offsets[g], offsets[g + 1])`. */
export interface GroupedRows {
  readonly offsets: Int32Array;
  readonly indices: Int32Array;
}

/** A key column: an Arrow vector, or anything holding one (a `Series`). */
export type KeyColumn = Vector | { readonly vector: Vector };

/** Dense codes of one column (or of a combination of columns), in first-appearance order. */
interface Codes {
  codes: Int32Array;
  count: number;
}

/**
 * Groups the rows by the values of the key columns (all of the same length).
 * With no key column every row falls in one group; pass `numRows` then (it is checked otherwise).
 */
export function groupRows(keys: readonly KeyColumn[], numRows?: number): Grouping {
  const vectors = keys.map((k) => (k instanceof Vector ? k : k.vector));
  const n = numRows ?? (vectors.length > 0 ? vectors[0]!.length : 0);
  for (const [i, v] of vectors.entries()) {
    if (v.length !== n) {
      throw new RangeError(`groupRows: key column ${i} has ${v.length} rows, expected ${n}`);
    }
  }
  let combined: Codes;
  if (vectors.length === 0) {
    combined = { codes: new Int32Array(n), count: n > 0 ? 1 : 0 };
  } else {
    combined = columnCodes(vectors[0]!);
    for (let k = 1; k < vectors.length; k++) combined = combineCodes(combined, columnCodes(vectors[k]!));
  }
  return { groupIds: combined.codes, numGroups: combined.count, firstRow: firstRows(combined) };
}

/**
 * Counting sort of the rows by group: for each group, its row indices in ascending order.
 *
 * @example
 * rowsOfGroup(Int32Array.of(1, 0, 1), 2) // offsets [0, 1, 3], indices [1, 0, 2]
 */
export function rowsOfGroup(groupIds: Int32Array, numGroups: number): GroupedRows {
  const offsets = new Int32Array(numGroups + 1);
  const n = groupIds.length;
  for (let i = 0; i < n; i++) offsets[groupIds[i]! + 1]!++;
  for (let g = 0; g < numGroups; g++) offsets[g + 1]! += offsets[g]!;
  const cursor = offsets.slice(0, numGroups);
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[cursor[groupIds[i]!]!++] = i;
  return { offsets, indices };
}

/** Number of rows in each group. */
export function groupSizes(groupIds: Int32Array, numGroups: number): Int32Array {
  const sizes = new Int32Array(numGroups);
  for (let i = 0; i < groupIds.length; i++) sizes[groupIds[i]!]!++;
  return sizes;
}

function firstRows({ codes, count }: Codes): Int32Array {
  const first = new Int32Array(count);
  let next = 0;
  for (let i = 0; i < codes.length && next < count; i++) {
    if (codes[i] === next) first[next++] = i;
  }
  return first;
}

// ---------------------------------------------------------------------------------------------
// Hashing helpers

/** Final avalanche of a 32-bit hash (so that `h & mask` spreads well over the table). */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Folds one 32-bit word into a running hash. */
function step(h: number, w: number): number {
  w = Math.imul(w, 0xcc9e2d51);
  w = (w << 15) | (w >>> 17);
  h ^= Math.imul(w, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * Hash of `bytes[start, end)` (`view` is a DataView over the same bytes): four bytes at a time
 * through the DataView, which V8 compiles to plain unaligned loads.
 */
function hashBytes(view: DataView, bytes: Uint8Array, start: number, end: number): number {
  let h = 0x2545f491;
  let p = start;
  for (; p + 4 <= end; p += 4) h = step(h, view.getInt32(p, true));
  let tail = 0;
  for (let s = 0; p < end; p++, s += 8) tail |= bytes[p]! << s;
  return fmix(step(h, tail) ^ (end - start));
}

/** True when `a[ia, ia + len)` equals `b[ib, ib + len)`; compares four bytes at a time. */
function bytesEqual(
  av: DataView,
  a: Uint8Array,
  ia: number,
  bv: DataView,
  b: Uint8Array,
  ib: number,
  len: number,
): boolean {
  let k = 0;
  for (; k + 4 <= len; k += 4) if (av.getInt32(ia + k, true) !== bv.getInt32(ib + k, true)) return false;
  for (; k < len; k++) if (a[ia + k] !== b[ib + k]) return false;
  return true;
}

function viewOf(a: Uint8Array): DataView {
  return new DataView(a.buffer, a.byteOffset, a.byteLength);
}

function grownInt32(a: Int32Array<ArrayBuffer>, min: number): Int32Array<ArrayBuffer> {
  if (a.length >= min) return a;
  const b = new Int32Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

function grownUint8(a: Uint8Array<ArrayBuffer>, min: number): Uint8Array<ArrayBuffer> {
  if (a.length >= min) return a;
  const b = new Uint8Array(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

/**
 * Open-addressing table (linear probing) from key hash to group id. Keys themselves live in the
 * caller's arena. Each slot holds (group id, hash) side by side: a probe compares hashes in the
 * cache line it already has before touching the keys, and the table grows without the keys.
 */
class SlotTable {
  /** `slots[2s]` = group id (-1 = empty), `slots[2s + 1]` = its hash. */
  slots: Int32Array;
  mask: number;
  count = 0;
  /** The group id of the null key, not in the table (-1 until a null is seen). */
  nullGroup = -1;
  /** A first size for the callers' per-group arrays. */
  readonly initialGroups: number;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(2 * cap).fill(-1);
    this.mask = cap - 1;
    this.initialGroups = Math.max(8, expected);
  }

  /** Adds a group with hash `h` at slot `s` (found empty by the caller); returns its id. */
  add(h: number, s: number): number {
    const g = this.count++;
    this.slots[2 * s] = g;
    this.slots[2 * s + 1] = h;
    if (this.count * 4 > this.slots.length) this.grow(); // load factor 1/2
    return g;
  }

  addNull(): number {
    this.nullGroup = this.count++;
    return this.nullGroup;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2).fill(-1);
    const mask = (slots.length >> 1) - 1;
    for (let i = 0; i < old.length; i += 2) {
      const g = old[i]!;
      if (g < 0) continue;
      const h = old[i + 1]!;
      let s = h & mask;
      while (slots[2 * s] !== -1) s = (s + 1) & mask;
      slots[2 * s] = g;
      slots[2 * s + 1] = h;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
// The null group is never in `slots`, so a probe never meets it: hot loops need not check for it.

function isNullAt(bitmap: Uint8Array, bit: number): boolean {
  return (bitmap[bit >> 3]! & (1 << (bit & 7))) === 0;
}

// ---------------------------------------------------------------------------------------------
// One column → dense codes

function columnCodes(vector: Vector): Codes {
  const chunks = vector.data as Data[];
  const n = vector.length;
  const type = vector.type;
  switch (type.typeId) {
    case Type.Null:
      return { codes: new Int32Array(n), count: n > 0 ? 1 : 0 };
    case Type.Bool:
      return smallDomainCodes(chunks, n, 2, readBool);
    case Type.Int:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Interval:
    case Type.Duration:
    case Type.Decimal:
      return fixedWidthCodes(chunks, n, false);
    case Type.Float:
      return fixedWidthCodes(chunks, n, true);
    case Type.FixedSizeBinary:
      return fixedBinaryCodes(chunks, n);
    case Type.Utf8:
    case Type.Binary:
      return bytesCodes(chunks, n);
    case Type.Dictionary:
      return dictionaryCodes(chunks, n);
    default:
      // Nested and rarer layouts (lists, structs, maps, unions, views, large offsets): a cold path
      // that keys each row by a canonical string of its value.
      return genericCodes(vector);
  }
}

type SmallReader = (data: Data, i: number) => number;

const readBool: SmallReader = (d, i) => (d.values[(d.offset + i) >> 3]! >> ((d.offset + i) & 7)) & 1;

/** Float16 bits with `-0` as `0` and every NaN as one NaN. */
function canonicalHalf(v: number): number {
  if (v === 0x8000) return 0;
  if ((v & 0x7c00) === 0x7c00 && (v & 0x03ff) !== 0) return 0x7e00;
  return v;
}

/**
 * Codes of a column whose values are small integers in `[0, domain)`: a direct lookup table, no
 * hashing. `read` is monomorphic per call site's column type.
 */
function smallDomainCodes(chunks: Data[], n: number, domain: number, read: SmallReader): Codes {
  const codes = new Int32Array(n);
  const lookup = new Int32Array(domain).fill(-1);
  let count = 0;
  let nullCode = -1;
  let base = 0;
  for (const d of chunks) {
    const len = d.length;
    const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
    const off = d.offset;
    for (let i = 0; i < len; i++) {
      if (bitmap !== null && isNullAt(bitmap, off + i)) {
        codes[base + i] = nullCode < 0 ? (nullCode = count++) : nullCode;
        continue;
      }
      const v = read(d, i);
      let c = lookup[v]!;
      if (c < 0) lookup[v] = c = count++;
      codes[base + i] = c;
    }
    base += len;
  }
  return { codes, count };
}

/** Reads 8- and 16-bit values through a direct table; the rest as 32-bit words. */
function fixedWidthCodes(chunks: Data[], n: number, isFloat: boolean): Codes {
  const first = chunks[0];
  if (first === undefined) return { codes: new Int32Array(0), count: 0 };
  const bytesPerRow = (first.values as ArrayLike<number> & { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  const rowBytes = bytesPerRow * first.stride;
  if (rowBytes === 1) {
    const signed = first.values instanceof Int8Array;
    return smallDomainCodes(chunks, n, 256, signed ? (d, i) => d.values[i]! & 0xff : (d, i) => d.values[i]!);
  }
  if (rowBytes === 2) {
    if (isFloat) return smallDomainCodes(chunks, n, 65536, (d, i) => canonicalHalf(d.values[i]!));
    const signed = first.values instanceof Int16Array;
    return smallDomainCodes(
      chunks,
      n,
      65536,
      signed ? (d, i) => d.values[i]! & 0xffff : (d, i) => d.values[i]!,
    );
  }
  const words = rowBytes >> 2;
  const views = chunks.map((d) => {
    const v = d.values as ArrayBufferView;
    return new Int32Array(v.buffer, v.byteOffset, d.length * words);
  });
  if (words === 1) return words1Codes(chunks, views, n, isFloat);
  if (words === 2) return words2Codes(chunks, views, n, isFloat);
  return wordsCodes(chunks, views, n, words);
}

/** One 32-bit word per row (int32, float32, date32, time32, …). */
function words1Codes(chunks: Data[], views: Int32Array[], n: number, isFloat: boolean): Codes {
  const codes = new Int32Array(n);
  const t = new SlotTable(Math.min(n, 1024));
  let keys = new Int32Array(t.initialGroups);
  let slots = t.slots;
  let mask = t.mask;
  let base = 0;
  for (let c = 0; c < chunks.length; c++) {
    const d = chunks[c]!;
    const w = views[c]!;
    const len = d.length;
    const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
    const off = d.offset;
    for (let i = 0; i < len; i++) {
      if (bitmap !== null && isNullAt(bitmap, off + i)) {
        codes[base + i] = t.nullGroup < 0 ? t.addNull() : t.nullGroup;
        continue;
      }
      let v = w[i]!;
      if (isFloat) {
        // -0 → 0; any NaN → the canonical quiet NaN
        if (v === (0x80000000 | 0)) v = 0;
        else if ((v & 0x7f800000) === 0x7f800000 && (v & 0x007fffff) !== 0) v = 0x7fc00000;
      }
      const h = fmix(v);
      let s = h & mask;
      let g: number;
      for (;;) {
        g = slots[2 * s]!;
        if (g < 0) {
          g = t.add(h, s);
          keys = grownInt32(keys, t.count);
          keys[g] = v;
          slots = t.slots;
          mask = t.mask;
          break;
        }
        if (slots[2 * s + 1] === h && keys[g] === v) break;
        s = (s + 1) & mask;
      }
      codes[base + i] = g;
    }
    base += len;
  }
  return { codes, count: t.count };
}

/** Two 32-bit words per row (int64, float64, timestamps, …), little-endian: low word first. */
function words2Codes(chunks: Data[], views: Int32Array[], n: number, isFloat: boolean): Codes {
  const codes = new Int32Array(n);
  const t = new SlotTable(Math.min(n, 1024));
  let keys = new Int32Array(t.initialGroups * 2);
  let slots = t.slots;
  let mask = t.mask;
  let base = 0;
  for (let c = 0; c < chunks.length; c++) {
    const d = chunks[c]!;
    const w = views[c]!;
    const len = d.length;
    const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
    const off = d.offset;
    for (let i = 0; i < len; i++) {
      if (bitmap !== null && isNullAt(bitmap, off + i)) {
        codes[base + i] = t.nullGroup < 0 ? t.addNull() : t.nullGroup;
        continue;
      }
      let lo = w[2 * i]!;
      let hi = w[2 * i + 1]!;
      if (isFloat) {
        if (lo === 0 && hi === (0x80000000 | 0)) hi = 0;
        else if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0x000fffff) | lo) !== 0) {
          hi = 0x7ff80000;
          lo = 0;
        }
      }
      const h = fmix(step(step(0, lo), hi));
      let s = h & mask;
      let g: number;
      for (;;) {
        g = slots[2 * s]!;
        if (g < 0) {
          g = t.add(h, s);
          keys = grownInt32(keys, t.count * 2);
          keys[2 * g] = lo;
          keys[2 * g + 1] = hi;
          slots = t.slots;
          mask = t.mask;
          break;
        }
        if (slots[2 * s + 1] === h && keys[2 * g] === lo && keys[2 * g + 1] === hi) break;
        s = (s + 1) & mask;
      }
      codes[base + i] = g;
    }
    base += len;
  }
  return { codes, count: t.count };
}

/** `words` 32-bit words per row (decimals, intervals, fixed-size binary of a multiple of 4 bytes). */
function wordsCodes(chunks: Data[], views: Int32Array[], n: number, words: number): Codes {
  const codes = new Int32Array(n);
  const t = new SlotTable(Math.min(n, 1024));
  let keys = new Int32Array(t.initialGroups * words);
  let slots = t.slots;
  let mask = t.mask;
  let base = 0;
  for (let c = 0; c < chunks.length; c++) {
    const d = chunks[c]!;
    const w = views[c]!;
    const len = d.length;
    const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
    const off = d.offset;
    for (let i = 0; i < len; i++) {
      if (bitmap !== null && isNullAt(bitmap, off + i)) {
        codes[base + i] = t.nullGroup < 0 ? t.addNull() : t.nullGroup;
        continue;
      }
      const at = i * words;
      let h = 0;
      for (let k = 0; k < words; k++) h = step(h, w[at + k]!);
      h = fmix(h);
      let s = h & mask;
      let g: number;
      for (;;) {
        g = slots[2 * s]!;
        if (g < 0) {
          g = t.add(h, s);
          keys = grownInt32(keys, t.count * words);
          for (let k = 0; k < words; k++) keys[g * words + k] = w[at + k]!;
          slots = t.slots;
          mask = t.mask;
          break;
        }
        if (slots[2 * s + 1] === h) {
          let k = 0;
          while (k < words && keys[g * words + k] === w[at + k]) k++;
          if (k === words) break;
        }
        s = (s + 1) & mask;
      }
      codes[base + i] = g;
    }
    base += len;
  }
  return { codes, count: t.count };
}

/** Fixed-size binary: whole words when aligned, otherwise as byte strings with implied offsets. */
function fixedBinaryCodes(chunks: Data[], n: number): Codes {
  const width = chunks[0]?.stride ?? 0;
  const aligned = chunks.every((d) => (d.values as Uint8Array).byteOffset % 4 === 0);
  if (width % 4 === 0 && width > 0 && aligned) return fixedWidthCodes(chunks, n, false);
  const offsets = chunks.map((d) => {
    const o = new Int32Array(d.length + 1);
    for (let i = 0; i <= d.length; i++) o[i] = i * width;
    return o;
  });
  return bytesCodesOf(chunks, offsets, n);
}

function bytesCodes(chunks: Data[], n: number): Codes {
  return bytesCodesOf(
    chunks,
    chunks.map((d) => d.valueOffsets as Int32Array),
    n,
  );
}

/**
 * Variable-width keys (UTF-8 strings, binary): hash over the bytes, compare bytes against a copy of
 * each distinct key kept in an arena (so keys from different chunks compare alike).
 */
function bytesCodesOf(chunks: Data[], offsets: Int32Array[], n: number): Codes {
  const codes = new Int32Array(n);
  const t = new SlotTable(Math.min(n, 1024));
  let arena = new Uint8Array(4096);
  let arenaView = viewOf(arena);
  let arenaOff = new Int32Array(t.initialGroups + 1);
  let slots = t.slots;
  let mask = t.mask;
  let base = 0;
  for (let c = 0; c < chunks.length; c++) {
    const d = chunks[c]!;
    const bytes = d.values as Uint8Array;
    const view = viewOf(bytes);
    const o = offsets[c]!;
    const len = d.length;
    const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
    const off = d.offset;
    for (let i = 0; i < len; i++) {
      if (bitmap !== null && isNullAt(bitmap, off + i)) {
        if (t.nullGroup < 0) {
          const g = t.addNull();
          arenaOff = grownInt32(arenaOff, g + 2);
          arenaOff[g + 1] = arenaOff[g]!; // the null group holds no bytes
        }
        codes[base + i] = t.nullGroup;
        continue;
      }
      const start = o[i]!;
      const end = o[i + 1]!;
      const klen = end - start;
      const h = hashBytes(view, bytes, start, end);
      let s = h & mask;
      let g: number;
      for (;;) {
        g = slots[2 * s]!;
        if (g < 0) {
          g = t.add(h, s);
          arenaOff = grownInt32(arenaOff, g + 2);
          const at = arenaOff[g]!;
          if (arena.length < at + klen) {
            arena = grownUint8(arena, at + klen);
            arenaView = viewOf(arena);
          }
          // short keys byte by byte: a subarray per new key would be an object per distinct key
          if (klen <= 64) for (let k = 0; k < klen; k++) arena[at + k] = bytes[start + k]!;
          else arena.set(bytes.subarray(start, end), at);
          arenaOff[g + 1] = at + klen;
          slots = t.slots;
          mask = t.mask;
          break;
        }
        if (slots[2 * s + 1] === h) {
          const at = arenaOff[g]!;
          if (arenaOff[g + 1]! - at === klen && bytesEqual(arenaView, arena, at, view, bytes, start, klen))
            break;
        }
        s = (s + 1) & mask;
      }
      codes[base + i] = g;
    }
    base += len;
  }
  return { codes, count: t.count };
}

/**
 * Dictionary-encoded keys: group the dictionary values once (two dictionary entries may hold the
 * same value), then renumber rows by first appearance through a direct table over those codes.
 */
function dictionaryCodes(chunks: Data[], n: number): Codes {
  const dicts: Vector[] = [];
  const dictBase: number[] = [];
  let total = 0;
  for (const d of chunks) {
    const dict = d.dictionary!;
    if (!dicts.includes(dict)) {
      dicts.push(dict);
      dictBase.push(total);
      total += dict.length;
    }
  }
  const all = dicts.length === 1 ? dicts[0]! : new Vector(dicts.flatMap((v) => v.data));
  const valueCodes = columnCodes(all);
  const codes = new Int32Array(n);
  const lookup = new Int32Array(valueCodes.count).fill(-1);
  let count = 0;
  let nullCode = -1;
  let base = 0;
  for (const d of chunks) {
    const shift = dictBase[dicts.indexOf(d.dictionary!)]!;
    const idx = d.values as ArrayLike<number | bigint>;
    const len = d.length;
    const bitmap = d.nullCount > 0 ? d.nullBitmap : null;
    const off = d.offset;
    for (let i = 0; i < len; i++) {
      if (bitmap !== null && isNullAt(bitmap, off + i)) {
        codes[base + i] = nullCode < 0 ? (nullCode = count++) : nullCode;
        continue;
      }
      const v = valueCodes.codes[shift + Number(idx[i])]!;
      let c = lookup[v]!;
      if (c < 0) lookup[v] = c = count++;
      codes[base + i] = c;
    }
    base += len;
  }
  return { codes, count };
}

/** Cold path for nested and rare layouts: a canonical string per row, grouped with a Map. */
function genericCodes(vector: Vector): Codes {
  const n = vector.length;
  const codes = new Int32Array(n);
  const seen = new Map<string, number>();
  let i = 0;
  for (const value of vector) {
    const key = canonicalKey(value);
    let c = seen.get(key);
    if (c === undefined) seen.set(key, (c = seen.size));
    codes[i++] = c;
  }
  return { codes, count: seen.size };
}

/** A string that is equal for two values iff they are equal as keys (type tags avoid collisions). */
export function canonicalKey(v: unknown): string {
  if (v === null || v === undefined) return 'N';
  switch (typeof v) {
    case 'number':
      return `n${Object.is(v, -0) ? 0 : v}`;
    case 'bigint':
      return `b${v}`;
    case 'string':
      return `s${JSON.stringify(v)}`;
    case 'boolean':
      return v ? 'T' : 'F';
  }
  if (v instanceof Uint8Array) return `u[${v.join(',')}]`;
  if (ArrayBuffer.isView(v)) return `a[${Array.from(v as unknown as ArrayLike<number>).join(',')}]`;
  if (v instanceof Date) return `d${v.getTime()}`;
  if (v instanceof Map)
    return `m{${[...v].map(([k, x]) => `${canonicalKey(k)}:${canonicalKey(x)}`).join(',')}}`;
  if (v instanceof Vector || Array.isArray(v))
    return `[${[...(v as Iterable<unknown>)].map(canonicalKey).join(',')}]`;
  if (typeof v === 'object') {
    // Arrow's StructRow / MapRow expose their fields through toJSON
    const o =
      typeof (v as { toJSON?: unknown }).toJSON === 'function' ? (v as { toJSON(): unknown }).toJSON() : v;
    if (o instanceof Map) return canonicalKey(o);
    return `{${Object.entries(o as object)
      .map(([k, x]) => `${JSON.stringify(k)}:${canonicalKey(x)}`)
      .join(',')}}`;
  }
  return `?${String(v)}`;
}

// ---------------------------------------------------------------------------------------------
// Several columns: combine dense codes pairwise

/**
 * Codes of the pair (a, b) per row. A direct table when the product of the cardinalities is small,
 * otherwise a hash table keyed by the pair (compared through each group's first row).
 */
function combineCodes(a: Codes, b: Codes): Codes {
  const n = a.codes.length;
  const ca = a.codes;
  const cb = b.codes;
  const nb = b.count;
  const codes = new Int32Array(n);
  let count = 0;
  if (a.count * nb <= Math.max(4096, 2 * n)) {
    const lookup = new Int32Array(a.count * nb).fill(-1);
    for (let i = 0; i < n; i++) {
      const k = ca[i]! * nb + cb[i]!;
      let c = lookup[k]!;
      if (c < 0) lookup[k] = c = count++;
      codes[i] = c;
    }
    return { codes, count };
  }
  const t = new SlotTable(Math.min(n, 1024));
  let rep = new Int32Array(t.initialGroups);
  let slots = t.slots;
  let mask = t.mask;
  for (let i = 0; i < n; i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    const h = fmix(step(step(0, x), y));
    let s = h & mask;
    let g: number;
    for (;;) {
      g = slots[2 * s]!;
      if (g < 0) {
        g = t.add(h, s);
        rep = grownInt32(rep, t.count);
        rep[g] = i;
        slots = t.slots;
        mask = t.mask;
        break;
      }
      const r = rep[g]!;
      if (slots[2 * s + 1] === h && ca[r] === x && cb[r] === y) break;
      s = (s + 1) & mask;
    }
    codes[i] = g;
  }
  return { codes, count: t.count };
}
