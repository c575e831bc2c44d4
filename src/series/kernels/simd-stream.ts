/**
 * The `stream` kernels of `contains` (simd-scan.ts) for patterns of up to 16 bytes: one pass over a
 * chunk's bytes as a whole, without regard to rows, then one over its candidates, then one over
 * the rows, four at a time. None has a branch that depends on where the matches are, so rows where
 * matches and misses alternate at random cost what the others cost, and null or empty rows cost no
 * byte compare.
 *
 * 1. `streamM(from, to, pat, list, flagAt) → list end`: every 64 bytes of [from, to), the first and
 *    last pattern byte are compared at all 64 starts (as in simd-scan.ts, through the union of their
 *    OR masks: a candidate more, never one less; the last byte's vectors cut from two neighbours,
 *    one `palignr`, instead of loaded again), and the first candidate's address is stored at the
 *    list's end, which moves on when there was one (no branch). A block with more candidates (rare
 *    on text: the pattern's first and last byte twice within 64 bytes) lists the others in a loop.
 *    The bytes read are ORed together: their high bits (bitmask) are stored at `flagAt`, 0 when
 *    every byte of [from, to) is < 0x80. It reads up to 144 bytes past `to`, which must be zero,
 *    and the list may hold one address per byte of [from, to + 64).
 * 2. `verify(list, end, pat) → end`: keeps the candidates where the whole pattern is (in a pass of
 *    its own, one compare per candidate instead of one per block: ~0.3 ns per URL row less), in
 *    order, and ends the list with 4 copies of 0x7fffffff.
 * 3. `rowHits(offs, groups, split, base, m, listA, listB, out)`: row i is [offs[i] - base, offs[i + 1] - base); it
 *    matches when some listed address a has start ≤ a ≤ end - m (the whole match inside the row; a
 *    match across a row boundary counts for neither row). Four rows per step as i32x4 lanes: each
 *    of the next four addresses is compared with all four rows' bounds, and the addresses below the
 *    fourth row's end are used up (their count, a popcount, moves the list on: the only chain from
 *    step to step). That chain sets the pace (a load, a compare, a movmsk, a popcount: ~10 cycles
 *    per 4 rows), so the groups of 4 rows [0, split) and [split, groups) are taken in turn, each
 *    half with its own place in the list (listB: the first address at or past the start of group
 *    `split`). The four outcomes are stored as bytes (0xff or 0) at out + i; the rows are taken 4
 *    at a time (offs must hold 4 more copies of the last offset, out room for 3 more bytes).
 *
 * @example
 * // memory: pattern vectors at 0, bytes at `from`, offsets at `offs`, then the list
 * const end = exports.verify(list, exports.stream5(from, to, 0, list, flagAt), 0);
 * exports.rowHits(offs, groups, groups >> 1, base, 5, list, listB, out);
 */
import {
  BLOCK,
  br,
  brIf,
  END,
  fn,
  get,
  I8X16_BITMASK,
  I8X16_EQ,
  I8X16_NARROW_I16X8_S,
  I16X8_NARROW_I32X4_S,
  I32,
  I32_ADD,
  I32_EQ,
  I32_EQZ,
  I32_GE_U,
  I32_GT_U,
  I32_LOAD,
  I32_LT_U,
  I32_OR,
  I32_POPCNT,
  I32_SHL,
  I32_STORE,
  I32_SUB,
  I32_WRAP_I64,
  I32X4_BITMASK,
  I32X4_EXTRACT_LANE,
  I32X4_GT_S,
  I32X4_LT_S,
  I32X4_SPLAT,
  I32X4_SUB,
  I64,
  I64_AND,
  I64_CTZ,
  I64_EQZ,
  I64_EXTEND_I32_U,
  I64_OR,
  I64_POPCNT,
  I64_SHL,
  I64_SUB,
  IF,
  i8x16Shuffle,
  i32,
  i64,
  LOOP,
  set,
  tee,
  V128,
  V128_AND,
  V128_CONST0,
  V128_LOAD,
  V128_OR,
} from './wasm-asm.js';

