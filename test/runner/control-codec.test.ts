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

  it('decodes the infos a worker sends again (other counts, same strings) as the generated codec does', () => {
    const labels = {
      PTRANSFORM: 'transform',
      NAMESPACE: '["vecudf","plus","result"]',
      NAME: 'udf_ns',
    };
    const response = (id: string, counts: number[], extra: Record<string, string> = {}) =>
      InstructionResponse.encode(
        InstructionResponse.fromPartial({
          instructionId: id,
          processBundle: {
            monitoringInfos: counts.map((n, i) => ({
              urn: 'beam:metric:user:sum_int64:v1',
              type: 'beam:metrics:sum_int64:v1',
              payload: Uint8Array.of(n & 0x7f, ...(n > 127 ? [n >> 7] : [])),
              labels: { ...labels, NAME: `m${i}`, ...extra },
            })),
          },
        }),
      ).finish();
    const check = (bytes: Uint8Array) => {
      const got = decodeInstructionResponse(bytes);
      expect(got).toEqual(InstructionResponse.decode(bytes));
      return got.processBundle!.monitoringInfos;
    };
    const first = check(response('1', [1, 2, 3]));
    // the same infos again with other counts (one payload a byte longer): same labels object, frozen
    const again = check(response('2', [5, 200, 7]));
    expect(again[0]!.labels).toBe(first[0]!.labels);
    expect(Object.isFrozen(again[1]!.labels)).toBe(true);
    expect(again[1]!.payload).toEqual(Uint8Array.of(200 & 0x7f, 1));
    // a label of the same length but other bytes, a longer one, infos in another order: decoded anew
    for (const bytes of [
      response('3', [1, 2, 3], { PTRANSFORM: 'transfore' }),
      response('4', [1, 2, 3], { PTRANSFORM: 'transform2' }),
      response('5', [4], { NAME: 'm2' }),
    ]) {
      const infos = check(bytes);
      expect(infos[0]!.labels).not.toBe(first[0]!.labels);
    }
    // arbitrary responses in between leave what is decoded right
    fc.assert(
      fc.property(fc.array(fc.nat(300), { minLength: 1, maxLength: 4 }), fc.boolean(), (counts, other) => {
        check(response('6', counts, other ? { NAMESPACE: 'x' } : {}));
      }),
      { numRuns: 200 },
    );
  });
});
