import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeElements,
  encodeElements,
  GRPC_JS_MESSAGE_OFFSET,
  type PartWriter,
} from '../../src/proto/elements-codec.js';
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

  it('pads aligned parts into entries of their own whose content lands 8-byte aligned at the receiver', () => {
    // an aligned part: a prefix of 1–5 bytes, then content; unaligned parts may follow it
    const aligned = fc.record({
      prefix: fc.uint8Array({ minLength: 1, maxLength: 5 }),
      content: fc.uint8Array({ minLength: 1, maxLength: 200 }),
    });
    const outgoing = fc.record({
      instructionId: fc.string({ maxLength: 12 }),
      transformId: fc.string({ maxLength: 20 }),
      parts: fc.array(fc.oneof(aligned, fc.uint8Array({ maxLength: 50 })), { maxLength: 5 }),
      isLast: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(outgoing, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 7 }),
        (ds, base) => {
          const data = ds.map((d) => ({
            ...d,
            parts: d.parts.map((p) => {
              if (p instanceof Uint8Array) return p;
              const w: PartWriter = {
                size: p.prefix.length + p.content.length,
                alignAt: p.prefix.length,
                write(out, pos) {
                  out.set(p.prefix, pos);
                  out.set(p.content, pos + p.prefix.length);
                  return pos + p.prefix.length + p.content.length;
                },
              };
              return w;
            }),
          }));
          const msg = encodeElements(data, undefined, { alignFor: base });
          // by default, aligned for grpc-js receivers
          expect(encodeElements(data, undefined, { alignFor: GRPC_JS_MESSAGE_OFFSET })).toEqual(
            encodeElements(data),
          );
          // the receiver's view: the message at `base` of an 8-aligned buffer
          const recv = Buffer.from(new ArrayBuffer(msg.length + 8), base, msg.length);
          msg.copy(recv);
          const got = decodeElements(recv).data;
          // per outgoing entry: the same bytes, is_last only on its last Data entry
          let k = 0;
          for (const d of ds) {
            const want = joined(
              d.parts.map((p) => (p instanceof Uint8Array ? p : joined([p.prefix, p.content]))),
            );
            const pieces: Uint8Array[] = [];
            const firstOf = k;
            const entries = 1 + d.parts.filter((p, i) => i > 0 && !(p instanceof Uint8Array)).length;
            for (let e = 0; e < entries; e++, k++) {
              const g = got[k]!;
              expect(g.instructionId).toBe(d.instructionId);
              expect(g.transformId).toBe(d.transformId);
              expect(g.isLast).toBe(d.isLast && e === entries - 1);
              pieces.push(g.data);
            }
            expect([...joined(pieces)]).toEqual([...want]);
            // every aligned part starts an entry; its content is 8-aligned in the receiver's buffer
            let entry = firstOf;
            d.parts.forEach((p, i) => {
              if (i > 0 && !(p instanceof Uint8Array)) entry++;
              if (!(p instanceof Uint8Array) && (i > 0 || entry === firstOf)) {
                const g = got[entry]!;
                expect((g.data.byteOffset + p.prefix.length) % 8).toBe(0);
              }
            });
          }
          expect(got.length).toBe(k);
          // the generated codec reads the same entries (the padding field is skipped)
          expect(Elements.decode(msg).data.length).toBe(k);
        },
      ),
    );
  });

  it('rejects a truncated message', () => {
    const buf = encodeElements([
      { instructionId: '1', transformId: 't', parts: [new Uint8Array(50)], isLast: false },
    ]);
    expect(() => decodeElements(buf.subarray(0, buf.length - 3))).toThrow(/truncated/);
  });
});
