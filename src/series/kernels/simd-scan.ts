/**
 * WebAssembly SIMD scans of a string column's bytes (JS has no SIMD), 16 bytes per step. The
 * module is assembled from its opcodes (wasm-asm.ts): no binary file, no build step. The column's
 * bytes and offsets are copied into the module's memory first (a WebAssembly module cannot read a
 * JS buffer), in one piece up to 1 MiB.
 *
 * - `contains`: every row whose bytes contain a fixed pattern, each byte compared through an OR
 *   mask (which folds ASCII case exactly: `b | 0x20` equals a lower-case letter only when b is that
 *   letter in either case). Row by row, 32 bytes per step: the pattern's first and last byte are
 *   compared in all lanes at once, and only where both hit is the whole pattern compared; the
 *   first full match ends the row (the rest of it is not read). Rows without a match that hold a
 *   byte ≥ 0x80 (and are at least as long as the pattern) are returned too: a caller searching a
 *   case-mapped column sends those rows, and only those, through an exact path.
 * - `nonAsciiRows`: the rows holding a byte ≥ 0x80 (after a hit, the scan jumps to the next row).
 *
 * On the 50-byte URL rows of bench/exec.bench.ts, `lower(uri).contains('video')` costs ~2.7 ns per
 * row to copy the bytes in (memory-bound: the batches do not fit in the caches) and ~3 ns to scan.
 *
 * @example
 * const bits = newBitmap(n);
 * const undecided = simdScanner()?.contains(offsets, bytes, n, [32, 32, 32, 32, 32], utf8('video'), bits);
 */

import {
  BLOCK,
  br,
  brIf,
  END,
  fn,
  get,
  I8X16_ALL_TRUE,
  I8X16_BITMASK,
  I8X16_EQ,
  I8X16_SHL,
  I32,
  I32_ADD,
  I32_AND,
  I32_CTZ,
  I32_EQ,
  I32_EQZ,
  I32_GE_S,
  I32_GE_U,
  I32_GT_U,
  I32_LOAD,
  I32_LOAD8_U,
  I32_LT_U,
  I32_OR,
  I32_SHL,
  I32_SHR_U,
  I32_STORE8,
  I32_STORE16,
  I32_SUB,
  I32_XOR,
  IF,
  i32,
  instantiate,
  LOOP,
  SELECT,
  set,
  tee,
  V128,
  V128_AND,
  V128_CONST0,
  V128_LOAD,
  V128_OR,
  type WasmMemory,
  wasmModule,
} from './wasm-asm.js';

/** `offs[row + 1] - base`: the end of `row`. */
const rowEnd = (offs: number, base: number, row: number) => [
  ...[...get(offs), ...get(row), ...i32(2), ...I32_SHL, ...I32_ADD, ...I32_LOAD(4), ...get(base), ...I32_SUB],
];

/** `out[row >> 3] |= 1 << (row & 7)` (`addr` is scratch). */
const setBit = (out: number, row: number, addr: number) => [
  ...[...get(out), ...get(row), ...i32(3), ...I32_SHR_U, ...I32_ADD, ...tee(addr)],
  ...[...get(addr), ...I32_LOAD8_U(), ...i32(1), ...get(row), ...i32(7), ...I32_AND, ...I32_SHL, ...I32_OR],
  ...I32_STORE8(),
];