/** Bytes past `to` that `stream` reads (they must be zero). */
export const STREAM_SLACK = 144;

// stream(from, to, pat, list, flagAt)
const S = { p: 0, to: 1, pat: 2, list: 3, flagAt: 4 };
const SL = { end: 5, at: 6 };
const SL64 = { mask: 7, rest: 8 };
const SV = { oU: 9, vF: 10, vL: 11, acc: 12, y0: 13 }; // y0 … y4: 13 … 17
const y = (k: number) => SV.y0 + k;

/** Appends `at` to the list, which grows by 4 bytes when the i32 on the stack is 1. */
const append = [...i32(2), ...I32_SHL, ...get(SL.end), ...get(SL.at), ...I32_STORE(0), ...get(SL.end)];

/** Pushes the candidate bits of starts 16k … 16k + 15 (pattern's last byte `last` bytes on). */
const candidates = (k: number, last: number) => [
  ...[...get(y(k)), ...get(SV.vF), ...I8X16_EQ],
  ...(last === 0
    ? get(y(k))
    : [...get(y(k)), ...get(y(k + 1)), ...i8x16Shuffle(Array.from({ length: 16 }, (_, i) => i + last))]),
  ...[...get(SV.vL), ...I8X16_EQ, ...V128_AND, ...I8X16_BITMASK],
];

/** Sets `at` to the address of the lowest set bit of the i64 mask on the stack (a block at p + off). */
const lowestBitAt = (off: number) => [
  ...[...I64_CTZ, ...I32_WRAP_I64, ...get(S.p), ...I32_ADD],
  ...(off ? [...i32(off), ...I32_ADD] : []),
  ...set(SL.at),
];

/** One 64-byte block at p + off (its first 16 bytes, ORed, already in y0; y4 left for the next). */
const block = (off: number, last: number) => [
  ...[1, 2, 3, 4].flatMap((k) => [
    ...get(S.p),
    ...V128_LOAD(off + 16 * k),
    ...get(SV.oU),
    ...V128_OR,
    ...set(y(k)),
  ]),
  ...[...get(SV.acc), ...get(y(0)), ...get(y(1)), ...V128_OR, ...get(y(2)), ...get(y(3)), ...V128_OR],
  ...[...V128_OR, ...V128_OR, ...set(SV.acc)],
  ...[...candidates(0, last), ...candidates(1, last), ...i32(16), ...I32_SHL, ...I32_OR, ...I64_EXTEND_I32_U],
  ...[...candidates(2, last), ...candidates(3, last), ...i32(16), ...I32_SHL, ...I32_OR, ...I64_EXTEND_I32_U],
  ...[...i64(32), ...I64_SHL, ...I64_OR, ...tee(SL64.mask)],
  // the first candidate (p + 64 when there is none: the list does not grow)
  ...lowestBitAt(off),
  ...[...get(SL64.mask), ...I64_EQZ, ...I32_EQZ, ...append, ...I32_ADD, ...set(SL.end)],
  ...[...get(SL64.mask), ...I64_POPCNT, ...I32_WRAP_I64, ...i32(1), ...I32_GT_U],
  ...IF, // the others, in order
  ...[...get(SL64.mask), ...get(SL64.mask), ...i64(1), ...I64_SUB, ...I64_AND, ...set(SL64.rest)],
  ...BLOCK,
  ...LOOP,
  ...[...get(SL64.rest), ...I64_EQZ, ...brIf(1)],
  ...[...get(SL64.rest), ...lowestBitAt(off)],
  ...[...i32(1), ...append, ...I32_ADD, ...set(SL.end)],
  ...[...get(SL64.rest), ...get(SL64.rest), ...i64(1), ...I64_SUB, ...I64_AND, ...set(SL64.rest)],
  ...br(0),
  ...END,
  ...END,
  ...END,
  ...[...get(y(4)), ...set(y(0))],
];

