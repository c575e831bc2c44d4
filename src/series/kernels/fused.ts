/**
 * Fused, lazily evaluated float arithmetic.
 *
 * `a.mul(2).add(b)` on FLOAT / DOUBLE results does not compute `a * 2` into a column of its own:
 * each operator returns a Series holding an expression tree over its input columns, and the tree
 * is evaluated once, when the result is first read. Evaluation goes through the rows in blocks of
 * {@link BLOCK}: every node computes its block into a small scratch array that stays in the L1
 * cache, and the root writes straight into the output column. So a chain of k operators costs one
 * pass over memory instead of k passes and k intermediate columns, and each inner loop is a plain
 * monomorphic Float64Array loop (the cost of a hand-written loop, design.md §6).
 *
 * Only float results are fused: they cannot fail (no overflow, no null from division), so
 * deferring them never delays an error. Nulls: a result row is null when any input column's row is
 * null (the validity bitmaps are ANDed word by word at evaluation).
 *
 * @example
 * const e = binary('add', binary('mul', leaf(a), constant(2), 'f64'), leaf(b), 'f64');
 * const v = evaluate(e, a.length); // an arrow Vector<Float64>
 */
import * as arrow from 'apache-arrow';
import { andValidity, type BitsAt } from '../bitmap.js';
import type { ArithOp, UnaryOp } from './arithmetic.js';
import { TWO32 } from './int64.js';
import { allocFloat64, fixedVector, type NumKind, numKind, vectorValidity, vectorValues } from './layout.js';

/** Rows per block; 1024 doubles = 8 KiB of scratch per node. */
export const BLOCK = 1024;

/** Trees larger than this are evaluated in parts (a bound on scratch and on recursion). */
export const MAX_NODES = 48;

/** A node of a float expression. `kind` is the node's result kind (`f32` rounds to float32). */
export type Expr =
  | { readonly t: 'leaf'; readonly vector: arrow.Vector; readonly kind: NumKind; readonly size: 1 }
  | { readonly t: 'const'; readonly value: number; readonly kind: NumKind; readonly size: 1 }
  | {
      readonly t: 'bin';
      readonly op: ArithOp;
      readonly left: Expr;
      readonly right: Expr;
      readonly kind: 'f32' | 'f64';
      readonly size: number;
    }
  | {
      readonly t: 'un';
      readonly op: UnaryOp;
      readonly arg: Expr;
      readonly kind: 'f32' | 'f64';
      readonly size: number;
    };

/** A column leaf (any signed integer or float column). */
export function leaf(vector: arrow.Vector): Expr {
  const kind = numKind(vector.type);
  if (!kind) throw new TypeError(`fused arithmetic needs a numeric column, got ${vector.type}`);
  return { t: 'leaf', vector, kind, size: 1 };
}

/** A scalar leaf. */
export function constant(value: number, kind: NumKind = 'f64'): Expr {
  return { t: 'const', value, kind, size: 1 };
}

/** A binary node whose result kind is `kind`. */
export function binary(op: ArithOp, left: Expr, right: Expr, kind: 'f32' | 'f64'): Expr {
  return { t: 'bin', op, left, right, kind, size: 1 + left.size + right.size };
}

/** A unary node (neg, abs). */
export function unary(op: UnaryOp, arg: Expr, kind: 'f32' | 'f64'): Expr {
  return { t: 'un', op, arg, kind, size: 1 + arg.size };
}

/** Evaluates a float expression over `n` rows into a one-chunk Float32 or Float64 vector. */
export function evaluate(root: Expr, n: number): arrow.Vector {
  if (root.t !== 'bin' && root.t !== 'un') throw new TypeError('evaluate: the root must be an operator');
  const leaves = new Set<arrow.Vector>();
  collectLeaves(root, leaves);
  for (const v of leaves) {
    if (v.length !== n) throw new RangeError(`column of ${v.length} rows in an expression over ${n} rows`);
  }
  const validity = andValidity(
    [...leaves].map((v): BitsAt | null => vectorValidity(v)),
    n,
  );
  const program = compile(root);
  const out64 = root.kind === 'f64' ? allocFloat64(n) : null;
  const out32 = root.kind === 'f32' ? new Float32Array(n) : null;
  for (let start = 0; start < n; start += BLOCK) {
    const len = Math.min(BLOCK, n - start);
    if (out64) {
      program.run(start, len, out64, start);
    } else {
      const r = program.run(start, len, null, 0);
      out32!.set(r.arr.subarray(r.off, r.off + len), start);
    }
  }
  return fixedVector(out64 ? new arrow.Float64() : new arrow.Float32(), out64 ?? out32!, n, validity);
}

