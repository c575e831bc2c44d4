/**
 * Flink's pickled SQL literals. The expected bytes were produced by CPython's
 * `pickle.dumps(value, 2)` (protocol 2, what Pyrolite writes) and `pickle.dumps(value, 4)`.
 */
import { describe, expect, it } from 'vitest';
import { PickleError, unpickle } from '../../src/harness/pickle.js';
import { pickledConstant } from '../../src/harness/pickled-constant.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const tagged = (tag: number, h: string) => Uint8Array.of(tag, ...hex(h));

describe('unpickle', () => {
  it('reads the literals CPython and Pyrolite pickle', () => {
    expect(unpickle(hex('80024b072e'))).toEqual({ kind: 'int', value: 7n });
    expect(unpickle(hex('80024affffffff2e'))).toEqual({ kind: 'int', value: -1n });
    expect(unpickle(hex('80028a060000000000012e'))).toEqual({ kind: 'int', value: 2n ** 40n });
    expect(unpickle(hex('80028a0800000000000000802e'))).toEqual({ kind: 'int', value: -(2n ** 63n) });
    expect(unpickle(hex('80024740000000000000002e'))).toEqual({ kind: 'float', value: 2 });
    expect(unpickle(hex('8002882e'))).toEqual({ kind: 'bool', value: true });
    expect(unpickle(hex('80024e2e'))).toEqual({ kind: 'none' });
    expect(unpickle(hex('8002580600000068c3a96c6c6f71002e'))).toEqual({ kind: 'str', value: 'héllo' });
    expect(
      unpickle(hex('800263646563696d616c0a446563696d616c0a71005804000000312e353071018571025271032e')),
    ).toEqual({
      kind: 'decimal',
      value: '1.50',
    });
    const bytes = unpickle(
      hex(
        '8002635f636f646563730a656e636f64650a7100580500000000c3bf6162710158060000006c6174696e3171028671035271042e',
      ),
    );
    expect(bytes.kind === 'bytes' && [...bytes.value]).toEqual([0, 0xff, 0x61, 0x62]);
    expect(unpickle(hex('80049507000000000000008c03787878942e'))).toEqual({ kind: 'str', value: 'xxx' });
  });

  it('refuses anything that is not a literal', () => {
    // os.system('x'): GLOBAL + REDUCE of a callable that is not a literal constructor
    const evil = hex('8002636f730a73797374656d0a58010000007885522e');
    expect(() => unpickle(evil)).toThrow(PickleError);
    expect(() => unpickle(hex('80027d2e'))).toThrow(/opcode 0x7d/); // EMPTY_DICT
    expect(() => unpickle(hex('80024b'))).toThrow(/truncated/);
  });
});

describe("Flink's pickled constants → plan constants", () => {
  it('types the literal as SQL does', () => {
    expect(pickledConstant(tagged(0, '80024b072e'))).toEqual({ constant: 7, type: 'INT' });
    expect(pickledConstant(tagged(0, '80028a060000000000012e'))).toEqual({
      constant: '1099511627776',
      type: 'BIGINT',
    });
    expect(pickledConstant(tagged(0, '8002473fe00000000000002e'))).toEqual({ constant: 0.5, type: 'DOUBLE' });
    expect(
      pickledConstant(
        tagged(0, '800263646563696d616c0a446563696d616c0a710058050000002d302e303371018571025271032e'),
      ),
    ).toEqual({ constant: '-0.03', type: 'DECIMAL(2, 2)' });
    expect(pickledConstant(tagged(0, '80024e2e'))).toEqual({ constant: null, type: 'NULL' });
    // DATE 18000 (days), TIME 3600000 ms, TIMESTAMP ms
    expect(pickledConstant(tagged(1, '80024d50462e'))).toEqual({ constant: 18000, type: 'DATE' });
    expect(pickledConstant(tagged(2, '80024a80ee36002e'))).toEqual({ constant: 3_600_000, type: 'TIME(3)' });
    expect(pickledConstant(tagged(3, '80028a0600e8665e6f012e'))).toEqual({
      constant: 1_577_836_800_000,
      type: 'TIMESTAMP(3)',
    });
  });
});
