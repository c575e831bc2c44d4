/**
 * Malformed input for the Arrow decoders: truncation at every length, random bytes, flipped
 * bytes, lying length fields, wrong markers. The decoders either return batches (when the damage
 * happens to leave valid Arrow, e.g. a changed data value) or throw ArrowDecodeError — never any
 * other error, never a hang, never an allocation sized by a lying field.
 */

import fs from 'node:fs';
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrowFrameDecoder, ArrowFrameEncoder } from '../../src/codec/arrow-frame.js';
import { ArrowDecodeError } from '../../src/codec/ipc-errors.js';
import { decodeIpc, decodeIpcFile, decodeIpcStream } from '../../src/codec/ipc-reader.js';
import { encodeIpcStream } from '../../src/codec/ipc-writer.js';
import { readVarint } from '../../src/codec/varint.js';
import { makeGetter } from '../../src/series/accessors.js';
import { createColumnBuilder } from '../../src/series/column-builder.js';
import { fromArrowField, toArrowField } from '../../src/types/arrow-mapping.js';
import { type DataType, DataTypes as T } from '../../src/types/data-types.js';
import { goldenCases } from '../golden/arrow-json.js';

function batchOf(cols: [DataType, unknown[]][]): arrow.RecordBatch {
  const fields = cols.map(([t], i) => toArrowField(`c${i}`, t));
  const children = cols.map(([t, vs]) => {
    const b = createColumnBuilder(t);
    for (const v of vs) b.append(v);
    return b.finishData();
  });
  const length = children[0]!.length;
  return new arrow.RecordBatch(
    new arrow.Schema(fields),
    arrow.makeData({ type: new arrow.Struct(fields), length, nullCount: 0, children }),
  );
}

const small = batchOf([
  [T.INT(), [1, null, 3]],
  [T.STRING(), ['a', 'bc', null]],
  [T.ARRAY(T.DOUBLE()), [[1.5], null, []]],
  [
    T.ROW([T.FIELD('k', T.BIGINT()), T.FIELD('b', T.BOOLEAN())]),
    [{ k: 5n, b: true }, null, { k: -1n, b: false }],
  ],
]);
const element = new ArrowFrameEncoder(small.schema).encode(small);
const stream = encodeIpcStream(small.schema, [small, small]);

/** Runs `f`; passes if it returns or throws ArrowDecodeError; rethrows anything else. */
function decodeOrDecodeError(f: () => unknown): 'ok' | ArrowDecodeError {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof ArrowDecodeError) return e;
    throw new Error(
      `expected ArrowDecodeError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`,
    );
  }
}

function expectDecodeError(f: () => unknown, re: RegExp): ArrowDecodeError {
  const r = decodeOrDecodeError(f);
  if (r === 'ok') throw new Error('expected an ArrowDecodeError, decoding succeeded');
  expect(r.message).toMatch(re);
  return r;
}

/**
 * Whatever decodes must be readable: every row of every column with a DataType through
 * `makeGetter` (apache-arrow's own getters refuse some valid values, e.g. a Date64 beyond 2^53 ms).
 */
function readAll(b: arrow.RecordBatch): void {
  b.schema.fields.forEach((f, c) => {
    let dt: DataType;
    try {
      dt = fromArrowField(f);
    } catch {
      return;
    }
    const get = makeGetter(b.data.children[c]!, dt);
    for (let i = 0; i < b.numRows; i++) get(i);
  });
}

/** Message start positions in a stream (for telling valid stream prefixes apart). */
function messageBoundaries(bytes: Uint8Array): Set<number> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Set<number>();
  let pos = 0;
  while (pos + 8 <= bytes.length) {
    out.add(pos);
    const meta = dv.getInt32(pos + 4, true);
    if (meta === 0) {
      out.add(pos + 8);
      break;
    }
    const m = arrow.Message.decode(bytes.subarray(pos + 8, pos + 8 + meta));
    pos += 8 + meta + Number(m.bodyLength);
  }
  out.add(pos);
  return out;
}