// contains(offs, offsEnd, base, pat, m, out): each row's outcome in its byte of a byte-per-row
// array (see containsBody). [offs, offsEnd) holds the rows' start offsets, and one more: row i is
// at [offs[i] - base, offs[i + 1] - base), followed by zeroed slack (m + 32 bytes); pat holds 16
// copies of the first byte's OR mask, of its value, of the last byte's OR mask, of its value, then
// the whole pattern in 16-byte chunks (OR masks, then values; lanes past its end 0xff and 0xff,
// which always match). A version per pattern length up to 16 (compared in one step, from
// registers) and one for any length. Few locals stay live in the row loop, so that V8 keeps them
// in registers (V8 spilled the row pointer while the loop had a path of its own for unmatched rows).
const C = { offs: 0, offsEnd: 1, base: 2, pat: 3, m: 4, out: 5 };
const CL = {
  p: 6,
  lim: 7,
  mask: 8,
  at: 9,
  lastAt: 10,
  e: 11,
  addr: 12,
  ok: 13,
  c: 14,
  chunks: 15,
  oFirst: 16,
  vFirst: 17,
  oLast: 18,
  vLast: 19,
  oPat: 20,
  vPat: 21,
  b0: 22,
  b1: 23,
};
/**
 * bitmask(eq(load(p + off) | oFirst, vFirst) & eq(load(p + off + lastAt) | oLast, vLast)), with
 * the block at p + off already in local `block`; `lastAt` a constant, or null for the local.
 */
