/**
 * A reader for the small pickles Flink makes of SQL literals. Flink's planner sends a UDF's
 * constant argument as `Input.inputConstant` = one tag byte (0 plain, 1 DATE days, 2 TIME ms,
 * 3 TIMESTAMP ms) + the literal pickled by Pyrolite on the Java side (PyFlink unpickles it).
 * Only the opcodes a pickled null, boolean, integer, float, string, bytes or decimal.Decimal can
 * use are read; anything else (arbitrary classes, code) is refused, so a constant can never run
 * anything.
 *
 * Values come back tagged, because `2` and `2.0` must stay apart:
 * `{ kind: 'int', value: 7n }`, `{ kind: 'float', value: 0.5 }`, `{ kind: 'decimal', value: '1.50' }`, …
 *
 * @example
 * unpickle(Uint8Array.of(0x80, 0x02, 0x4b, 0x07, 0x2e)); // { kind: 'int', value: 7n }
 */

export type PickledValue =
  | { kind: 'none' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'str'; value: string }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'decimal'; value: string };

export class PickleError extends Error {
  override readonly name = 'PickleError';
}

type Item =
  | PickledValue
  | { kind: 'global'; name: string }
  | { kind: 'tuple'; items: Item[] }
  | { kind: 'mark' };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Decodes one pickle (protocols 0–5, the literal-sized subset described above). */