function collectLeaves(e: Expr, into: Set<arrow.Vector>): void {
  if (e.t === 'leaf') into.add(e.vector);
  else if (e.t === 'bin') {
    collectLeaves(e.left, into);
    collectLeaves(e.right, into);
  } else if (e.t === 'un') collectLeaves(e.arg, into);
}

/** Where a node's block lives after `run`: `arr[off, off + len)`. */
interface Block {
  arr: Float64Array;
  off: number;
}

/** A compiled node: computes rows `[start, start + len)` into `out` (or its scratch when null). */
interface Node {
  run(start: number, len: number, out: Float64Array | null, outOff: number): Block;
}

function compile(e: Expr): Node {
  switch (e.t) {
    case 'leaf':
      return compileLeaf(e.vector, e.kind);
    case 'const':
      return new ConstNode(e.value);
    case 'un':
      return new UnaryNode(e.op, compile(e.arg), e.kind === 'f32');
    case 'bin': {
      const round = e.kind === 'f32';
      if (e.right.t === 'const') return new ScalarRightNode(e.op, compile(e.left), e.right.value, round);
      if (e.left.t === 'const') return new ScalarLeftNode(e.op, e.left.value, compile(e.right), round);
      return new BinaryNode(e.op, compile(e.left), compile(e.right), round);
    }
  }
}

function compileLeaf(vector: arrow.Vector, kind: NumKind): Node {
  const values = vectorValues(vector);
  if (values instanceof Float64Array) return new Float64Leaf(values);
  if (kind === 'i64') return new Int64Leaf(values as BigInt64Array);
  return new ConvertLeaf(values as ArrayLike<number> as Int32Array);
}

class Float64Leaf implements Node {
  private readonly block: Block;
  constructor(values: Float64Array) {
    this.block = { arr: values, off: 0 };
  }
  run(start: number): Block {
    this.block.off = start;
    return this.block;
  }
}

/** Leaves of other kinds convert their block into scratch (TypedArray.set converts natively). */
class ConvertLeaf implements Node {
  private readonly block: Block = { arr: new Float64Array(BLOCK), off: 0 };
  constructor(private readonly values: Int32Array | Int16Array | Int8Array | Float32Array) {}
  run(start: number, len: number): Block {
    this.block.arr.set(this.values.subarray(start, start + len));
    return this.block;
  }
}

class Int64Leaf implements Node {
  private readonly block: Block = { arr: new Float64Array(BLOCK), off: 0 };
  private readonly words: Int32Array;
  constructor(values: BigInt64Array) {
    this.words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  }
  run(start: number, len: number): Block {
    const w = this.words;
    const s = this.block.arr;
    for (let i = 0; i < len; i++) {
      const j = 2 * (start + i);
      s[i] = w[j + 1]! * TWO32 + (w[j]! >>> 0);
    }
    return this.block;
  }
}

/** Used only when both operands of a node are constants (folded by the caller otherwise). */
class ConstNode implements Node {
  private readonly block: Block;
  constructor(value: number) {
    this.block = { arr: new Float64Array(BLOCK).fill(value), off: 0 };
  }
  run(): Block {
    return this.block;
  }
}

/** Where a node writes: the caller's output, or its own scratch. */
function target(scratch: Block, out: Float64Array | null, outOff: number): Block {
  if (out === null) return scratch;
  return { arr: out, off: outOff };
}

class BinaryNode implements Node {
  private readonly scratch: Block = { arr: new Float64Array(BLOCK), off: 0 };
  private readonly kernel: BinKernel;
  constructor(
    op: ArithOp,
    private readonly left: Node,
    private readonly right: Node,
    private readonly round: boolean,
  ) {
    this.kernel = BIN[op];
  }
  run(start: number, len: number, out: Float64Array | null, outOff: number): Block {
    const a = this.left.run(start, len, null, 0);
    const b = this.right.run(start, len, null, 0);
    const t = target(this.scratch, out, outOff);
    this.kernel(a.arr, a.off, b.arr, b.off, t.arr, t.off, len);
    if (this.round) fround(t.arr, t.off, len);
    return t;
  }
}