const firstLast = (block: number, off: number, lastAt: number | null) => [
  ...[...get(block), ...get(CL.oFirst), ...V128_OR, ...get(CL.vFirst), ...I8X16_EQ],
  ...(lastAt === null
    ? [...get(CL.p), ...i32(off), ...I32_ADD, ...get(CL.lastAt), ...I32_ADD, ...V128_LOAD(0)]
    : [...get(CL.p), ...V128_LOAD(off + lastAt)]),
  ...[...get(CL.oLast), ...V128_OR, ...get(CL.vLast), ...I8X16_EQ, ...V128_AND, ...I8X16_BITMASK],
];
/** Pushes whether the pattern's first 16 bytes (from registers) are at `at`. */
const firstChunkMatch = [
  ...[...get(CL.at), ...V128_LOAD(0), ...get(CL.oPat), ...V128_OR, ...get(CL.vPat), ...I8X16_EQ],
  ...[...I8X16_BITMASK, ...i32(0xffff), ...I32_EQ], // cheaper than all_true in V8's x64 code
];
/** Pushes whether the whole pattern is at `at`: first chunk, then the others from memory. */
const longMatch = [
  ...[...firstChunkMatch, ...set(CL.ok), ...i32(1), ...set(CL.c)],
  ...BLOCK,
  ...LOOP,
  ...[...get(CL.c), ...get(CL.chunks), ...I32_GE_U, ...brIf(1)],
  ...[...get(C.pat), ...get(CL.c), ...i32(5), ...I32_SHL, ...I32_ADD, ...set(CL.addr)],
  ...[...get(CL.at), ...get(CL.c), ...i32(4), ...I32_SHL, ...I32_ADD, ...V128_LOAD(0)],
  ...[...get(CL.addr), ...V128_LOAD(64), ...V128_OR, ...get(CL.addr), ...V128_LOAD(80), ...I8X16_EQ],
  ...[...I8X16_ALL_TRUE, ...get(CL.ok), ...I32_AND, ...set(CL.ok)],
  ...[...get(CL.c), ...i32(1), ...I32_ADD, ...set(CL.c), ...br(0)],
  ...END,
  ...END,
  ...get(CL.ok),
];
// markRest(offs, rows, base, rowBytes, exact) → how many: after `contains` over a chunk, sets the bit in
// `exact` of each row without a match (its byte in rowBytes is 0, not 1 or 2) that holds a byte
// ≥ 0x80. A
// pass of its own, 16 rows per step, so that the row loop of `contains` has no such path (its
// locals took the registers the loop needs).
const R = { offs: 0, rows: 1, base: 2, rowBytes: 3, exact: 4 };
const RL = { r: 5, mask: 6, row: 7, s: 8, e: 9, hi: 10, addr: 11, count: 12 };
const MARK_REST = fn(
  [[8, I32]],
  [
    ...BLOCK,
    ...LOOP, // 16 rows per step
    ...[...get(RL.r), ...get(R.rows), ...I32_GE_U, ...brIf(1)],
    ...[
      ...get(R.rowBytes),
      ...get(RL.r),
      ...I32_ADD,
      ...V128_LOAD(0),
      ...V128_CONST0,
      ...I8X16_EQ,
      ...I8X16_BITMASK,
    ],
    // lanes past the last row do not count
    ...[...i32(-1), ...i32(-1), ...get(R.rows), ...get(RL.r), ...I32_SUB, ...I32_SHL, ...i32(-1), ...I32_XOR],
    ...[...get(R.rows), ...get(RL.r), ...I32_SUB, ...i32(16), ...I32_GE_U, ...SELECT], // ≥ 16 rows left: all
    ...[...I32_AND, ...set(RL.mask)],
    ...BLOCK,
    ...LOOP, // the rows without a match, lowest first
    ...[...get(RL.mask), ...I32_EQZ, ...brIf(1)],
    ...[...get(RL.r), ...get(RL.mask), ...I32_CTZ, ...I32_ADD, ...set(RL.row)],
    ...[...get(RL.mask), ...get(RL.mask), ...i32(1), ...I32_SUB, ...I32_AND, ...set(RL.mask)],
    ...[...get(R.offs), ...get(RL.row), ...i32(2), ...I32_SHL, ...I32_ADD, ...tee(RL.addr)],
    ...[...I32_LOAD(0), ...get(R.base), ...I32_SUB, ...set(RL.s), ...get(RL.addr), ...I32_LOAD(4)],
    ...[...get(R.base), ...I32_SUB, ...set(RL.e), ...i32(0), ...set(RL.hi)],
    ...BLOCK,
    ...LOOP, // the row's bytes, 16 at a time
    ...[...get(RL.e), ...get(RL.s), ...I32_SUB, ...i32(16), ...I32_LT_U, ...brIf(1)],
    ...[...get(RL.hi), ...get(RL.s), ...V128_LOAD(0), ...I8X16_BITMASK, ...I32_OR, ...set(RL.hi)],
    ...[...get(RL.s), ...i32(16), ...I32_ADD, ...set(RL.s), ...br(0)],
    ...END,
    ...END,
    ...[...get(RL.s), ...get(RL.e), ...I32_LT_U],
    ...IF, // the last bytes, masked to the row
    ...[...get(RL.hi), ...get(RL.s), ...V128_LOAD(0), ...I8X16_BITMASK],
    ...[...i32(1), ...get(RL.e), ...get(RL.s), ...I32_SUB, ...I32_SHL, ...i32(1), ...I32_SUB, ...I32_AND],
    ...[...I32_OR, ...set(RL.hi)],
    ...END,
    ...get(RL.hi),
    ...IF,
    ...setBit(R.exact, RL.row, RL.addr),
    ...[...get(RL.count), ...i32(1), ...I32_ADD, ...set(RL.count)],
    ...END,
    ...br(0),
    ...END,
    ...END,
    ...[...get(RL.r), ...i32(16), ...I32_ADD, ...set(RL.r), ...br(0)],
    ...END,
    ...END,
    ...get(RL.count),
  ],
);
/**
 * One 32-byte step of a row's search: to `tooShort` when p is past the row's last start, to
 * `noMatch` when a candidate is, to `hit` on a full match (branch depths as seen outside the
 * step), else p += 32.
 */
