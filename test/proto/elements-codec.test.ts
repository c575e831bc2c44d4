import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeElements, encodeElements } from '../../src/proto/elements-codec.js';
import { Elements } from '../../src/proto/gen/org/apache/beam/model/fn_execution/v1/beam_fn_api.js';

const entry = fc.record({
  instructionId: fc.string({ maxLength: 12 }),
  transformId: fc.string({ maxLength: 20 }),
  parts: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 }),
  isLast: fc.boolean(),
});

function joined(parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

describe('Elements codec', () => {
  it('writes the bytes the generated codec reads', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 5 }), (entries) => {
        const decoded = Elements.decode(encodeElements(entries));
        expect(decoded.data.map((d) => ({ ...d, data: [...d.data] }))).toEqual(
          entries.map((e) => ({
            instructionId: e.instructionId,
            transformId: e.transformId,
            data: [...joined(e.parts)],
            isLast: e.isLast,
          })),
        );
        expect(encodeElements(entries)).toEqual(
          Buffer.from(
            Elements.encode({
              data: entries.map((e) => ({ ...e, data: joined(e.parts) })),
              timers: [],
            }).finish(),
          ),
        );
      }),
    );
  });

  it('reads what the generated codec writes, skipping timers, with zero-copy payloads', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 5 }), (entries) => {
        const buf = Buffer.from(
          Elements.encode({
            data: entries.map((e) => ({ ...e, data: joined(e.parts) })),
            timers: [
              {
                instructionId: 'x',
                transformId: 't',
                timerFamilyId: 'f',
                timers: new Uint8Array([1, 2]),
                isLast: true,
              },
            ],
          }).finish(),
        );
        const out = decodeElements(buf);
        expect(out.data.map((d) => ({ ...d, data: [...d.data] }))).toEqual(
          entries.map((e) => ({
            instructionId: e.instructionId,
            transformId: e.transformId,
            data: [...joined(e.parts)],
            isLast: e.isLast,
          })),
        );
        for (const d of out.data) if (d.data.length) expect(d.data.buffer).toBe(buf.buffer);
      }),
    );
  });

  it('rejects a truncated message', () => {
    const buf = encodeElements([
      { instructionId: '1', transformId: 't', parts: [new Uint8Array(50)], isLast: false },
    ]);
    expect(() => decodeElements(buf.subarray(0, buf.length - 3))).toThrow(/truncated/);
  });
});