// verify(list, end, pat) → end: keeps the listed addresses where the whole pattern is (one 16-byte
// chunk, its lanes past the pattern always equal), in order, then 4 copies of 0x7fffffff
const VF = { src: 0, end: 1, pat: 2, dst: 3, at: 4, oPat: 5, vPat: 6 };
export const VERIFY = fn(
  [
    [2, I32],
    [2, V128],
  ],
  [
    ...[...get(VF.pat), ...V128_LOAD(64), ...set(VF.oPat), ...get(VF.pat), ...V128_LOAD(80), ...set(VF.vPat)],
    ...[...get(VF.src), ...set(VF.dst)],
    ...BLOCK,
    ...LOOP,
    ...[...get(VF.src), ...get(VF.end), ...I32_GE_U, ...brIf(1)],
    ...[...get(VF.dst), ...get(VF.src), ...I32_LOAD(0), ...tee(VF.at), ...I32_STORE(0)],
    ...[...get(VF.at), ...V128_LOAD(0), ...get(VF.oPat), ...V128_OR, ...get(VF.vPat), ...I8X16_EQ],
    ...[...I8X16_BITMASK, ...i32(0xffff), ...I32_EQ, ...i32(2), ...I32_SHL, ...get(VF.dst), ...I32_ADD],
    ...[...set(VF.dst), ...get(VF.src), ...i32(4), ...I32_ADD, ...set(VF.src), ...br(0)],
    ...END,
    ...END,
    ...[0, 4, 8, 12].flatMap((o) => [...get(VF.dst), ...i32(0x7fffffff), ...I32_STORE(o)]),
    ...get(VF.dst),
  ],
);

/** The `stream` kernel for patterns of m bytes (1 ≤ m ≤ 16). */
export function streamBody(m: number): number[] {
  const last = m - 1;
  return fn(
    [
      [2, I32],
      [2, I64],
      [9, V128],
    ],
    [
      ...[...get(S.pat), ...V128_LOAD(0), ...get(S.pat), ...V128_LOAD(32), ...V128_OR, ...set(SV.oU)],
      ...[...get(S.pat), ...V128_LOAD(16), ...get(SV.oU), ...V128_OR, ...set(SV.vF)],
      ...[...get(S.pat), ...V128_LOAD(48), ...get(SV.oU), ...V128_OR, ...set(SV.vL)],
      ...[...get(S.list), ...set(SL.end)],
      ...[...get(S.p), ...V128_LOAD(0), ...get(SV.oU), ...V128_OR, ...set(y(0))],
      ...BLOCK,
      ...LOOP, // two blocks per turn (a turn costs a few instructions and a stack check in V8)
      ...[...get(S.p), ...get(S.to), ...I32_GE_U, ...brIf(1)],
      ...block(0, last),
      ...[...get(S.p), ...i32(64), ...I32_ADD, ...get(S.to), ...I32_GE_U, ...brIf(1)],
      ...block(64, last),
      ...[...get(S.p), ...i32(128), ...I32_ADD, ...set(S.p), ...br(0)],
      ...END,
      ...END,
      ...[...get(S.flagAt), ...get(SV.acc), ...I8X16_BITMASK, ...I32_STORE(0)],
      ...get(SL.end),
    ],
  );
}

// rowHits(offs, groups, split, base, m, listA, listB, out)
const H = { offs: 0, groups: 1, split: 2, base: 3, m: 4, listA: 5, listB: 6, out: 7 };
const HL = { i: 8, turns: 9, used: 10, at: 11, to: 12 };
// (i32x4 comparisons are strict ones, which x64 has: ge and le cost V8 two instructions each)
const HV = { baseV: 13, base1V: 14, m1V: 15, t: 16 };
/** Each half's vectors: start - 1, last start + 1 (end - m + 1), the fourth row's end, … */
const half = (k: number) => {
  const at = 17 + 5 * k;
  return { before: at, after: at + 1, end3: at + 2, next: at + 3, hits: at + 4 };
};
/** Lanes that repeat i32 lane t of the first operand. */
const lane = (t: number) => Array.from({ length: 16 }, (_, i) => 4 * t + (i & 3));

