import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InstructionRequest, InstructionResponse } from '../../src/proto/fn-api.js';
import { decodeInstructionResponse, encodeInstructionRequest } from '../../src/runner/control-codec.js';

/** Strings as they may come: empty, ASCII, any code point, a leading BOM, long ones. */
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ maxLength: 10 }).map((s) => `\uFEFF${s}`),
  fc.string({ minLength: 65, maxLength: 300 }),
);
const bytes = fc.uint8Array({ maxLength: 12 });
const labels = fc.dictionary(text, text, { maxKeys: 4 });

const monitoringInfo = fc.record({
  urn: text,
  type: text,
  payload: bytes,
  labels,
  startTime: fc.constant(undefined),
});

const processBundleResponse = fc.record({
  residualRoots: fc.constant([] as never[]),
  monitoringInfos: fc.array(monitoringInfo, { maxLength: 8 }),
  requiresFinalization: fc.boolean(),
  monitoringData: fc.dictionary(text, bytes, { maxKeys: 4 }),
  elements: fc.constant(undefined),
});

describe('runner control codec', () => {
  it('encodes a request to the bytes of the generated codec, process_bundle or not', () => {
    const request = fc.oneof(
      fc.record({
        instructionId: text,
        processBundle: fc.record({
          processBundleDescriptorId: text,
          cacheTokens: fc.constant([] as never[]),
        }),
      }),
      fc.record({
        instructionId: text,
        processBundle: fc.record({
          processBundleDescriptorId: text,
          cacheTokens: fc.constant([{ token: Uint8Array.of(1, 2), userState: {} }] as never[]),
        }),
      }),
      fc.record({ instructionId: text, processBundleProgress: fc.record({ instructionId: text }) }),
      fc.record({ instructionId: text, finalizeBundle: fc.record({ instructionId: text }) }),
    );
    fc.assert(
      fc.property(request, (r) => {
        const req = InstructionRequest.fromPartial(r);
        expect(Array.from(encodeInstructionRequest(req))).toEqual(
          Array.from(InstructionRequest.encode(req).finish()),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('decodes a response to what the generated codec decodes, process_bundle or not', () => {
    const response = fc.oneof(
      fc.record({ instructionId: text, error: text, processBundle: processBundleResponse }),
      fc.record({ instructionId: text, error: text }),
      fc.record({
        instructionId: text,
        processBundleProgress: fc.record({ monitoringInfos: fc.array(monitoringInfo, { maxLength: 2 }) }),
      }),
      fc.record({
        instructionId: text,
        processBundle: processBundleResponse.map((pb) => ({
          ...pb,
          monitoringInfos: pb.monitoringInfos.map((mi) => ({ ...mi, startTime: { seconds: 5, nanos: 1 } })),
        })),
      }),
    );
    fc.assert(
      fc.property(response, (r) => {
        const bytes = InstructionResponse.encode(InstructionResponse.fromPartial(r)).finish();
        expect(decodeInstructionResponse(bytes)).toEqual(InstructionResponse.decode(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('gives what the generated codec gives for any bytes: the same response, or an error', () => {
    const real = InstructionResponse.encode(
      InstructionResponse.fromPartial({
        instructionId: '12',
        processBundle: {
          monitoringInfos: [{ urn: 'u', type: 't', payload: Uint8Array.of(3), labels: { NAME: 'n' } }],
          monitoringData: { '1': Uint8Array.of(3) },
        },
      }),
    ).finish();
    const mutated = fc.tuple(fc.nat(real.length), fc.nat(255), fc.nat(real.length)).map(([at, v, cut]) => {
      const b = real.slice(0, Math.max(1, cut));
      if (at < b.length) b[at] = v;
      return b;
    });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 40 })), (b) => {
        let expected: unknown;
        try {
          expected = InstructionResponse.decode(b);
        } catch {
          expect(() => decodeInstructionResponse(b)).toThrow();
          return;
        }
        expect(decodeInstructionResponse(b)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