export function unpickle(bytes: Uint8Array): PickledValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: Item[] = [];
  const memo = new Map<number, Item>();
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > bytes.length) throw new PickleError(`pickle truncated at byte ${pos}`);
  };
  const take = (n: number) => {
    need(n);
    const b = bytes.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError('pickle truncated: missing newline');
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const pop = (): Item => {
    const v = stack.pop();
    if (v === undefined) throw new PickleError('pickle stack underflow');
    return v;
  };
  const popMark = (): Item[] => {
    const items: Item[] = [];
    for (;;) {
      const v = pop();
      if (v.kind === 'mark') return items.reverse();
      items.push(v);
    }
  };
  const littleEndian = (b: Uint8Array): bigint => {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b.length > 0 && b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v;
  };
  const str = (b: Uint8Array): Item => {
    try {
      return { kind: 'str', value: utf8.decode(b) };
    } catch {
      throw new PickleError('pickled string is not UTF-8');
    }
  };
  for (let steps = 0; steps < 10_000; steps++) {
    need(1);
    const op = bytes[pos++]!;
    switch (op) {
      case 0x80: // PROTO
        take(1);
        break;
      case 0x95: // FRAME
        take(8);
        break;
      case 0x2e: {
        // STOP
        const v = pop();
        if (v.kind === 'global' || v.kind === 'tuple' || v.kind === 'mark') {
          throw new PickleError('the pickle does not hold a literal value');
        }
        return v;
      }
      case 0x4e: // NONE
        stack.push({ kind: 'none' });
        break;
      case 0x88: // NEWTRUE
      case 0x89: // NEWFALSE
        stack.push({ kind: 'bool', value: op === 0x88 });
        break;
      case 0x4a: // BININT
        need(4);
        stack.push({ kind: 'int', value: BigInt(view.getInt32(pos, true)) });
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push({ kind: 'int', value: BigInt(take(1)[0]!) });
        break;
      case 0x4d: // BININT2
        need(2);
        stack.push({ kind: 'int', value: BigInt(view.getUint16(pos, true)) });
        pos += 2;
        break;
      case 0x49: {
        // INT (text); protocol 0 writes booleans as I01 / I00
        const s = line();
        if (s === '01' || s === '00') stack.push({ kind: 'bool', value: s === '01' });
        else if (/^-?\d+$/.test(s)) stack.push({ kind: 'int', value: BigInt(s) });
        else throw new PickleError(`bad INT '${s}'`);
        break;
      }
      case 0x4c: {
        // LONG (text, trailing L)
        const s = line().replace(/L$/, '');
        if (!/^-?\d+$/.test(s)) throw new PickleError(`bad LONG '${s}'`);
        stack.push({ kind: 'int', value: BigInt(s) });
        break;
      }
      case 0x8a: // LONG1
        stack.push({ kind: 'int', value: littleEndian(take(take(1)[0]!)) });
        break;
      case 0x8b: {
        // LONG4
        const n = u32();
        if (n > 64) throw new PickleError('integer constant too large');
        stack.push({ kind: 'int', value: littleEndian(take(n)) });
        break;
      }
      case 0x47: // BINFLOAT
        need(8);
        stack.push({ kind: 'float', value: view.getFloat64(pos, false) });
        pos += 8;
        break;
      case 0x46: // FLOAT (text)
        stack.push({ kind: 'float', value: Number(line()) });
        break;
      case 0x58: // BINUNICODE
        stack.push(str(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(str(take(take(1)[0]!)));
        break;
      case 0x8d: {
        // BINUNICODE8
        need(8);
        const n = Number(view.getBigUint64(pos, true));
        pos += 8;
        stack.push(str(take(n)));
        break;
      }
      case 0x56: // UNICODE (raw-unicode-escape text; plain ASCII in practice)
        stack.push({ kind: 'str', value: line() });
        break;
      case 0x54: // BINSTRING
        stack.push({ kind: 'str', value: latin1.decode(take(u32())) });
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push({ kind: 'str', value: latin1.decode(take(take(1)[0]!)) });
        break;
      case 0x42: // BINBYTES
        stack.push({ kind: 'bytes', value: take(u32()).slice() });
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push({ kind: 'bytes', value: take(take(1)[0]!).slice() });
        break;
      case 0x63: // GLOBAL
        stack.push({ kind: 'global', name: `${line()}.${line()}` });
        break;
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const mod = pop();
        if (mod.kind !== 'str' || name.kind !== 'str') throw new PickleError('bad STACK_GLOBAL');
        stack.push({ kind: 'global', name: `${mod.value}.${name.value}` });
        break;
      }
      case 0x28: // MARK
        stack.push({ kind: 'mark' });
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push({ kind: 'tuple', items: [] });
        break;
      case 0x74: // TUPLE
        stack.push({ kind: 'tuple', items: popMark() });
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const n = op - 0x84;
        const items = stack.splice(stack.length - n, n);
        if (items.length !== n) throw new PickleError('pickle stack underflow');
        stack.push({ kind: 'tuple', items });
        break;
      }
      case 0x52: {
        // REDUCE: only the constructors a literal needs
        const args = pop();
        const fn = pop();
        if (fn.kind !== 'global' || args.kind !== 'tuple') throw new PickleError('bad REDUCE');
        stack.push(construct(fn.name, args.items));
        break;
      }
      case 0x71: // BINPUT
        memo.set(take(1)[0]!, stack[stack.length - 1]!);
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), stack[stack.length - 1]!);
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, stack[stack.length - 1]!);
        break;
      case 0x70: // PUT
        memo.set(Number(line()), stack[stack.length - 1]!);
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const k = op === 0x68 ? take(1)[0]! : op === 0x6a ? u32() : Number(line());
        const v = memo.get(k);
        if (v === undefined) throw new PickleError(`pickle memo ${k} is not set`);
        stack.push(v);
        break;
      }
      default:
        throw new PickleError(`pickle opcode 0x${op.toString(16)} is not supported in a constant`);
    }
  }
  throw new PickleError('pickle too long for a constant');
}

function construct(name: string, args: Item[]): Item {
  const a0 = args[0];
  if (name === 'decimal.Decimal' && a0?.kind === 'str') {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(a0.value)) {
      throw new PickleError(`Decimal('${a0.value}') is not a finite decimal`);
    }
    return { kind: 'decimal', value: a0.value };
  }
  // Python 2/3 ways of pickling bytes: bytearray(str, 'latin-1'), _codecs.encode(str, 'latin1'), bytes(...)
  if (
    (name === '__builtin__.bytearray' || name === 'builtins.bytearray' || name === '_codecs.encode') &&
    a0?.kind === 'str'
  ) {
    return { kind: 'bytes', value: Uint8Array.from(a0.value, (c) => c.charCodeAt(0) & 0xff) };
  }
  if (
    (name === '__builtin__.bytes' || name === 'builtins.bytes' || name === 'builtins.bytearray') &&
    (a0 === undefined || a0.kind === 'bytes')
  ) {
    return { kind: 'bytes', value: a0?.kind === 'bytes' ? a0.value : new Uint8Array(0) };
  }
  throw new PickleError(`pickled ${name}(…) is not a literal vecudf reads`);
}
