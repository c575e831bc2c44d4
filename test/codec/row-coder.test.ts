import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ByteWriter,
  createRowCodec,
  decodeRows,
  RowCodecError,
  RowFieldError,
  writeRow,
} from '../../src/codec/row-coder.js';
import { decimalToPlain } from '../../src/codec/row-coder-decimal.js';
import { type DataType, DataTypes as T, typeToString } from '../../src/types/data-types.js';
import { ALL_TYPES, arbValue, nullable } from '../exec/support/values.js';

function encode(types: DataType[], rows: unknown[][]): Uint8Array {
  const codec = createRowCodec(types);
  const w = new ByteWriter(16);
  for (const r of rows) writeRow(w, codec, r);
  return w.finish();
}

function decode(types: DataType[], bytes: Uint8Array): unknown[][] {
  const out: unknown[][] = [];
  decodeRows(bytes, types, (values) => out.push([...values]));
  return out;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

describe('row coder: Flink flatten-row format, pinned bytes', () => {
  it('writes mask, big-endian ints, int32-prefixed UTF-8, and a varint element length', () => {
    const bytes = encode([T.INT(), T.STRING(), T.DOUBLE(), T.BIGINT()], [[1, 'ab', null, -2n]]);
    // 0x13 = 19 bytes; mask 0x08 = field 2 null (bit 2 + 2 from the most significant end)
    expect(hex(bytes)).toBe(`13` + `08` + `00000001` + `00000002` + `6162` + `fffffffffffffffe`);
  });

  it('uses ceil((n + 2) / 8) mask bytes, most significant bit first after the two row-kind bits', () => {
    const types = Array.from({ length: 7 }, () => T.TINYINT());
    const bytes = encode(types, [[null, 1, 2, 3, 4, 5, null]]);
    // field 0 → bit 2 → 0x20; field 6 → bit 8 → second byte 0x80; then five int8 values
    expect(hex(bytes)).toBe(`07` + `2080` + `0102030405`);
    expect(hex(encode([], [[]]))).toBe('0100'); // no fields: one mask byte
  });

  it('encodes dates, times, timestamps (compact and with nanos), decimals, booleans, floats, bytes', () => {
    const types = [
      T.DATE(),
      T.TIME(3),
      T.TIMESTAMP(3),
      T.TIMESTAMP(6),
      T.DECIMAL(5, 2),
      T.BOOLEAN(),
      T.FLOAT(),
      T.BYTES(),
      T.SMALLINT(),
    ];
    const bytes = encode(types, [
      [19000, 3723004, 1000, 1.5, '12.3', true, 1.5, Uint8Array.of(0xde, 0xad), -2],
    ]);
    expect(hex(bytes)).toBe(
      // length 0x34 = 52: mask (11 bits → 2 bytes), then the fields
      '34' +
        '0000' +
        '00004a38' + // DATE 19000
        '0038cefc' + // TIME 3723004 ms
        '00000000000003e8' + // TIMESTAMP(3): 1000 ms
        '0000000000000001' +
        '0007a120' + // TIMESTAMP(6): 1 ms + 500000 ns
        '00000005' +
        Buffer.from('12.30').toString('hex') + // DECIMAL(5, 2) as text with 2 digits
        '01' +
        '3fc00000' + // FLOAT 1.5
        '00000002' +
        'dead' +
        'fffe',
    );
  });

  it('encodes arrays (1 = present), maps (1 = null value) and nested rows with their own mask', () => {
    const types = [
      T.ARRAY(T.INT()),
      T.MAP(T.STRING(), T.INT()),
      T.ROW([T.FIELD('x', T.INT()), T.FIELD('y', T.STRING())]),
    ];
    const bytes = encode(types, [[[1, null], new Map([['a', null]]), { x: null, y: 'z' }]]);
    expect(hex(bytes)).toBe(
      '1b' + // 27 bytes
        '00' +
        '00000002' +
        '01' +
        '00000001' +
        '00' + // [1, null]
        '00000001' +
        '00000001' +
        '61' +
        '01' + // {'a': null}
        '20' +
        '00000001' +
        '7a', // nested row: x null (0x20), y 'z'
    );
  });

  it('moves the body when the element needs a multi-byte varint length', () => {
    const long = 'a'.repeat(200);
    const bytes = encode(
      [T.STRING(), T.INT()],
      [
        [long, 7],
        ['b', 8],
      ],
    );
    // 1 + 4 + 200 + 4 = 209 = varint d1 01 (low 7 bits first, continuation bit set)
    expect(hex(bytes.subarray(0, 7))).toBe('d101' + '00' + '000000c8');
    expect(decode([T.STRING(), T.INT()], bytes)).toEqual([
      [long, 7],
      ['b', 8],
    ]);
  });

  it('reads decimals written with an exponent (Java BigDecimal.toString, Python str(Decimal))', () => {
    const w = new ByteWriter();
    w.u8(1 + 4 + 4);
    w.u8(0);
    w.ascii('1E-7');
    w.u8(1 + 4 + 5);
    w.u8(0);
    w.ascii('0E-10');
    expect(decode([T.DECIMAL(12, 8)], w.finish())).toEqual([['0.00000010'], ['0.00000000']]);
  });
});

describe('row coder: round trip of every type, nulls included (fast-check)', () => {
  for (const t of ALL_TYPES) {
    it(typeToString(t), () => {
      fc.assert(
        fc.property(fc.array(nullable(arbValue(t)), { maxLength: 20 }), (vals) => {
          const rows = vals.map((v) => [v]);
          expect(decode([t], encode([t], rows))).toEqual(rows);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('rows of random field lists', () => {
    const typesArb = fc.array(fc.constantFrom(...ALL_TYPES), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        typesArb.chain((types) =>
          fc.tuple(
            fc.constant(types),
            fc.array(fc.tuple(...types.map((t) => nullable(arbValue(t), 3))), { maxLength: 8 }),
          ),
        ),
        ([types, rows]) => {
          expect(decode(types, encode(types, rows as unknown[][]))).toEqual(rows);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('row coder: bad values and malformed bytes', () => {
  it('names the field, the type expected and the value that came', () => {
    const codec = createRowCodec([T.INT(), T.DOUBLE()]);
    const w = new ByteWriter();
    expect(() => writeRow(w, codec, [1, 'x'])).toThrow(RowFieldError);
    expect(() => writeRow(w, codec, [1, 'x'])).toThrow("field 1: expected DOUBLE, got string 'x'");
    expect(() => writeRow(w, codec, [2 ** 31, 1])).toThrow(
      'field 0: expected INT, got number 2147483648 (out of range)',
    );
    expect(() => writeRow(w, codec, [1.5, 1])).toThrow('field 0: expected INT, got number 1.5');
    expect(w.pos).toBe(0); // partial rows are dropped
    const dec = createRowCodec([T.DECIMAL(4, 2)]);
    expect(() => writeRow(w, dec, ['123.4'])).toThrow('out of range for DECIMAL(4, 2)');
    expect(() => writeRow(w, createRowCodec([T.BINARY(2)]), [Uint8Array.of(1)])).toThrow(
      'BINARY(2) holds exactly 2 bytes',
    );
  });

  it('rejects truncated elements, lying lengths and trailing garbage with RowCodecError', () => {
    const types = [T.INT(), T.STRING()];
    const good = encode(types, [[1, 'hello']]);
    for (let cut = 1; cut < good.length; cut++) {
      expect(() => decode(types, good.subarray(0, cut))).toThrow(RowCodecError);
    }
    const lying = Uint8Array.from(good);
    lying[8] = 0x7f; // string length byte → huge
    expect(() => decode(types, lying)).toThrow(RowCodecError);
    const longer = Uint8Array.from([good[0]! + 1, ...good.subarray(1), 0]);
    expect(() => decode(types, longer)).toThrow('row declared');
    const arr = Uint8Array.from([5, 0, 0x7f, 0xff, 0xff, 0xff]);
    expect(() => decode([T.ARRAY(T.INT())], arr)).toThrow('bad array length');
  });

  it('random bytes never crash with anything but RowCodecError', () => {
    const types = [
      T.INT(),
      T.STRING(),
      T.ARRAY(T.MAP(T.STRING(), T.BIGINT())),
      T.DECIMAL(10, 2),
      T.TIMESTAMP(6),
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decode(types, bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(RowCodecError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('decimalToPlain', () => {
  it('normalizes plain and exponent forms to exactly `scale` digits, rounding half up', () => {
    expect(decimalToPlain('12.3', 5, 2)).toBe('12.30');
    expect(decimalToPlain('-0.005', 5, 2)).toBe('-0.01');
    expect(decimalToPlain('0.004', 5, 2)).toBe('0.00');
    expect(decimalToPlain('-0.004', 5, 2)).toBe('0.00');
    expect(decimalToPlain('9.995', 5, 2)).toBe('10.00');
    expect(decimalToPlain('1.5E+3', 6, 1)).toBe('1500.0');
    expect(decimalToPlain(1e-7, 10, 8)).toBe('0.00000010');
    expect(decimalToPlain(42n, 5, 0)).toBe('42');
    expect(() => decimalToPlain('999.995', 5, 2)).toThrow('out of range for DECIMAL(5, 2)');
    expect(() => decimalToPlain('abc', 5, 2)).toThrow("expected DECIMAL(5, 2), got string 'abc'");
    expect(() => decimalToPlain(Number.NaN, 5, 2)).toThrow();
  });
});
