/**
 * Just enough of a WebAssembly assembler to write small SIMD kernels as opcode arrays in
 * TypeScript (JS has no SIMD; a binary file would need a build step). Each helper returns the
 * bytes of one instruction; a function body is the concatenation. Only what the string kernels
 * use is here.
 *
 * @example
 * const body = fn([[2, I32]], [...get(0), ...get(1), ...I32_ADD]); // (a, b) => a + b
 * const bytes = wasmModule([{ params: 2, results: 1, body, name: 'add' }]);
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const simd = (op: number): number[] => [0xfd, ...uleb(op)];

// control
export const BLOCK = [0x02, 0x40];
export const LOOP = [0x03, 0x40];
export const IF = [0x04, 0x40];
export const ELSE = [0x05];
export const END = [0x0b];
export const RETURN = [0x0f];
export const br = (depth: number) => [0x0c, ...uleb(depth)];
export const brIf = (depth: number) => [0x0d, ...uleb(depth)];

/** Pops c, b, a; pushes c ? a : b (a conditional move, no branch). */
export const SELECT = [0x1b];

// locals
export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
export const tee = (i: number) => [0x22, ...uleb(i)];

// i32
export const i32 = (v: number) => [0x41, ...sleb(v)];
/** i32.load with a constant byte offset (alignment hint 4). */
export const I32_LOAD = (offset = 0) => [0x28, 0x02, ...uleb(offset)];
export const I32_LOAD8_U = (offset = 0) => [0x2d, 0x00, ...uleb(offset)];
export const I32_LOAD16_U = (offset = 0) => [0x2f, 0x01, ...uleb(offset)];
export const I32_STORE = (offset = 0) => [0x36, 0x02, ...uleb(offset)];
export const I32_STORE8 = (offset = 0) => [0x3a, 0x00, ...uleb(offset)];
export const I32_STORE16 = (offset = 0) => [0x3b, 0x01, ...uleb(offset)];
export const I32_EQZ = [0x45];
export const I32_EQ = [0x46];
export const I32_NE = [0x47];
export const I32_LT_S = [0x48];
export const I32_LT_U = [0x49];
export const I32_GE_S = [0x4e];
export const I32_GT_U = [0x4b];
export const I32_LE_U = [0x4d];
export const I32_GE_U = [0x4f];
export const I32_CTZ = [0x68];
export const I32_POPCNT = [0x69];
export const I32_ADD = [0x6a];
export const I32_SUB = [0x6b];
export const I32_AND = [0x71];
export const I32_OR = [0x72];
export const I32_XOR = [0x73];
export const I32_SHL = [0x74];
export const I32_SHR_U = [0x76];
export const I32_ROTL = [0x77];

// i64
/** i64.const (values within ±2^31, enough for masks and shift counts here). */
export const i64 = (v: number) => [0x42, ...sleb(v)];
export const I64_EQZ = [0x50];
export const I64_CTZ = [0x7a];
export const I64_POPCNT = [0x7b];
export const I64_SUB = [0x7d];
export const I64_AND = [0x83];
export const I64_OR = [0x84];
export const I64_SHL = [0x86];
export const I32_WRAP_I64 = [0xa7];
export const I64_EXTEND_I32_U = [0xad];

// v128
/** v128.load with a constant byte offset (alignment hint 1: addresses are unaligned). */
export const V128_LOAD = (offset = 0) => [...simd(0x00), 0x00, ...uleb(offset)];
export const V128_CONST0 = [...simd(0x0c), ...new Array<number>(16).fill(0)];
/**
 * Pops b, a; lane i of the result is byte `lanes[i]` of a followed by b (0–31). Lanes k…k+15 take
 * the 16 bytes from byte k of a on (x64: one `palignr`).
 */
export const i8x16Shuffle = (lanes: readonly number[]) => [...simd(0x0d), ...lanes];
export const I8X16_SPLAT = simd(0x0f);
export const I8X16_EQ = simd(0x23);
/** Pops a shift count (i32) and a vector; shifts each byte left. */
export const I8X16_SHL = simd(0x6b);
export const V128_AND = simd(0x4e);
export const V128_OR = simd(0x50);
export const V128_ANY_TRUE = simd(0x53);
export const I8X16_ALL_TRUE = simd(0x63);
export const I8X16_BITMASK = simd(0x64);
export const I32X4_NE = simd(0x38);
export const I32X4_LT_S = simd(0x39);
export const I32X4_GT_S = simd(0x3b);
export const I32X4_SUB = simd(0xb1);
export const I32X4_SPLAT = simd(0x11);
export const I32X4_EXTRACT_LANE = (lane: number) => [...simd(0x1b), lane];
export const I32X4_BITMASK = simd(0xa4);
/** Pops b, a; the 16 bytes of a then b, each i16 lane saturated to a signed byte. */
export const I8X16_NARROW_I16X8_S = simd(0x65);
/** Pops b, a; the 8 halfwords of a then b, each i32 lane saturated to a signed halfword. */
export const I16X8_NARROW_I32X4_S = simd(0x85);

/** A function body: local declarations as (count, type) groups, then the code. */
export function fn(locals: readonly (readonly [number, number])[], code: readonly number[]): number[] {
  const decl = [...uleb(locals.length)];
  for (const [count, type] of locals) decl.push(...uleb(count), type);
  const body = [...decl, ...code, ...END];
  return [...uleb(body.length), ...body];
}

/** One exported function taking `params` i32 and returning `results` (0 or 1) i32. */
export interface WasmFunction {
  name: string;
  params: number;
  results: number;
  /** From `fn`. */
  body: number[];
}

const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

/** A module importing its memory as `env.mem` and exporting the functions. */
export function wasmModule(fns: readonly WasmFunction[]): Uint8Array {
  const types = fns.map((f) => [
    0x60,
    ...uleb(f.params),
    ...new Array<number>(f.params).fill(I32),
    ...uleb(f.results),
    ...new Array<number>(f.results).fill(I32),
  ]);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]])), // memory, min 1 page
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => f.body))),
  ]);
}

/** The part of the WebAssembly JS API used here (the project's TypeScript lib has no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (d: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/**
 * Instantiates `bytes` over a fresh memory: its exports and the memory, or null where the host
 * has no WebAssembly or rejects the module (no SIMD).
 */
export function instantiate(
  bytes: Uint8Array,
): { exports: Record<string, unknown>; memory: WasmMemory } | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    if (!api?.validate(bytes)) return null;
    const memory = new api.Memory({ initial: 1 });
    const instance = new api.Instance(new api.Module(bytes), { env: { mem: memory } });
    return { exports: instance.exports, memory };
  } catch {
    return null;
  }
}
