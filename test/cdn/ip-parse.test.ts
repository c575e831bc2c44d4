import { isIPv4 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpv4, parseIpv4Bytes, parseIpv4String, writeIpv4 } from '../../examples/cdn/ip-parse.js';

/** Reference: a regex for the accepted grammar, then the arithmetic on the split parts. */
function referenceParse(s: string): number {
  const octet = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
  if (!new RegExp(`^${octet}\\.${octet}\\.${octet}\\.${octet}$`).test(s)) return -1;
  return s.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
}

const enc = new TextEncoder();

/** Parses `s` from the middle of a larger buffer, as it sits in an Arrow column. */
function parseFromBytes(s: string): number {
  const body = enc.encode(s);
  const buf = new Uint8Array(body.length + 6);
  buf.set(enc.encode('9.9.'), 0);
  buf.set(body, 4);
  buf.set(enc.encode('.7'), 4 + body.length);
  return parseIpv4Bytes(buf, 4, 4 + body.length);
}

const octetText = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map(String),
  fc.integer({ min: 256, max: 99999 }).map(String),
  fc.integer({ min: 0, max: 99 }).map((n) => `0${n}`),
  fc.constantFrom('', '-1', '+1', 'a', ' 1', '1 ', '٣', '１'),
);
/** Dotted strings with 1–6 parts, most well-formed, plus arbitrary strings over the relevant alphabet. */
const candidates = fc.oneof(
  fc.array(octetText, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
  fc.tuple(fc.nat({ max: 0xffffffff })).map(([n]) => formatIpv4(n)),
  fc.string({ unit: fc.constantFrom(...'0123456789.'.split('')), maxLength: 18 }),
  fc.string({ maxLength: 20 }),
);

describe('IPv4 parsing', () => {
  it('agrees with the reference on valid and malformed strings, from bytes and from strings', () => {
    fc.assert(
      fc.property(candidates, (s) => {
        const expected = referenceParse(s);
        expect(parseIpv4String(s)).toBe(expected);
        expect(parseFromBytes(s)).toBe(expected);
        // Node's own validator accepts exactly the same strings (no leading zeros, no spaces).
        expect(expected >= 0).toBe(isIPv4(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('round-trips every address through its text', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (n) => {
        const text = formatIpv4(n);
        const buf = new Uint8Array(15);
        const end = writeIpv4(buf, 0, n);
        expect(new TextDecoder().decode(buf.subarray(0, end))).toBe(text);
        expect(parseIpv4String(text)).toBe(n);
        expect(parseIpv4Bytes(buf, 0, end)).toBe(n);
      }),
      { numRuns: 2000 },
    );
  });

  it('handles the edges', () => {
    expect(parseIpv4String('0.0.0.0')).toBe(0);
    expect(parseIpv4String('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4String('1.2.3.4')).toBe(0x01020304);
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.0.0.0',
      '1.2.3.04',
      '1..2.3',
      '1.2.3.4 ',
      '1.2.3.-4',
      '::1',
    ]) {
      expect(parseIpv4String(bad), bad).toBe(-1);
      expect(parseFromBytes(bad), bad).toBe(-1);
    }
  });
});
