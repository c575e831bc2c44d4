/**
 * WebAssembly SIMD scans of a string column's bytes (JS has no SIMD), 16 bytes per step. The
 * module is assembled from its opcodes (wasm-asm.ts): no binary file, no build step. The column's
 * bytes and offsets are copied into the module's memory first (a WebAssembly module cannot read a
 * JS buffer), in one piece up to 1 MiB.
 *
 * - `contains`: every row whose bytes contain a fixed pattern, each byte compared through an OR
 *   mask (which folds ASCII case exactly: `b | 0x20` equals a lower-case letter only when b is that
 *   letter in either case). The pattern's first and last byte are compared in all lanes at once,
 *   and only where both hit is the whole pattern compared. Three kernels (see {@link ScanKernel}):
 *   row by row, 32 bytes per step, the first match ending the row and null rows skipped (`rows`),
 *   every row's first 64 starts without a branch on the data (`wide`), or, for patterns of up to
 *   16 bytes, the chunk's bytes as a whole and then the rows four at a time, without a branch on
 *   the data either (`stream`, simd-stream.ts). Rows without a match
 *   that hold a byte ≥ 0x80 (and are at least as long as the pattern) are returned too: a caller
 *   searching a case-mapped column sends those rows, and only those, through an exact path.
 * - `nonAsciiRows`: the rows holding a byte ≥ 0x80 (after a hit, the scan jumps to the next row).
 *
 * On the ~50-byte URL rows of bench/exec.bench.ts (10% nulls), `lower(uri).contains('video')`
 * costs ~2.8 ns per row to copy the bytes in from memory (memory-bound: the batches do not fit in
 * the caches, and the figure moves with the host's memory traffic; ~1.05 ns from the caches).
 * Scanning them, ~43% of the rows matching at random, one cached 10,000-row batch, copy, `pack`
 * and the JS around included: `stream` ~4.8 ns per row, `wide` ~6.2 (2026-11-26, load 2–5).
 *
 * @example
 * const bits = newBitmap(n);
 * const undecided = simdScanner()?.contains(offsets, bytes, n, [32, 32, 32, 32, 32], utf8('video'), bits);
 */

import { type BitsAt, wordsOf } from '../bitmap.js';
import { ROW_HITS, STREAM_SLACK, streamBody, VERIFY } from './simd-stream.js';
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
  I32_LOAD16_U,
  I32_LT_S,
  I32_LT_U,
  I32_OR,
  I32_POPCNT,
  I32_SHL,
  I32_SHR_U,
  I32_STORE,
  I32_STORE8,
  I32_STORE16,
  I32_SUB,
  I32X4_BITMASK,
  I32X4_NE,
  IF,
  i32,
  instantiate,
  LOOP,
  RETURN,
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