describe('malformed data-plane elements', () => {
  it('throws ArrowDecodeError for the element truncated at every length', () => {
    for (let n = 1; n < element.length; n++) {
      const e = expectDecodeError(() => new ArrowFrameDecoder().decode(element.slice(0, n)), /at byte \d+$/);
      expect(e.byteOffset).toBeLessThanOrEqual(n);
    }
    expect(new ArrowFrameDecoder().decode(new Uint8Array(0))).toEqual([]);
  });

  it('throws ArrowDecodeError when the varint length lies', () => {
    const { value, next } = readVarint(element, 0, element.length);
    const lie = (len: number) => {
      const out = new Uint8Array(element.length + 8);
      let p = 0;
      let v = len;
      while (v >= 128) {
        out[p++] = (v % 128) | 128;
        v = Math.floor(v / 128);
      }
      out[p++] = v;
      out.set(element.subarray(next), p);
      return out.subarray(0, p + value);
    };
    expectDecodeError(
      () => new ArrowFrameDecoder().decode(lie(value + 1)),
      /element length \d+ runs past the end/,
    );
    expectDecodeError(
      () => new ArrowFrameDecoder().decode(lie(2 ** 40)),
      /element length 1099511627776 runs past the end/,
    );
    expectDecodeError(() => new ArrowFrameDecoder().decode(lie(value - 8)), /at byte/);
    expectDecodeError(
      () =>
        new ArrowFrameDecoder().decode(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1])),
      /varint/,
    );
  });

  it('never throws anything but ArrowDecodeError for random bytes (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        decodeOrDecodeError(() => new ArrowFrameDecoder().decode(bytes));
        decodeOrDecodeError(() => decodeIpc(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but ArrowDecodeError when bytes of a valid element are changed (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(element.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const bad = element.slice();
          for (const [at, v] of edits) bad[at] = v;
          decodeOrDecodeError(() => {
            for (const b of new ArrowFrameDecoder().decode(bad)) readAll(b);
          });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses lying int32/int64 fields in the metadata without allocating for them', () => {
    // every 4-byte word of the element's metadata set to a huge or negative value, one at a time
    const { next } = readVarint(element, 0, element.length);
    const before = process.memoryUsage().heapUsed;
    let errors = 0;
    for (let at = next; at + 4 <= element.length; at += 4) {
      for (const v of [0x7fffffff, 0xffffffff, 0x80000000, 0x40000000]) {
        const bad = element.slice();
        new DataView(bad.buffer).setUint32(at, v, true);
        if (decodeOrDecodeError(() => new ArrowFrameDecoder().decode(bad)) !== 'ok') errors++;
      }
    }
    expect(errors).toBeGreaterThan(50);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('malformed IPC streams and files', () => {
  it('changed bytes in every golden stream decode to readable batches or an ArrowDecodeError (fast-check)', () => {
    const streams = goldenCases().map((c) => new Uint8Array(fs.readFileSync(c.stream)));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: streams.length - 1 }),
        fc.array(
          fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true }), fc.integer({ min: 0, max: 255 })),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        (k, edits) => {
          const bad = streams[k]!.slice();
          for (const [at, v] of edits) bad[Math.floor(at * bad.length)] = v;
          decodeOrDecodeError(() => {
            for (const b of decodeIpcStream(bad).batches) readAll(b);
          });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a stream truncated at every length is an ArrowDecodeError, or a valid stream cut at a message boundary', () => {
    const boundaries = messageBoundaries(stream);
    for (let n = 0; n < stream.length; n++) {
      const r = decodeOrDecodeError(() => decodeIpcStream(stream.slice(0, n)));
      if (r === 'ok') expect(boundaries.has(n)).toBe(true);
    }
  });

  it('names a wrong continuation marker, a lying metadata length and a lying body length', () => {
    const bad = stream.slice();
    bad[0] = 0xfe;
    expectDecodeError(
      () => decodeIpcStream(bad),
      /expected continuation marker 0xFFFFFFFF, got 0xFFFFFFFE at byte 0/,
    );
    const meta = stream.slice();
    new DataView(meta.buffer).setInt32(4, 1 << 30, true);
    expectDecodeError(
      () => decodeIpcStream(meta),
      /message metadata length 1073741824 runs past the end .* at byte 4$/,
    );
    const neg = stream.slice();
    new DataView(neg.buffer).setInt32(4, -16, true);
    expectDecodeError(() => decodeIpcStream(neg), /metadata length -16/);
    expectDecodeError(() => decodeIpcStream(new Uint8Array(0)), /empty input/);
    const trailing = new Uint8Array(stream.length + 3);
    trailing.set(stream);
    expectDecodeError(() => decodeIpcStream(trailing), /3 bytes after the end-of-stream marker/);
  });

  it('refuses broken files: magic, footer length, block offsets', () => {
    const table = new arrow.Table([small]);
    const file = arrow.tableToIPC(table, 'file');
    expect(decodeIpcFile(file).batches[0]!.numRows).toBe(3);
    const noTail = file.slice(0, file.length - 1);
    expectDecodeError(() => decodeIpcFile(noTail), /missing ARROW1 magic at the end/);
    const footer = file.slice();
    new DataView(footer.buffer).setInt32(file.length - 10, 1 << 30, true);
    expectDecodeError(() => decodeIpcFile(footer), /footer length 1073741824 does not fit/);
    for (let n = 0; n < file.length; n += 7) decodeOrDecodeError(() => decodeIpc(file.slice(0, n)));
    fc.assert(
      fc.property(fc.nat(file.length - 1), fc.integer({ min: 0, max: 255 }), (at, v) => {
        const bad = file.slice();
        bad[at] = v;
        decodeOrDecodeError(() => decodeIpc(bad));
      }),
      { numRuns: 1500 },
    );
  });
});