const step = (tooShort: number, noMatch: number, hit: number, lastAt: number | null) => {
  const match = lastAt === null ? longMatch : firstChunkMatch;
  const candidate = (depth: number) => [
    ...[...get(CL.p), ...get(CL.mask), ...I32_CTZ, ...I32_ADD, ...tee(CL.at), ...get(CL.lim), ...I32_GE_S],
    ...brIf(noMatch + depth),
    ...[...get(CL.mask), ...get(CL.mask), ...i32(1), ...I32_SUB, ...I32_AND, ...set(CL.mask)],
    ...match,
    ...brIf(hit + depth),
  ];
  return [
    ...[...get(CL.p), ...get(CL.lim), ...I32_GE_S, ...brIf(tooShort)],
    ...[...get(CL.p), ...V128_LOAD(0), ...set(CL.b0), ...get(CL.p), ...V128_LOAD(16), ...set(CL.b1)],
    ...firstLast(CL.b0, 0, lastAt),
    ...firstLast(CL.b1, 16, lastAt),
    ...[...i32(16), ...I32_SHL, ...I32_OR, ...tee(CL.mask)],
    ...IF,
    ...candidate(1), // the first one without a loop: usually the only one
    ...BLOCK,
    ...LOOP,
    ...[...get(CL.mask), ...I32_EQZ, ...brIf(1)],
    ...candidate(3),
    ...br(0),
    ...END,
    ...END,
    ...END,
    ...[...get(CL.p), ...i32(32), ...I32_ADD, ...set(CL.p)],
  ];
};
// A match stores 1 at out + (offs >> 2), the row's byte in a zeroed byte-per-row array (`out` is
// that array's address less the first row's offs >> 2); `pack` makes the bitmap afterwards (bit
// 0 of each byte). A row shorter than the pattern stores 2: it has no match, and it cannot have
// one after case mapping either (a character's case mapping has at most as many ASCII characters
// as the character has UTF-8 bytes — a test checks every code point), so markRest skips it. The
// row loop keeps nothing but its position and the row's bounds.
//
// `m` 1–16: a version for that pattern length (its last byte's position is a load offset, one
// register less in the row loop); null: any length (the pattern's chunks past the first from
// memory).
const containsBody = (m: number | null) => {
  const lastAt = m === null ? null : m - 1;
  return fn(
    [
      [10, I32],
      [8, V128],
    ],
    [
      ...[
        ...get(C.pat),
        ...V128_LOAD(0),
        ...set(CL.oFirst),
        ...get(C.pat),
        ...V128_LOAD(16),
        ...set(CL.vFirst),
      ],
      ...[
        ...get(C.pat),
        ...V128_LOAD(32),
        ...set(CL.oLast),
        ...get(C.pat),
        ...V128_LOAD(48),
        ...set(CL.vLast),
      ],
      ...[...get(C.pat), ...V128_LOAD(64), ...set(CL.oPat), ...get(C.pat), ...V128_LOAD(80), ...set(CL.vPat)],
      ...[...get(C.m), ...i32(1), ...I32_SUB, ...set(CL.lastAt)],
      ...[...get(C.m), ...i32(15), ...I32_ADD, ...i32(4), ...I32_SHR_U, ...set(CL.chunks)],
      ...[...get(C.offs), ...I32_LOAD(0), ...get(C.base), ...I32_SUB, ...set(CL.e)],
      ...BLOCK,
      ...LOOP, // rows
      ...[...get(C.offs), ...get(C.offsEnd), ...I32_GE_U, ...brIf(1)],
      ...[...get(CL.e), ...set(CL.p)],
      ...[...get(C.offs), ...I32_LOAD(4), ...get(C.base), ...I32_SUB, ...tee(CL.e)],
      ...(lastAt === null ? get(CL.lastAt) : i32(lastAt)),
      ...[...I32_SUB, ...set(CL.lim)],
      ...BLOCK, // row done
      ...BLOCK, // hit
      ...BLOCK, // no match
      ...BLOCK, // shorter than the pattern
      ...step(0, 1, 2, lastAt), // the first 32 bytes outside the loop: often all a row needs
      ...LOOP,
      ...step(2, 2, 3, lastAt),
      ...br(0),
      ...END,
      ...END, // shorter than the pattern: 2, no match and none possible after case mapping either
      ...[...get(C.out), ...get(C.offs), ...i32(2), ...I32_SHR_U, ...I32_ADD, ...i32(2), ...I32_STORE8()],
      ...br(2), // row done
      ...END, // no match: 0 (markRest looks at such rows afterwards)
      ...br(1), // row done
      ...END, // hit
      ...[...get(C.out), ...get(C.offs), ...i32(2), ...I32_SHR_U, ...I32_ADD, ...i32(1), ...I32_STORE8()],
      ...END, // row done
      ...[...get(C.offs), ...i32(4), ...I32_ADD, ...set(C.offs), ...br(0)],
      ...END,
      ...END,
    ],
  );
};