class ScalarRightNode implements Node {
  private readonly scratch: Block = { arr: new Float64Array(BLOCK), off: 0 };
  private readonly kernel: ScalarKernel;
  constructor(
    op: ArithOp,
    private readonly left: Node,
    private readonly s: number,
    private readonly round: boolean,
  ) {
    this.kernel = RIGHT[op];
  }
  run(start: number, len: number, out: Float64Array | null, outOff: number): Block {
    const a = this.left.run(start, len, null, 0);
    const t = target(this.scratch, out, outOff);
    this.kernel(a.arr, a.off, this.s, t.arr, t.off, len);
    if (this.round) fround(t.arr, t.off, len);
    return t;
  }
}

class ScalarLeftNode implements Node {
  private readonly scratch: Block = { arr: new Float64Array(BLOCK), off: 0 };
  private readonly kernel: ScalarKernel;
  constructor(
    op: ArithOp,
    private readonly s: number,
    private readonly right: Node,
    private readonly round: boolean,
  ) {
    this.kernel = LEFT[op];
  }
  run(start: number, len: number, out: Float64Array | null, outOff: number): Block {
    const b = this.right.run(start, len, null, 0);
    const t = target(this.scratch, out, outOff);
    this.kernel(b.arr, b.off, this.s, t.arr, t.off, len);
    if (this.round) fround(t.arr, t.off, len);
    return t;
  }
}

class UnaryNode implements Node {
  private readonly scratch: Block = { arr: new Float64Array(BLOCK), off: 0 };
  constructor(
    private readonly op: UnaryOp,
    private readonly arg: Node,
    private readonly round: boolean,
  ) {}
  run(start: number, len: number, out: Float64Array | null, outOff: number): Block {
    const a = this.arg.run(start, len, null, 0);
    const t = target(this.scratch, out, outOff);
    if (this.op === 'neg') neg(a.arr, a.off, t.arr, t.off, len);
    else abs(a.arr, a.off, t.arr, t.off, len);
    if (this.round) fround(t.arr, t.off, len);
    return t;
  }
}

type BinKernel = (
  x: Float64Array,
  xo: number,
  y: Float64Array,
  yo: number,
  o: Float64Array,
  oo: number,
  n: number,
) => void;
type ScalarKernel = (x: Float64Array, xo: number, s: number, o: Float64Array, oo: number, n: number) => void;

// One small loop per operator and operand shape, so that each stays monomorphic.

const BIN: Record<ArithOp, BinKernel> = {
  add: (x, xo, y, yo, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = x[xo + i]! + y[yo + i]!;
  },
  sub: (x, xo, y, yo, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = x[xo + i]! - y[yo + i]!;
  },
  mul: (x, xo, y, yo, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = x[xo + i]! * y[yo + i]!;
  },
  div: (x, xo, y, yo, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = x[xo + i]! / y[yo + i]!;
  },
  mod: (x, xo, y, yo, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = x[xo + i]! % y[yo + i]!;
  },
  pow: (x, xo, y, yo, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = x[xo + i]! ** y[yo + i]!;
  },
};

/** `x op s` */
const RIGHT: Record<ArithOp, ScalarKernel> = {
  add: (x, xo, s, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = x[xo + i]! + s;
  },
  sub: (x, xo, s, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = x[xo + i]! - s;
  },
  mul: (x, xo, s, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = x[xo + i]! * s;
  },
  div: (x, xo, s, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = x[xo + i]! / s;
  },
  mod: (x, xo, s, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = x[xo + i]! % s;
  },
  pow: (x, xo, s, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = x[xo + i]! ** s;
  },
};

/** `s op x` */
const LEFT: Record<ArithOp, ScalarKernel> = {
  add: (x, xo, s, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = s + x[xo + i]!;
  },
  sub: (x, xo, s, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = s - x[xo + i]!;
  },
  mul: (x, xo, s, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = s * x[xo + i]!;
  },
  div: (x, xo, s, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = s / x[xo + i]!;
  },
  mod: (x, xo, s, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = s % x[xo + i]!;
  },
  pow: (x, xo, s, o, oo, n) => {
    for (let i = 0; i < n; i++) o[oo + i] = s ** x[xo + i]!;
  },
};

function neg(x: Float64Array, xo: number, o: Float64Array, oo: number, n: number): void {
  for (let i = 0; i < n; i++) o[oo + i] = -x[xo + i]!;
}

function abs(x: Float64Array, xo: number, o: Float64Array, oo: number, n: number): void {
  for (let i = 0; i < n; i++) o[oo + i] = Math.abs(x[xo + i]!);
}

/** Rounds a block to float32, as storing each FLOAT intermediate would. */
function fround(x: Float64Array, xo: number, n: number): void {
  for (let i = 0; i < n; i++) x[xo + i] = Math.fround(x[xo + i]!);
}
