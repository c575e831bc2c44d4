/**
 * A 16-bytes-at-a-time candidate scan for fixed-pattern search, in WebAssembly SIMD (JS has no
 * SIMD). The module is assembled here from its opcodes (below, one instruction per line) — no
 * binary file, no build step. It finds every position p where the pattern's first byte sits at p
 * and its last byte at p + m − 1, optionally case-folding ASCII letters (`b | 0x20` equals a
 * lower-case letter exactly when b is that letter in either case); the caller checks each
 * candidate in full and maps it to its row. On URL-like rows this replaced a Horspool search
 * costing ~45 ns per 50-byte row with ~7 ns of scan plus ~3 ns of copying the bytes into the
 * module's memory.
 *
 * @example
 * // candidates for 'video' in any ASCII case: 'v' at p, 'o' at p + 4
 * const pairs = simdScanner()?.candidateBlocks(bytes, 0, bytes.length, 5, 0x76, 0x6f, 0x20, 0x20);
 */

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32const = (v: number) => [0x41, v]; // small non-negative values only (one LEB byte)

// scan(start, end, out, first, last, orFirst, orLast, lastAt) → number of 16-byte blocks with a
// candidate; each writes (block start, 16-bit lane mask) as two i32 at out + 8 * k.
const P = { start: 0, end: 1, out: 2, first: 3, last: 4, orFirst: 5, orLast: 6, lastAt: 7 };
const L = { p: 8, count: 9, mask: 10, vFirst: 11, vLast: 12, oFirst: 13, oLast: 14 };
const V128_LOAD = [...simd(0x00), 0x00, 0x00]; // align 2^0, offset 0
const I8X16_SPLAT = simd(0x0f);
const I8X16_EQ = simd(0x23);
const V128_AND = simd(0x4e);
const V128_OR = simd(0x50);
const I8X16_BITMASK = simd(0x64);
const I32_ADD = [0x6a];
const I32_SHL = [0x74];
const I32_GE_U = [0x4f];
const I32_STORE = (offset: number) => [0x36, 0x02, offset];

const SCAN_BODY = [
  ...[...uleb(2), ...uleb(3), I32, ...uleb(4), V128], // locals: 3 × i32, 4 × v128
  ...[...get(P.first), ...I8X16_SPLAT, ...set(L.vFirst)],
  ...[...get(P.last), ...I8X16_SPLAT, ...set(L.vLast)],
  ...[...get(P.orFirst), ...I8X16_SPLAT, ...set(L.oFirst)],
  ...[...get(P.orLast), ...I8X16_SPLAT, ...set(L.oLast)],
  ...[...get(P.start), ...set(L.p)],
  ...[0x02, 0x40], // block
  ...[0x03, 0x40], //   loop
  ...[...get(L.p), ...get(P.end), ...I32_GE_U, 0x0d, 1], // br_if (p >= end) out of the block
  // eq(load(p) | oFirst, vFirst) & eq(load(p + lastAt) | oLast, vLast) → 16-bit mask
  ...[...get(L.p), ...V128_LOAD, ...get(L.oFirst), ...V128_OR, ...get(L.vFirst), ...I8X16_EQ],
  ...[...get(L.p), ...get(P.lastAt), ...I32_ADD, ...V128_LOAD, ...get(L.oLast), ...V128_OR],
  ...[...get(L.vLast), ...I8X16_EQ, ...V128_AND, ...I8X16_BITMASK, ...tee(L.mask)],
  ...[0x04, 0x40], //     if (mask)
  ...[...get(P.out), ...get(L.count), ...i32const(3), ...I32_SHL, ...I32_ADD, ...get(L.p), ...I32_STORE(0)],
  ...[
    ...get(P.out),
    ...get(L.count),
    ...i32const(3),
    ...I32_SHL,
    ...I32_ADD,
    ...get(L.mask),
    ...I32_STORE(4),
  ],
  ...[...get(L.count), ...i32const(1), ...I32_ADD, ...set(L.count)],
  0x0b, //       end if
  ...[...get(L.p), ...i32const(16), ...I32_ADD, ...set(L.p)],
  ...[0x0c, 0], //   br to the loop
  ...[0x0b, 0x0b], // end loop, end block
  ...get(L.count),
  0x0b,
];

const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 8, I32, I32, I32, I32, I32, I32, I32, I32, 1, I32]), // one func type
  ...section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 0x01]), // import env.mem (memory)
  ...section(3, [1, 0]), // one function of type 0
  ...section(7, [1, ...name('scan'), 0x00, 0]), // export it as scan
  ...section(10, [1, ...uleb(SCAN_BODY.length), ...SCAN_BODY]), // its body
]);

type ScanFn = (
  start: number,
  end: number,
  out: number,
  first: number,
  last: number,
  orFirst: number,
  orLast: number,
  lastAt: number,
) => number;

/** The part of the WebAssembly JS API used here (the project's TypeScript lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (d: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** Bytes of zeroed slack after the copied data (the last block's loads read up to 15 bytes past its end). */
const SLACK = 32;
const PAGE = 65_536;

export class SimdScanner {
  readonly #memory: WasmMemory;
  readonly #scan: ScanFn;

  constructor(api: WasmApi) {
    this.#memory = new api.Memory({ initial: 1 });
    const instance = new api.Instance(new api.Module(MODULE), { env: { mem: this.#memory } });
    this.#scan = instance.exports.scan as ScanFn;
  }

  /**
   * Scans `bytes[start, end)` for candidate positions p: `(bytes[p] | orFirst) === first` and
   * `(bytes[p + m - 1] | orLast) === last` (bytes 0–255). Returns pairs (block, mask): bit j of
   * mask marks p = block + j, positions relative to `start`, ascending; a candidate may lie at or
   * past `end - m + 1` (callers check p + m ≤ end). The array is a view of the module's memory,
   * valid until the next call.
   */
  candidateBlocks(
    bytes: Uint8Array,
    start: number,
    end: number,
    m: number,
    first: number,
    last: number,
    orFirst: number,
    orLast: number,
  ): Int32Array {
    const len = end - start;
    if (len < m || m < 1) return new Int32Array(0);
    const outAt = (len + SLACK + 7) & ~7;
    const need = outAt + 8 * ((len >>> 4) + 2);
    const have = this.#memory.buffer.byteLength;
    if (have < need) this.#memory.grow(Math.ceil((need - have) / PAGE));
    const mem = new Uint8Array(this.#memory.buffer);
    mem.set(bytes.subarray(start, end), 0);
    mem.fill(0, len, len + SLACK);
    const blocks = this.#scan(0, len - m + 1, outAt, first, last, orFirst, orLast, m - 1);
    return new Int32Array(this.#memory.buffer, outAt, blocks * 2);
  }
}

let scanner: SimdScanner | null | undefined;

/** The shared scanner of this thread, or null where WebAssembly SIMD is not available. */
export function simdScanner(): SimdScanner | null {
  if (scanner === undefined) {
    try {
      scanner = wasm?.validate(MODULE) ? new SimdScanner(wasm) : null;
    } catch {
      scanner = null;
    }
  }
  return scanner;
}