// pack(src, n, dst): bit i of the bitmap at dst = bit 0 of byte i at src, 16 rows per step; the
// bytes past n up to a multiple of 16 must be 0, dst must have room for 2 bytes per 16 rows.
const PACK = fn(
  [[1, I32]],
  [
    ...BLOCK,
    ...LOOP,
    ...[...get(3), ...get(1), ...I32_GE_U, ...brIf(1)],
    ...[...get(2), ...get(0), ...V128_LOAD(0), ...i32(7), ...I8X16_SHL, ...I8X16_BITMASK, ...I32_STORE16()],
    ...[...get(0), ...i32(16), ...I32_ADD, ...set(0), ...get(2), ...i32(2), ...I32_ADD, ...set(2)],
    ...[...get(3), ...i32(16), ...I32_ADD, ...set(3), ...br(0)],
    ...END,
    ...END,
  ],
);

// nonAsciiRows(p, end, offs, base, out) → how many rows hold a byte ≥ 0x80, their bits set in
// out. The rows' bytes are at [p, end) (byte p is offset `base`), followed by 16 zeroed bytes.
const A = { p: 0, end: 1, offs: 2, base: 3, out: 4 };
const AL = { row: 5, at: 6, addr: 7, count: 8, rowEnd: 9, mask: 10 };
const NON_ASCII = fn(
  [[6, I32]],
  [
    ...BLOCK,
    ...LOOP,
    ...[...get(A.p), ...get(A.end), ...I32_GE_U, ...brIf(1)],
    ...[...get(A.p), ...V128_LOAD(0), ...I8X16_BITMASK, ...tee(AL.mask)],
    ...IF,
    ...[...get(A.p), ...get(AL.mask), ...I32_CTZ, ...I32_ADD, ...set(AL.at)],
    ...BLOCK,
    ...LOOP, // the row holding `at`
    ...[...rowEnd(A.offs, A.base, AL.row), ...tee(AL.rowEnd), ...get(AL.at), ...I32_GT_U, ...brIf(1)],
    ...[...get(AL.row), ...i32(1), ...I32_ADD, ...set(AL.row), ...br(0)],
    ...END,
    ...END,
    ...setBit(A.out, AL.row, AL.addr),
    ...[...get(AL.count), ...i32(1), ...I32_ADD, ...set(AL.count)],
    // go on from the next row
    ...[...get(AL.rowEnd), ...set(A.p), ...get(AL.row), ...i32(1), ...I32_ADD, ...set(AL.row), ...br(1)],
    ...END,
    ...[...get(A.p), ...i32(16), ...I32_ADD, ...set(A.p), ...br(0)],
    ...END,
    ...END,
    ...get(AL.count),
  ],
);

/** Pattern lengths with their own version of `contains`. */
const SHORT = 16;

const MODULE = wasmModule([
  ...Array.from({ length: SHORT }, (_, k) => ({
    name: `contains${k + 1}`,
    params: 6,
    results: 0,
    body: containsBody(k + 1),
  })),
  { name: 'contains', params: 6, results: 0, body: containsBody(null) },
  { name: 'nonAsciiRows', params: 5, results: 1, body: NON_ASCII },
  { name: 'pack', params: 3, results: 0, body: PACK },
  { name: 'markRest', params: 5, results: 1, body: MARK_REST },
]);

type ContainsFn = (offs: number, offsEnd: number, base: number, pat: number, m: number, out: number) => void;
type MarkRestFn = (offs: number, rows: number, base: number, rowBytes: number, exact: number) => number;
type NonAsciiFn = (p: number, end: number, offs: number, base: number, out: number) => number;
type PackFn = (src: number, n: number, dst: number) => void;

const PAGE = 65_536;
const align = (x: number, to: number) => (x + to - 1) & -to;