/** Rows 4g … 4g + 3 (g in local `group`) against the addresses from local `list` on. */
const rowGroup = (v: ReturnType<typeof half>, list: number, group: number[]) => [
  ...[...get(H.offs), ...group, ...i32(4), ...I32_SHL, ...I32_ADD, ...set(HL.at)],
  ...[...get(H.out), ...group, ...i32(2), ...I32_SHL, ...I32_ADD, ...set(HL.to)],
  ...[...get(HL.at), ...V128_LOAD(0), ...get(HV.base1V), ...I32X4_SUB, ...set(v.before)],
  ...[...get(HL.at), ...V128_LOAD(4), ...get(HV.baseV), ...I32X4_SUB, ...set(v.after)],
  ...[...get(v.after), ...get(v.after), ...i8x16Shuffle(lane(3)), ...set(v.end3)],
  ...[...get(v.after), ...get(HV.m1V), ...I32X4_SUB, ...set(v.after), ...V128_CONST0, ...set(v.hits)],
  ...BLOCK,
  ...LOOP, // the next four addresses (again while all four are below the fourth row's end)
  ...[...get(list), ...V128_LOAD(0), ...set(v.next)],
  ...[0, 1, 2, 3].flatMap((t) => [
    ...[...get(v.next), ...get(v.next), ...i8x16Shuffle(lane(t)), ...tee(HV.t), ...get(v.before)],
    ...[...I32X4_GT_S, ...get(HV.t), ...get(v.after), ...I32X4_LT_S, ...V128_AND, ...get(v.hits)],
    ...[...V128_OR, ...set(v.hits)],
  ]),
  ...[...get(v.next), ...get(v.end3), ...I32X4_LT_S, ...I32X4_BITMASK, ...I32_POPCNT, ...tee(HL.used)],
  ...[...i32(2), ...I32_SHL, ...get(list), ...I32_ADD, ...set(list)],
  ...[...get(HL.used), ...i32(4), ...I32_EQ, ...brIf(0)],
  ...END,
  ...END,
  ...[...get(HL.to), ...get(v.hits), ...get(v.hits), ...I16X8_NARROW_I32X4_S, ...tee(HV.t), ...get(HV.t)],
  ...[...I8X16_NARROW_I16X8_S, ...I32X4_EXTRACT_LANE(0), ...I32_STORE(0)],
];

export const ROW_HITS = fn(
  [
    [5, I32],
    [14, V128],
  ],
  [
    ...[...get(H.base), ...I32X4_SPLAT, ...set(HV.baseV), ...get(H.base), ...i32(1), ...I32_ADD],
    ...[...I32X4_SPLAT, ...set(HV.base1V), ...get(H.m), ...i32(1), ...I32_SUB, ...I32X4_SPLAT],
    ...[...set(HV.m1V), ...get(H.groups), ...get(H.split), ...I32_SUB, ...set(HL.turns)],
    ...BLOCK,
    ...LOOP, // a group of each half per turn: two chains of list pointers, not one
    ...[...get(HL.i), ...get(HL.turns), ...I32_GE_U, ...brIf(1)],
    ...[...get(HL.i), ...get(H.split), ...I32_LT_U],
    ...IF, // (the first half has one group less when their count is odd)
    ...rowGroup(half(0), H.listA, get(HL.i)),
    ...END,
    ...rowGroup(half(1), H.listB, [...get(HL.i), ...get(H.split), ...I32_ADD]),
    ...[...get(HL.i), ...i32(1), ...I32_ADD, ...set(HL.i), ...br(0)],
    ...END,
    ...END,
  ],
);