// contains(offs, rows, base, pat, m, out, valid): each row's outcome in its byte of a byte-per-row
// array at `out` (see containsBody), for the rows whose bit is set in the bitmap at `valid` (32-bit
// words; a null or empty row is skipped, not scanned: its byte is not written, `pack` masks it with
// the same bits; `wide` takes every row and reads no bits). offs holds the rows' start offsets,
// and one more: row i is at [offs[i] - base, offs[i + 1] - base), followed by m + 96 bytes of
// zeroed slack; pat holds 16 copies of the first byte's OR mask, of its value, of the last byte's
// OR mask, of its value, then the whole pattern in 16-byte chunks (OR masks, then values; lanes
// past its end 0xff and 0xff, which always match). A version per pattern length up to 16
// (compared in one step, from registers) and one for any length. Few locals stay live in the row
// loop, so that V8 keeps them in registers (V8 spilled the row pointer while the loop had a path of
// its own for unmatched rows).
const C = { offs: 0, rows: 1, base: 2, pat: 3, m: 4, out: 5, valid: 6 };
const CL = {
  p: 7,
  lim: 8,
  mask: 9,
  at: 10,
  lastAt: 11,
  row: 12,
  addr: 13,
  ok: 14,
  c: 15,
  chunks: 16,
  word: 17,
  bits: 18,
  baseLim: 19,
  oFirst: 20,
  vFirst: 21,
  oLast: 22,
  vLast: 23,
  oPat: 24,
  vPat: 25,
  b0: 26,
  b1: 27,
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
// markRest(offs, rows, base, rowBytes, exact, valid, m, from, to, unmatched) → how many: after
// `contains` over a chunk, sets the bit in `exact` of each valid row (its bit set at `valid`)
// without a match (its byte in rowBytes is 0) that is at least m bytes long and holds a byte
// ≥ 0x80. A shorter row cannot match even after case mapping (a character's case mapping has at
// most as many ASCII characters as the character has UTF-8 bytes: a test checks every code point).
// A pass of its own, 16 rows per step, so that the row loop of `contains` has no such path (its
// locals took the registers the loop needs); called only when some valid row is left without a
// match (`unmatched` of them, as `pack` counted). When more than one row in 16 is, the chunk's
// bytes [from, to) (followed by 64 zeroed bytes) are first checked for any byte ≥ 0x80 at all, 64
// per step: row by row, the check cost ~4 ns per unmatched URL row (a loop whose length varies).
const R = { offs: 0, rows: 1, base: 2, rowBytes: 3, exact: 4, valid: 5, m: 6, from: 7, to: 8, unmatched: 9 };
const RL = { r: 10, mask: 11, row: 12, s: 13, e: 14, hi: 15, addr: 16, count: 17, acc: 18 };
/** Pushes the mask of the 16 rows from RL.r that are valid and without a match. */
const unmatched16 = [
  ...[
    ...get(R.rowBytes),
    ...get(RL.r),
    ...I32_ADD,
    ...V128_LOAD(0),
    ...V128_CONST0,
    ...I8X16_EQ,
    ...I8X16_BITMASK,
  ],
  // lanes past the last row: rows of the next chunk (not the last chunk: 32 rows a word), or past
  // the column's last row, whose validity bits are clear
  ...[...get(R.valid), ...get(RL.r), ...i32(3), ...I32_SHR_U, ...I32_ADD, ...I32_LOAD16_U(), ...I32_AND],
];
const MARK_REST = fn(
  [
    [8, I32],
    [1, V128],
  ],
  [
    ...[...get(R.unmatched), ...i32(4), ...I32_SHL, ...get(R.rows), ...I32_GT_U],
    ...IF, // many: is there any byte ≥ 0x80 at all?
    ...BLOCK,
    ...LOOP,
    ...[...get(R.from), ...get(R.to), ...I32_GE_U, ...brIf(1)],
    ...[...get(RL.acc), ...get(R.from), ...V128_LOAD(0), ...V128_OR, ...get(R.from), ...V128_LOAD(16)],
    ...[...V128_OR, ...get(R.from), ...V128_LOAD(32), ...V128_OR, ...get(R.from), ...V128_LOAD(48)],
    ...[...V128_OR, ...set(RL.acc), ...get(R.from), ...i32(64), ...I32_ADD, ...set(R.from), ...br(0)],
    ...END,
    ...END,
    ...[...get(RL.acc), ...I8X16_BITMASK, ...I32_EQZ],
    ...IF,
    ...[...i32(0), ...RETURN],
    ...END,
    ...END,
    ...BLOCK,
    ...LOOP, // 16 rows per step
    ...[...get(RL.r), ...get(R.rows), ...I32_GE_U, ...brIf(1)],
    ...[...unmatched16, ...set(RL.mask)],
    ...BLOCK,
    ...LOOP, // the rows without a match, lowest first
    ...[...get(RL.mask), ...I32_EQZ, ...brIf(1)],
    ...[...get(RL.r), ...get(RL.mask), ...I32_CTZ, ...I32_ADD, ...set(RL.row)],
    ...[...get(RL.mask), ...get(RL.mask), ...i32(1), ...I32_SUB, ...I32_AND, ...set(RL.mask)],
    ...[...get(R.offs), ...get(RL.row), ...i32(2), ...I32_SHL, ...I32_ADD, ...tee(RL.addr)],
    ...[...I32_LOAD(0), ...get(R.base), ...I32_SUB, ...set(RL.s), ...get(RL.addr), ...I32_LOAD(4)],
    ...[...get(R.base), ...I32_SUB, ...tee(RL.e), ...i32(0), ...set(RL.hi)],
    ...[...get(RL.s), ...I32_SUB, ...get(R.m), ...I32_GE_S],
    ...IF, // not shorter than the pattern
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
 * One 32-byte step of a row's search: to `noMatch` when p is past the row's last start (`first`
 * leaves that check out: a row's first step compares its candidates with lim instead) or a
 * candidate is, to `hit` on a full match (branch depths as seen outside the step), else p += 32.
 */
const step = (noMatch: number, hit: number, lastAt: number | null, first: boolean) => {
  const match = lastAt === null ? longMatch : firstChunkMatch;
  const candidate = (depth: number) => [
    ...[...get(CL.p), ...get(CL.mask), ...I32_CTZ, ...I32_ADD, ...tee(CL.at), ...get(CL.lim), ...I32_GE_S],
    ...brIf(noMatch + depth),
    ...[...get(CL.mask), ...get(CL.mask), ...i32(1), ...I32_SUB, ...I32_AND, ...set(CL.mask)],
    ...match,
    ...brIf(hit + depth),
  ];
  return [
    ...(first ? [] : [...get(CL.p), ...get(CL.lim), ...I32_GE_S, ...brIf(noMatch)]),
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
// A row stores 1 (match) or 0 at out + row, its byte in a byte-per-row array; `pack` makes the
// bitmap afterwards (bit 0 of each byte, masked by the validity bits: a null row's byte is never
// written). The row loop keeps nothing but the row and its bounds.
// A row's first step has no check of its own for rows shorter than the pattern: their candidates
// are past lim, and without one the next step's check ends the row.
//
// Rows are taken from the set bits of the validity words (lowest first), so null rows cost
// nothing: scanning them (as empty rows) took a branch that went one way for them and the other
// for the rest, mispredicted at every null on random nulls (10% nulls: ~0.4 ns per row of 56 bytes).
//
// `m` 1–16: a version for that pattern length (its last byte's position is a load offset, one
// register less in the row loop); null: any length (the pattern's chunks past the first from
// memory).
const containsBody = (m: number | null) => {
  const lastAt = m === null ? null : m - 1;
  /** The lowest row of `bits`, taken out of it and searched. */
  const row = [
    ...[...get(CL.word), ...i32(5), ...I32_SHL, ...get(CL.bits), ...I32_CTZ, ...I32_ADD, ...set(CL.row)],
    ...[...get(CL.bits), ...get(CL.bits), ...i32(1), ...I32_SUB, ...I32_AND, ...set(CL.bits)],
    ...[...get(C.offs), ...get(CL.row), ...i32(2), ...I32_SHL, ...I32_ADD, ...tee(CL.addr)],
    ...[...I32_LOAD(0), ...get(C.base), ...I32_SUB, ...set(CL.p)],
    ...[...get(CL.addr), ...I32_LOAD(4), ...get(CL.baseLim), ...I32_SUB, ...set(CL.lim)],
    ...BLOCK, // row done
    ...BLOCK, // hit
    ...BLOCK, // no match
    ...step(0, 1, lastAt, true), // the first 32 bytes outside the loop: often all a row needs
    ...LOOP,
    ...step(1, 2, lastAt, false),
    ...br(0),
    ...END,
    ...END, // no match: 0 (markRest looks at such rows afterwards)
    ...[...get(C.out), ...get(CL.row), ...I32_ADD, ...i32(0), ...I32_STORE8(), ...br(1)],
    ...END, // hit
    ...[...get(C.out), ...get(CL.row), ...I32_ADD, ...i32(1), ...I32_STORE8()],
    ...END, // row done
  ];
  return fn(
    [
      [13, I32],
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
      ...[
        ...get(C.base),
        ...(lastAt === null ? get(CL.lastAt) : i32(lastAt)),
        ...I32_ADD,
        ...set(CL.baseLim),
      ],
      ...BLOCK,
      ...LOOP, // validity words: rows word * 32 + [0, 32)
      ...[...get(CL.word), ...i32(5), ...I32_SHL, ...get(C.rows), ...I32_GE_U, ...brIf(1)],
      // (a chunk but the last has 32 rows a word; the bits past the column's last row are clear)
      ...[
        ...get(C.valid),
        ...get(CL.word),
        ...i32(2),
        ...I32_SHL,
        ...I32_ADD,
        ...I32_LOAD(0),
        ...set(CL.bits),
      ],
      ...BLOCK,
      ...LOOP, // the word's rows, two per turn (V8 checks the stack once per turn of a loop)
      ...[...get(CL.bits), ...I32_EQZ, ...brIf(1)],
      ...row,
      ...[...get(CL.bits), ...I32_EQZ, ...brIf(1)],
      ...row,
      ...br(0),
      ...END,
      ...END,
      ...[...get(CL.word), ...i32(1), ...I32_ADD, ...set(CL.word), ...br(0)],
      ...END,
      ...END,
    ],
  );
};

/**
 * contains, without a branch on the data for rows of up to 64 starts: every row's first 64
 * positions are compared (two 32-byte windows), the first candidate among them is checked whatever
 * it is, and the row's byte is stored from the outcome. Only a false candidate, or a row with more
 * starts and no candidate, takes the loop of `step`s. Rows are all taken in order (nulls as empty
 * rows); `valid` is not read. For rows where matches and misses alternate at random.
 */
const wideBody = (m: number | null) => {
  const lastAt = m === null ? null : m - 1;
  const match = lastAt === null ? longMatch : firstChunkMatch;
  const E = CL.word;
  const M1 = CL.bits;
  return fn(
    [
      [13, I32],
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
      ...[...get(C.offs), ...I32_LOAD(0), ...get(C.base), ...I32_SUB, ...set(E)],
      ...BLOCK,
      ...LOOP, // rows
      ...[...get(CL.row), ...get(C.rows), ...I32_GE_U, ...brIf(1)],
      ...[...get(E), ...set(CL.p)],
      ...[...get(C.offs), ...get(CL.row), ...i32(2), ...I32_SHL, ...I32_ADD, ...I32_LOAD(4)],
      ...[...get(C.base), ...I32_SUB, ...tee(E)],
      ...(lastAt === null ? get(CL.lastAt) : i32(lastAt)),
      ...[...I32_SUB, ...set(CL.lim)],
      ...[...get(CL.p), ...V128_LOAD(0), ...set(CL.b0), ...get(CL.p), ...V128_LOAD(16), ...set(CL.b1)],
      ...firstLast(CL.b0, 0, lastAt),
      ...firstLast(CL.b1, 16, lastAt),
      ...[...i32(16), ...I32_SHL, ...I32_OR, ...set(CL.mask)],
      ...[...get(CL.p), ...V128_LOAD(32), ...set(CL.b0), ...get(CL.p), ...V128_LOAD(48), ...set(CL.b1)],
      ...firstLast(CL.b0, 32, lastAt),
      ...firstLast(CL.b1, 48, lastAt),
      ...[...i32(16), ...I32_SHL, ...I32_OR, ...set(M1)],
      // the first candidate of the 64 (p + 64 when there is none), compared whatever it is
      ...[...get(CL.mask), ...I32_CTZ, ...get(M1), ...I32_CTZ, ...i32(32), ...I32_ADD, ...get(CL.mask)],
      ...[...SELECT, ...get(CL.p), ...I32_ADD, ...set(CL.at)],
      ...[...match, ...get(CL.at), ...get(CL.lim), ...I32_LT_S, ...tee(CL.c), ...I32_AND, ...tee(CL.ok)],
      ...[...set(CL.addr), ...get(C.out), ...get(CL.row), ...I32_ADD, ...get(CL.addr), ...I32_STORE8()],
      // more to look at: a valid start without a match (a false candidate, or none in a longer row)
      ...[...get(CL.c), ...get(CL.ok), ...I32_EQZ, ...I32_AND],
      ...IF,
      ...[...get(CL.p), ...get(CL.p), ...i32(64), ...I32_ADD, ...get(CL.mask), ...get(M1), ...I32_OR],
      ...[...SELECT, ...set(CL.p)],
      ...BLOCK, // no match
      ...BLOCK, // hit
      ...LOOP,
      ...step(2, 1, lastAt, false),
      ...br(0),
      ...END,
      ...END, // hit
      ...[...get(C.out), ...get(CL.row), ...I32_ADD, ...i32(1), ...I32_STORE8()],
      ...END, // no match
      ...END,
      ...[...get(CL.row), ...i32(1), ...I32_ADD, ...set(CL.row), ...br(0)],
      ...END,
      ...END,
    ],
  );
};

// pack(src, n, dst, valid, countAt) → how many bits it set: bit i of the bitmap at dst = bit 0 of
// byte i at src and bit i at valid, 16 rows per step; the bytes past n up to a multiple of 16 must
// be 0, dst must have room for 2 bytes per 16 rows. The number of rows valid (bits set at valid
// among the first n) is stored at countAt.
const P = { src: 0, n: 1, dst: 2, valid: 3, countAt: 4 };
const PL = { i: 5, bits: 6, hits: 7, valid: 8, v: 9 };
const PACK = fn(
  [[5, I32]],
  [
    ...BLOCK,
    ...LOOP,
    ...[...get(PL.i), ...get(P.n), ...I32_GE_U, ...brIf(1)],
    // (the validity bits past the last row are clear)
    ...[...get(P.valid), ...I32_LOAD16_U(), ...tee(PL.v)],
    ...[...I32_POPCNT, ...get(PL.valid), ...I32_ADD, ...set(PL.valid)],
    ...[...get(P.dst), ...get(P.src), ...V128_LOAD(0), ...i32(7), ...I8X16_SHL, ...I8X16_BITMASK],
    ...[...get(PL.v), ...I32_AND, ...tee(PL.bits), ...I32_STORE16()],
    ...[...get(PL.bits), ...I32_POPCNT, ...get(PL.hits), ...I32_ADD, ...set(PL.hits)],
    ...[
      ...get(P.src),
      ...i32(16),
      ...I32_ADD,
      ...set(P.src),
      ...get(P.dst),
      ...i32(2),
      ...I32_ADD,
      ...set(P.dst),
    ],
    ...[...get(P.valid), ...i32(2), ...I32_ADD, ...set(P.valid)],
    ...[...get(PL.i), ...i32(16), ...I32_ADD, ...set(PL.i), ...br(0)],
    ...END,
    ...END,
    ...[...get(P.countAt), ...get(PL.valid), ...I32_STORE()],
    ...get(PL.hits),
  ],
);

// nonEmpty(offs, rows, valid): clears the bit at `valid` of each empty row among the first `rows`
// (its start offset equals its end), 32 rows per step. An empty row cannot contain the pattern
// (at least one byte), and taking it as a row to search cost a mispredicted branch wherever empty
// rows came at random (nulls in a column without a validity bitmap, empty strings). The offsets
// past the last row may be anything: the bits past the column's last row are clear.
const NE = { offs: 0, rows: 1, valid: 2 };
const NEL = { w: 3, word: 4, addr: 5 };
const NON_EMPTY = fn(
  [[3, I32]],
  [
    ...BLOCK,
    ...LOOP,
    ...[...get(NEL.w), ...i32(5), ...I32_SHL, ...get(NE.rows), ...I32_GE_U, ...brIf(1)],
    ...[...get(NE.offs), ...get(NEL.w), ...i32(7), ...I32_SHL, ...I32_ADD, ...set(NEL.addr), ...i32(0)],
    ...Array.from({ length: 8 }, (_, k) => [
      ...[...get(NEL.addr), ...V128_LOAD(16 * k), ...get(NEL.addr), ...V128_LOAD(16 * k + 4)],
      ...[...I32X4_NE, ...I32X4_BITMASK, ...(k === 0 ? [] : [...i32(4 * k), ...I32_SHL]), ...I32_OR],
    ]).flat(),
    ...set(NEL.word),
    ...[...get(NE.valid), ...get(NEL.w), ...i32(2), ...I32_SHL, ...I32_ADD, ...tee(NEL.addr)],
    ...[...get(NEL.addr), ...I32_LOAD(0), ...get(NEL.word), ...I32_AND, ...I32_STORE()],
    ...[...get(NEL.w), ...i32(1), ...I32_ADD, ...set(NEL.w), ...br(0)],
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
    params: 7,
    results: 0,
    body: containsBody(k + 1),
  })),
  { name: 'contains', params: 7, results: 0, body: containsBody(null) },
  ...Array.from({ length: SHORT }, (_, k) => ({
    name: `wide${k + 1}`,
    params: 7,
    results: 0,
    body: wideBody(k + 1),
  })),
  { name: 'wide', params: 7, results: 0, body: wideBody(null) },
  ...Array.from({ length: SHORT }, (_, k) => ({
    name: `stream${k + 1}`,
    params: 5,
    results: 1,
    body: streamBody(k + 1),
  })),
  { name: 'rowHits', params: 8, results: 0, body: ROW_HITS },
  { name: 'verify', params: 3, results: 1, body: VERIFY },
  { name: 'nonAsciiRows', params: 5, results: 1, body: NON_ASCII },
  { name: 'pack', params: 5, results: 1, body: PACK },
  { name: 'markRest', params: 10, results: 1, body: MARK_REST },
  { name: 'nonEmpty', params: 3, results: 0, body: NON_EMPTY },
]);

type ContainsFn = (
  offs: number,
  rows: number,
  base: number,
  pat: number,
  m: number,
  out: number,
  valid: number,
) => void;
/** See simd-stream.ts. */
type StreamFn = (from: number, to: number, pat: number, list: number, flagAt: number) => number;
type VerifyFn = (list: number, end: number, pat: number) => number;
type RowHitsFn = (
  offs: number,
  groups: number,
  split: number,
  base: number,
  m: number,
  listA: number,
  listB: number,
  out: number,
) => void;
type MarkRestFn = (
  offs: number,
  rows: number,
  base: number,
  rowBytes: number,
  exact: number,
  valid: number,
  m: number,
  from: number,
  to: number,
  unmatched: number,
) => number;
type NonAsciiFn = (p: number, end: number, offs: number, base: number, out: number) => number;
type NonEmptyFn = (offs: number, rows: number, valid: number) => void;
type PackFn = (src: number, n: number, dst: number, valid: number, countAt: number) => number;

const PAGE = 65_536;
const align = (x: number, to: number) => (x + to - 1) & -to;

/** Longest pattern `contains` takes. */
export const SIMD_MAX_PATTERN = 4096;

/**
 * Bytes copied in and scanned per call at most (a multiple of 32 rows, at least 32): this bounds
 * the module's memory. Smaller chunks, to scan each while it is in the first-level cache, were
 * slower (16 KiB: ~20%) than one copy of a 10,000-row batch of URLs (500 KB); with `stream`,
 * chunks of 256, 128 and 64 KiB were 1%, 3% and 6% slower.
 */
const CHUNK_BYTES = 1 << 20;

/**
 * Which kernel `contains` runs: `rows` searches row by row and stops at a row's first match
 * (null rows skipped); `wide` compares every row's first 64 starts without a branch on the data;
 * `stream` (patterns of up to 16 bytes; longer ones take `wide`) searches the chunk's bytes as a
 * whole, then finds each row's outcome among the matches, four rows at a time, without a branch
 * on the data either (simd-stream.ts); `auto` takes `stream` (or `wide`, for longer patterns)
 * when, in the last call with the same pattern, between WIDE_FROM and 1 - WIDE_FROM of the valid
 * rows matched (else `rows`).
 *
 * `rows` is the faster one when a row's outcome can be foretold (all or no rows matching, or
 * long runs of either), `stream` and `wide` when outcomes vary at random: each outcome that the
 * branch predictor gets wrong costs `rows` ~30 cycles (the branch waits on the row's loads), ~4x
 * the scan of a row. On 56-byte URL rows, 10% nulls, copy included, 1M rows in 10,000-row
 * batches: every valid row matching, rows ~6.3 vs wide ~8.2 ns per row; ~43% matching at random,
 * rows ~13.5 vs wide ~8.7 (stream: ~0.9x of wide there, kernel alone, A/B in one process). In
 * `stream` mode the empty valid rows count as rows without a match (it does not look at them).
 */
export type ScanKernel = 'auto' | 'rows' | 'wide' | 'stream';

/** See {@link ScanKernel}: the share of matching rows from which `auto` takes `stream` / `wide`. */
const WIDE_FROM = 0.2;

export class SimdScanner {
  readonly #memory: WasmMemory;
  /** By pattern length: index m - 1 for m ≤ SHORT, then the version for any length. */
  readonly #contains: ContainsFn[];
  readonly #wide: ContainsFn[];
  /** By pattern length: index m - 1. */
  readonly #stream: StreamFn[];
  readonly #rowHits: RowHitsFn;
  readonly #verify: VerifyFn;
  /** The share of valid rows that matched in the last call, by pattern (its `value` array). */
  readonly #hitRates = new WeakMap<object, number>();
  readonly #nonAscii: NonAsciiFn;
  readonly #pack: PackFn;
  readonly #markRest: MarkRestFn;
  readonly #nonEmpty: NonEmptyFn;
  #mem = new Uint8Array(0);
  #mem32 = new Int32Array(0);

  constructor(exports: Record<string, unknown>, memory: WasmMemory) {
    this.#memory = memory;
    this.#contains = Array.from({ length: SHORT }, (_, k) => exports[`contains${k + 1}`] as ContainsFn);
    this.#contains.push(exports.contains as ContainsFn);
    this.#wide = Array.from({ length: SHORT }, (_, k) => exports[`wide${k + 1}`] as ContainsFn);
    this.#wide.push(exports.wide as ContainsFn);
    this.#stream = Array.from({ length: SHORT }, (_, k) => exports[`stream${k + 1}`] as StreamFn);
    this.#rowHits = exports.rowHits as RowHitsFn;
    this.#verify = exports.verify as VerifyFn;
    this.#nonAscii = exports.nonAsciiRows as NonAsciiFn;
    this.#pack = exports.pack as PackFn;
    this.#markRest = exports.markRest as MarkRestFn;
    this.#nonEmpty = exports.nonEmpty as NonEmptyFn;
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
    const mem = this.#reserve(offsAt + 4 * (r1 - r0 + 1) + 128); // nonEmpty reads to a 32-row end
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
   * least m bytes holding a byte ≥ 0x80, or null when there is none. With `valid`, only the rows
   * whose validity bit is set are looked at (the others' bits stay clear).
   */
  contains(
    offsets: Int32Array,
    bytes: Uint8Array,
    n: number,
    or: ArrayLike<number>,
    value: ArrayLike<number>,
    bits: Uint8Array,
    valid: BitsAt | null = null,
    kernel: ScanKernel = 'auto',
  ): Uint8Array | null {
    const m = value.length;
    if (m < 1 || m > SIMD_MAX_PATTERN) throw new RangeError(`pattern of ${m} bytes`);
    const patBytes = 64 + 32 * ((m + 15) >>> 4);
    const bitmapBytes = ((n + 63) >>> 6) << 3;
    const outAt = patBytes;
    const exactAt = outAt + bitmapBytes;
    const validAt = exactAt + bitmapBytes;
    const rowBytesAt = validAt + bitmapBytes;
    const countAt = align(rowBytesAt + n + 16, 8);
    const dataAt = align(countAt + 8, 16);
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
    // starts at 0. The row bytes need no clearing: the kernels write every valid row's, and the
    // others are masked by the validity bits (clear past the last row).
    mem.fill(0, outAt + 2 * ((n + 15) >>> 4), validAt);
    this.#validity(valid, n, validAt, bitmapBytes);
    const rate = this.#hitRates.get(value);
    const mixed =
      kernel === 'wide' ||
      kernel === 'stream' ||
      (kernel === 'auto' && rate !== undefined && rate > WIDE_FROM && rate < 1 - WIDE_FROM);
    const stream = mixed && kernel !== 'wide' && m <= SHORT;
    const scan = (mixed ? this.#wide : this.#contains)[Math.min(m, SHORT + 1) - 1]!;
    const flagAt = countAt + 4;
    let undecided = 0;
    let hits = 0;
    let validRows = 0;
    for (let r0 = 0; r0 < n; ) {
      const r1 = this.#chunkEnd(offsets, n, r0);
      const rows = r1 - r0;
      const offsAt = this.#copyIn(offsets, bytes, r0, r1, dataAt, Math.max(m + 96, STREAM_SLACK));
      const base = offsets[r0]! - dataAt;
      const v = validAt + (r0 >>> 3);
      // whether a row without a match may hold a byte ≥ 0x80 (markRest finds which)
      let mayBeHigh = true;
      if (stream) mayBeHigh = this.#streamChunk(m, offsAt, rows, base, dataAt, rowBytesAt + r0, flagAt);
      else {
        this.#nonEmpty(offsAt, rows, v);
        scan(offsAt, rows, base, 0, m, rowBytesAt + r0, v);
      }
      const chunkHits = this.#pack(rowBytesAt + r0, rows, outAt + (r0 >>> 3), v, countAt);
      const chunkValid = this.#mem32[countAt >>> 2]!;
      if (chunkValid > chunkHits && mayBeHigh) {
        const to = offsets[r1]! - base;
        const exact = exactAt + (r0 >>> 3);
        undecided += this.#markRest(
          offsAt,
          rows,
          base,
          rowBytesAt + r0,
          exact,
          v,
          m,
          dataAt,
          to,
          chunkValid - chunkHits,
        );
      }
      hits += chunkHits;
      validRows += chunkValid;
      r0 = r1;
    }
    if (validRows > 0 && typeof value === 'object') this.#hitRates.set(value, hits / validRows);
    bits.set(this.#mem.subarray(outAt, outAt + bitmapBytes));
    return undecided > 0 ? this.#mem.slice(exactAt, exactAt + bitmapBytes) : null;
  }

  /**
   * The `stream` kernels over a chunk copied in (its bytes at `dataAt`, followed by at least
   * STREAM_SLACK zeroed bytes, its rows + 1 offsets at `offsAt`, 128 bytes of room after them):
   * each row's byte at `out` (0xff: a match; empty and null rows included, `pack` masks them).
   * Returns whether any byte of the chunk is ≥ 0x80.
   */
  #streamChunk(
    m: number,
    offsAt: number,
    rows: number,
    base: number,
    dataAt: number,
    out: number,
    flagAt: number,
  ): boolean {
    const o = offsAt >>> 2;
    const last = this.#mem32[o + rows]!;
    for (let k = 1; k <= 4; k++) this.#mem32[o + rows + k] = last; // rowHits takes 4 rows a step
    const to = last - base;
    // the list: an address per byte of [dataAt, to + 64) at most, then 4 more
    const listAt = align(offsAt + 4 * (rows + 5), 16);
    this.#reserve(listAt + 4 * (to - dataAt + 68));
    const end = this.#verify(listAt, this.#stream[m - 1]!(dataAt, to, 0, listAt, flagAt), 0);
    // rowHits takes the two halves of the rows at once, each with its own place in the list
    const groups = (rows + 3) >>> 2;
    const split = groups >>> 1;
    const from = this.#mem32[o + 4 * split]! - base;
    let lo = listAt >>> 2;
    let hi = end >>> 2;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#mem32[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    this.#rowHits(offsAt, groups, split, base, m, listAt, lo << 2, out);
    return this.#mem32[flagAt >>> 2] !== 0;
  }

  /**
   * Writes the validity bits of rows [0, n) at `at` (all set without `valid`), and clear bits up to
   * `bitmapBytes`: the kernels count on the bits past the last row being clear.
   */
  #validity(valid: BitsAt | null, n: number, at: number, bitmapBytes: number): void {
    const mem = this.#mem;
    let copied: number;
    if (valid === null) {
      copied = (n + 7) >>> 3;
      mem.fill(0xff, at, at + copied);
    } else if ((valid.offset & 7) === 0) {
      const from = valid.offset >>> 3;
      const bytes = valid.bits.subarray(from, Math.min(valid.bits.length, from + ((n + 7) >>> 3)));
      mem.set(bytes, at);
      copied = bytes.length;
    } else {
      const words = wordsOf(valid.bits, valid.offset, n);
      this.#mem32.set(words, at >>> 2);
      copied = 4 * words.length;
    }
    mem.fill(0, at + copied, at + bitmapBytes);
    const full = n >>> 3;
    if ((n & 7) !== 0) mem[at + full]! &= (1 << (n & 7)) - 1;
    mem.fill(0, at + full + ((n & 7) !== 0 ? 1 : 0), at + copied);
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