/** Longest pattern `contains` takes. */
export const SIMD_MAX_PATTERN = 4096;

/**
 * Bytes copied in and scanned per call at most (a multiple of 32 rows, at least 32): this bounds
 * the module's memory. Smaller chunks, to scan each while it is in the first-level cache, were
 * slower (16 KiB: ~20%) than one copy of a 10,000-row batch of URLs (500 KB).
 */
const CHUNK_BYTES = 1 << 20;

export class SimdScanner {
  readonly #memory: WasmMemory;
  /** By pattern length: index m - 1 for m ≤ SHORT, then the version for any length. */
  readonly #contains: ContainsFn[];
  readonly #nonAscii: NonAsciiFn;
  readonly #pack: PackFn;
  readonly #markRest: MarkRestFn;
  #mem = new Uint8Array(0);
  #mem32 = new Int32Array(0);

  constructor(exports: Record<string, unknown>, memory: WasmMemory) {
    this.#memory = memory;
    this.#contains = Array.from({ length: SHORT }, (_, k) => exports[`contains${k + 1}`] as ContainsFn);
    this.#contains.push(exports.contains as ContainsFn);
    this.#nonAscii = exports.nonAsciiRows as NonAsciiFn;
    this.#pack = exports.pack as PackFn;
    this.#markRest = exports.markRest as MarkRestFn;
  }

  /** The module's memory as bytes, grown to at least `bytes` (its buffer changes only then). */
  #reserve(bytes: number): Uint8Array {
    if (this.#mem.length < bytes) {
      const have = this.#memory.buffer.byteLength;
      if (have < bytes) this.#memory.grow(Math.ceil((bytes - have) / PAGE));
      this.#mem = new Uint8Array(this.#memory.buffer);
      this.#mem32 = new Int32Array(this.#memory.buffer);
    }
    return this.#mem;
  }

  /**
   * Where the chunk starting at row r0 ends: all rows when they fit in CHUNK_BYTES, else the most
   * groups of 32 rows that do (at least one), so that each chunk's bits start on a 32-bit word.
   */
  #chunkEnd(offsets: Int32Array, n: number, r0: number): number {
    const start = offsets[r0]!;
    if (offsets[n]! - start <= CHUNK_BYTES) return n;
    let lo = 1;
    let hi = Math.ceil((n - r0) / 32);
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (offsets[Math.min(n, r0 + 32 * mid)]! - start <= CHUNK_BYTES) lo = mid;
      else hi = mid - 1;
    }
    return Math.min(n, r0 + 32 * lo);
  }

  /**
   * Copies rows [r0, r1) in: their bytes at `dataAt`, `slack` zeroed bytes, then (128-byte
   * aligned) their r1 - r0 + 1 offsets; returns where the offsets are.
   */
  #copyIn(
    offsets: Int32Array,
    bytes: Uint8Array,
    r0: number,
    r1: number,
    dataAt: number,
    slack: number,
  ): number {
    const start = offsets[r0]!;
    const len = offsets[r1]! - start;
    const offsAt = align(dataAt + len + slack, 128);
    const mem = this.#reserve(offsAt + 4 * (r1 - r0 + 1));
    mem.set(bytes.subarray(start, start + len), dataAt);
    mem.fill(0, dataAt + len, offsAt);
    this.#mem32.set(offsets.subarray(r0, r1 + 1), offsAt >>> 2);
    return offsAt;
  }

  /** A copy of the bitmap at `at` (4-byte aligned) when any of its bits is set, else null. */
  #bitmapIfAny(at: number, bitmapBytes: number): Uint8Array | null {
    const words = this.#mem32;
    for (let k = at >>> 2, end = (at + bitmapBytes) >>> 2; k < end; k++) {
      if (words[k] !== 0) return this.#mem.slice(at, at + bitmapBytes);
    }
    return null;
  }

  /**
   * Sets bit i of `bits` (a zeroed `newBitmap(n)`) for each row i, `bytes[offsets[i],
   * offsets[i + 1])`, holding a position p with `(bytes[p + q] | or[q]) === value[q]` for every
   * pattern byte q < m (1 ≤ m ≤ SIMD_MAX_PATTERN). Returns the bitmap of the other rows of at
   * least m bytes holding a byte ≥ 0x80, or null when there is none.
   */
  contains(
    offsets: Int32Array,
    bytes: Uint8Array,
    n: number,
    or: ArrayLike<number>,
    value: ArrayLike<number>,
    bits: Uint8Array,
  ): Uint8Array | null {
    const m = value.length;
    if (m < 1 || m > SIMD_MAX_PATTERN) throw new RangeError(`pattern of ${m} bytes`);
    const patBytes = 64 + 32 * ((m + 15) >>> 4);
    const bitmapBytes = ((n + 63) >>> 6) << 3;
    const outAt = patBytes;
    const exactAt = outAt + bitmapBytes;
    const rowBytesAt = exactAt + bitmapBytes;
    const dataAt = align(rowBytesAt + n + 16, 16);
    const mem = this.#reserve(dataAt);
    mem.fill(or[0]!, 0, 16);
    mem.fill(value[0]!, 16, 32);
    mem.fill(or[m - 1]!, 32, 48);
    mem.fill(value[m - 1]!, 48, 64);
    mem.fill(0xff, 64, patBytes);
    for (let q = 0; q < m; q++) {
      const at = 64 + 32 * (q >>> 4) + (q & 15);
      mem[at] = or[q]!;
      mem[at + 16] = value[q]!;
    }
    // pack writes 2 bytes per 16 rows (the bitmap's tail past them must be 0); the exact bitmap
    // and the row bytes, 16 past the last row included, start at 0
    mem.fill(0, outAt + 2 * ((n + 15) >>> 4), rowBytesAt + n + 16);
    const scan = this.#contains[Math.min(m, SHORT + 1) - 1]!;
    let undecided = 0;
    for (let r0 = 0; r0 < n; ) {
      const r1 = this.#chunkEnd(offsets, n, r0);
      const offsAt = this.#copyIn(offsets, bytes, r0, r1, dataAt, m + 32);
      const base = offsets[r0]! - dataAt;
      scan(offsAt, offsAt + 4 * (r1 - r0), base, 0, m, rowBytesAt + r0 - (offsAt >>> 2));
      undecided += this.#markRest(offsAt, r1 - r0, base, rowBytesAt + r0, exactAt + (r0 >>> 3));
      r0 = r1;
    }
    this.#pack(rowBytesAt, n, outAt);
    bits.set(this.#mem.subarray(outAt, outAt + bitmapBytes));
    return undecided > 0 ? this.#mem.slice(exactAt, exactAt + bitmapBytes) : null;
  }

  /** The bitmap of the rows holding a byte ≥ 0x80, or null when there is none. */
  nonAsciiRows(offsets: Int32Array, bytes: Uint8Array, n: number): Uint8Array | null {
    const bitmapBytes = ((n + 63) >>> 6) << 3;
    const dataAt = align(bitmapBytes, 16);
    this.#reserve(dataAt).fill(0, 0, dataAt);
    for (let r0 = 0; r0 < n; ) {
      const r1 = this.#chunkEnd(offsets, n, r0);
      const offsAt = this.#copyIn(offsets, bytes, r0, r1, dataAt, 16);
      const base = offsets[r0]! - dataAt;
      this.#nonAscii(dataAt, offsets[r1]! - base, offsAt, base, r0 >>> 3);
      r0 = r1;
    }
    return this.#bitmapIfAny(0, bitmapBytes);
  }
}

let scanner: SimdScanner | null | undefined;

/** The shared scanner of this thread, or null where WebAssembly SIMD is not available. */
export function simdScanner(): SimdScanner | null {
  if (scanner === undefined) {
    const inst = instantiate(MODULE);
    scanner = inst ? new SimdScanner(inst.exports, inst.memory) : null;
  }
  return scanner;
}
