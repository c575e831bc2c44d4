import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArrowFrameDecoder, ArrowFrameEncoder } from '../../src/codec/arrow-frame.js';
import { decodeIpc, decodeIpcStream } from '../../src/codec/ipc-reader.js';
import { encodeIpcStream, planBatch, schemaMessage, writeBatchMessage } from '../../src/codec/ipc-writer.js';
import { readVarint, varintSize, writeVarint } from '../../src/codec/varint.js';
import { makeGetter } from '../../src/series/accessors.js';
import { createColumnBuilder } from '../../src/series/column-builder.js';
import { toArrowField } from '../../src/types/arrow-mapping.js';
import { type DataType, DataTypes as T } from '../../src/types/data-types.js';
import { dataType, valueOrNull } from '../types/arbitraries.js';

/** A batch of columns built from JS values. */
function batchOf(cols: { type: DataType; values: unknown[] }[]): arrow.RecordBatch {
  const fields = cols.map((c, i) => toArrowField(`c${i}`, c.type));
  const length = cols[0]?.values.length ?? 0;
  const children = cols.map((c) => {
    const b = createColumnBuilder(c.type);
    for (const v of c.values) b.append(v);
    return b.finishData();
  });
  const data = arrow.makeData({ type: new arrow.Struct(fields), length, nullCount: 0, children });
  return new arrow.RecordBatch(new arrow.Schema(fields), data);
}

function valuesOf(batch: arrow.RecordBatch, types: DataType[]): unknown[][] {
  return types.map((t, c) => {
    const get = makeGetter(batch.data.children[c]!, t);
    return Array.from({ length: batch.numRows }, (_, i) => get(i));
  });
}

/** 1–3 columns of the same length, any types, nulls included. */
const batches = fc
  .tuple(fc.array(dataType(2), { minLength: 1, maxLength: 3 }), fc.nat(25))
  .chain(([types, n]) =>
    fc
      .tuple(...types.map((t) => fc.array(valueOrNull(t), { minLength: n, maxLength: n })))
      .map((cols) => cols.map((values, i) => ({ type: types[i]!, values }))),
  );

describe('varint', () => {
  it('round-trips and matches LEB128', () => {
    const out = new Uint8Array(10);
    expect(writeVarint(out, 0, 300)).toBe(2);
    expect(Array.from(out.subarray(0, 2))).toEqual([0xac, 0x02]);
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const buf = new Uint8Array(varintSize(n));
        expect(writeVarint(buf, 0, n)).toBe(buf.length);
        expect(readVarint(buf, 0, buf.length)).toEqual({ value: n, next: buf.length });
      }),
    );
  });
});

describe('ArrowFrameEncoder / ArrowFrameDecoder', () => {
  it('round-trips batches of every type with nulls, sliced or not, at any offset (fast-check)', () => {
    fc.assert(
      fc.property(batches, fc.nat(7), fc.nat(3), (cols, shift, cut) => {
        const types = cols.map((c) => c.type);
        let batch = batchOf(cols);
        if (cut > 0 && batch.numRows > 2 * cut) batch = batch.slice(cut, batch.numRows - cut);
        const bytes = new ArrowFrameEncoder(batch.schema).encode(batch);
        const shifted = new Uint8Array(bytes.length + shift);
        shifted.set(bytes, shift);
        const [back, ...rest] = new ArrowFrameDecoder().decode(shifted.subarray(shift));
        expect(rest).toEqual([]);
        expect(back!.numRows).toBe(batch.numRows);
        expect(valuesOf(back!, types)).toEqual(valuesOf(batch, types));
      }),
      { numRuns: 200 },
    );
  });

  it('writes the Flink element shape: varint, schema, one record batch, no end-of-stream marker', () => {
    const batch = batchOf([{ type: T.DOUBLE(), values: [1, 2, null] }]);
    const el = new ArrowFrameEncoder(batch.schema).encode(batch);
    const { value: len, next } = readVarint(el, 0, el.length);
    expect(next + len).toBe(el.length);
    const stream = el.subarray(next);
    // apache-arrow reads it as a stream: one schema, one batch
    const table = arrow.tableFromIPC(stream.slice());
    expect(table.batches.length).toBe(1);
    expect([...table.getChildAt(0)!]).toEqual([1, 2, null]);
    // and it does not end with the 8-byte EOS marker
    const tail = new DataView(stream.buffer, stream.byteOffset + stream.length - 8, 8);
    expect(tail.getUint32(0, true) === 0xffffffff && tail.getInt32(4, true) === 0).toBe(false);
    // the schema bytes are those apache-arrow writes
    const ours = schemaMessage(batch.schema);
    expect(Array.from(stream.subarray(0, ours.length))).toEqual(Array.from(ours));
  });

  it('writes every byte itself (the output is not zero-filled): equal batches give equal bytes', () => {
    fc.assert(
      fc.property(batches, (cols) => {
        const a = batchOf(cols);
        const b = batchOf(cols);
        const enc = new ArrowFrameEncoder(a.schema);
        // dirty the allocator's memory in between
        for (let k = 0; k < 4; k++) Buffer.allocUnsafeSlow(enc.elementSize(a)).fill(0xab);
        expect(Array.from(enc.encode(a))).toEqual(Array.from(enc.encode(b)));
        expect(Array.from(encodeIpcStream(a.schema, [a]))).toEqual(
          Array.from(encodeIpcStream(b.schema, [b])),
        );
      }),
      { numRuns: 50 },
    );
  });

  it('writes many elements into one buffer and reads them back in order', () => {
    const bs = [1, 2, 3, 4].map((k) =>
      batchOf([
        { type: T.INT(), values: Array.from({ length: k * 3 }, (_, i) => i * k) },
        {
          type: T.STRING(),
          values: Array.from({ length: k * 3 }, (_, i) => (i % 4 === 0 ? null : `s${k}-${i}`)),
        },
      ]),
    );
    const enc = new ArrowFrameEncoder(bs[0]!.schema);
    const all = enc.encodeMany(bs);
    expect(all.length).toBe(bs.reduce((n, b) => n + enc.elementSize(b), 0));
    const into = new Uint8Array(all.length + 4);
    let pos = 1;
    for (const b of bs) pos = enc.encodeInto(b, into, pos);
    expect(Array.from(into.subarray(1, pos))).toEqual(Array.from(all));
    const dec = new ArrowFrameDecoder();
    const back = dec.decode(all);
    expect(back.map((b) => b.numRows)).toEqual([3, 6, 9, 12]);
    back.forEach((b, k) => {
      expect(valuesOf(b, [T.INT(), T.STRING()])).toEqual(valuesOf(bs[k]!, [T.INT(), T.STRING()]));
    });
    // the repeated schema is parsed once
    expect(back[0]!.schema.fields[0]!.type).toBe(back[3]!.schema.fields[0]!.type);
  });

  it('planElement announces the size and stream offset it writes, and writes what encodeInto does', () => {
    fc.assert(
      fc.property(batches, fc.nat(9), (cols, at) => {
        const batch = batchOf(cols);
        const enc = new ArrowFrameEncoder(batch.schema);
        const el = enc.planElement(batch);
        expect(el.size).toBe(enc.elementSize(batch));
        const out = new Uint8Array(at + el.size).fill(0xcd);
        expect(el.write(out, at)).toBe(at + el.size);
        expect(Array.from(out.subarray(at))).toEqual(Array.from(enc.encode(batch)));
        // alignAt: where the IPC stream starts, after the varint prefix
        expect(readVarint(out, at, out.length).next).toBe(at + el.alignAt);
        expect(() => el.write(new Uint8Array(el.size - 1), 0)).toThrow(RangeError);
      }),
      { numRuns: 100 },
    );
  });

  it('writes a batch message the same whatever shapes (node, buffer counts, dictionaries) came before', () => {
    fc.assert(
      fc.property(batches, batches, (c1, c2) => {
        const a = batchOf(c1);
        const b = batchOf(c2);
        const dict = new arrow.Table({
          d: arrow.vectorFromArray(
            ['x', 'y', 'x', null],
            new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
          ),
        }).batches[0]!;
        const first = encodeIpcStream(a.schema, [a]);
        encodeIpcStream(b.schema, [b]);
        encodeIpcStream(dict.schema, [dict]);
        expect(Array.from(encodeIpcStream(a.schema, [a]))).toEqual(Array.from(first));
        expect(decodeIpcStream(first).batches[0]!.numRows).toBe(a.numRows);
      }),
      { numRuns: 50 },
    );
  });

  it('decodes to record batches whose struct data is what apache-arrow would build', () => {
    const batch = batchOf([
      { type: T.DOUBLE(), values: [1, null, 3, 4] },
      { type: T.STRING(), values: ['a', 'b', null, 'd'] },
    ]);
    const dec = new ArrowFrameDecoder();
    const enc = new ArrowFrameEncoder(batch.schema);
    const [a, b] = dec.decode(enc.encodeMany([batch, batch]));
    for (const back of [a!, b!]) {
      const made = arrow.makeData({
        type: back.data.type,
        length: back.numRows,
        nullCount: 0,
        children: back.data.children,
      });
      for (const k of ['type', 'offset', 'length', 'nullCount', 'stride', 'children'] as const)
        expect(back.data[k]).toBe(made[k]);
      expect(back.data.nullBitmap).toEqual(made.nullBitmap);
      expect(new arrow.Table([back]).numRows).toBe(4);
      expect(
        back
          .slice(1, 3)
          .toArray()
          .map((r) => r.toJSON()),
      ).toEqual([
        { c0: null, c1: 'b' },
        { c0: 3, c1: null },
      ]);
    }
  });

  it('decodes zero-copy: a Float64 column is a view of an aligned input', () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => i * 1.5);
    const strs = Array.from({ length: 1000 }, (_, i) => `s${i}`);
    const batch = batchOf([
      { type: T.DOUBLE(), values: Array.from(values) },
      { type: T.BIGINT(), values: Array.from(values, (v) => BigInt(Math.floor(v))) },
      { type: T.STRING(), values: strs },
    ]);
    const bytes = new ArrowFrameEncoder(batch.schema).encode(batch);
    // varint(len) takes 3 bytes here: put the element where the stream starts 8-byte aligned
    const prefix = readVarint(bytes, 0, bytes.length).next;
    const buf = new Uint8Array(new ArrayBuffer(bytes.length + 8 - prefix), 8 - prefix);
    buf.set(bytes);
    const [back] = new ArrowFrameDecoder().decode(buf);
    const [f64, i64, str] = back!.data.children as arrow.Data[];
    expect(f64!.values).toBeInstanceOf(Float64Array);
    expect(f64!.values.buffer).toBe(buf.buffer);
    expect(i64!.values.buffer).toBe(buf.buffer);
    expect(str!.values.buffer).toBe(buf.buffer);
    expect(str!.valueOffsets.buffer).toBe(buf.buffer);
    expect(Array.from(f64!.values as Float64Array)).toEqual(Array.from(values));
    // at an odd offset, the buffers that need alignment are copied once into one scratch buffer;
    // UTF-8 bytes stay views of the input
    const odd = new Uint8Array(bytes.length + 2);
    odd.set(bytes, 2); // the stream starts at byte 5: neither 4- nor 8-byte aligned
    const [moved] = new ArrowFrameDecoder().decode(odd.subarray(2));
    const [m64, mi64, mstr] = moved!.data.children as arrow.Data[];
    expect(m64!.values.buffer).not.toBe(odd.buffer);
    expect(mi64!.values.buffer).toBe(m64!.values.buffer);
    expect(mstr!.valueOffsets.buffer).toBe(m64!.values.buffer);
    expect(mstr!.values.buffer).toBe(odd.buffer);
    expect(m64!.values.byteOffset % 8).toBe(0);
    expect(valuesOf(moved!, [T.DOUBLE(), T.BIGINT(), T.STRING()])).toEqual(
      valuesOf(batch, [T.DOUBLE(), T.BIGINT(), T.STRING()]),
    );
  });

  it('puts realigned buffers where an allocateScratch hook says', () => {
    const batch = batchOf([{ type: T.DOUBLE(), values: [1, 2, 3] }]);
    const bytes = new ArrowFrameEncoder(batch.schema).encode(batch);
    const odd = new Uint8Array(bytes.length + 1);
    odd.set(bytes, 1);
    const arena = new Uint8Array(4096);
    const asked: number[] = [];
    const dec = new ArrowFrameDecoder({
      allocateScratch: (n) => {
        asked.push(n);
        return arena.subarray(0, n);
      },
    });
    const [back] = dec.decode(odd.subarray(1));
    expect(asked.length).toBe(1);
    expect(back!.data.children[0]!.values.buffer).toBe(arena.buffer);
    expect(valuesOf(back!, [T.DOUBLE()])).toEqual([[1, 2, 3]]);
    const bad = new ArrowFrameDecoder({ allocateScratch: (n) => new Uint8Array(n + 1).subarray(1) });
    expect(() => bad.decode(odd.subarray(1))).toThrow(/scratch allocator returned/);
  });

  it('keeps 64-bit integers above 2^53 exact', () => {
    const big = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 53n) - 3n, null];
    const batch = batchOf([
      { type: T.BIGINT(), values: big },
      { type: T.TIMESTAMP(9), values: [1, 2, 3, 4, 5] },
    ]);
    const [back] = new ArrowFrameDecoder().decode(new ArrowFrameEncoder(batch.schema).encode(batch));
    expect(valuesOf(back!, [T.BIGINT()])[0]).toEqual(big);
    expect(Array.from(back!.data.children[0]!.values as BigInt64Array).slice(0, 4)).toEqual(big.slice(0, 4));
  });

  it('follows a long-lived stream whose later elements carry only record batches', () => {
    const schema = new arrow.Schema([toArrowField('x', T.INT())]);
    const b1 = batchOf([{ type: T.INT(), values: [1, 2] }]);
    const b2 = batchOf([{ type: T.INT(), values: [3, null, 5] }]);
    const frame = (parts: Uint8Array[]) => {
      const len = parts.reduce((n, p) => n + p.length, 0);
      const out = new Uint8Array(varintSize(len) + len);
      let pos = writeVarint(out, 0, len);
      for (const p of parts) {
        out.set(p, pos);
        pos += p.length;
      }
      return out;
    };
    const message = (b: arrow.RecordBatch) => {
      const plan = planBatch(b.data.children, b.numRows);
      const out = new Uint8Array(
        8 + 80 + 16 * (plan.nodes.length / 2 + plan.buffers.length) + plan.bodyLength,
      );
      expect(writeBatchMessage(out, new DataView(out.buffer), 0, plan)).toBe(out.length);
      return out;
    };
    const dec = new ArrowFrameDecoder();
    const first = dec.decode(frame([schemaMessage(schema), message(b1)]));
    const second = dec.decode(frame([message(b2)]));
    expect(valuesOf(first[0]!, [T.INT()])).toEqual([[1, 2]]);
    expect(valuesOf(second[0]!, [T.INT()])).toEqual([[3, null, 5]]);
    // without a schema first, a record batch is an error
    expect(() => new ArrowFrameDecoder().decode(frame([message(b2)]))).toThrow(
      /record batch before any schema/,
    );
  });

  it('carries dictionary-encoded columns (dictionary batch in every element)', () => {
    const dict = arrow.vectorFromArray(['a', 'b', 'c'], new arrow.Utf8());
    const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8(), 7);
    const data = arrow.makeData({
      type,
      length: 4,
      nullCount: 1,
      nullBitmap: new Uint8Array([0b1101]),
      data: new Int8Array([2, 0, 0, 1]),
      dictionary: dict,
    });
    const field = new arrow.Field('d', type, true);
    const batch = new arrow.RecordBatch(
      new arrow.Schema([field]),
      arrow.makeData({ type: new arrow.Struct([field]), length: 4, nullCount: 0, children: [data] }),
    );
    const enc = new ArrowFrameEncoder(batch.schema);
    const back = new ArrowFrameDecoder().decode(enc.encodeMany([batch, batch.slice(1)]));
    expect([...back[0]!.getChildAt(0)!]).toEqual(['c', null, 'a', 'b']);
    expect([...back[1]!.getChildAt(0)!]).toEqual([null, 'a', 'b']);
  });

  it('with reuseOutput, returns views of one internal buffer, valid until the next call', () => {
    const a = batchOf([{ type: T.STRING(), values: ['x', 'yy', null] }]);
    const b = batchOf([{ type: T.STRING(), values: ['zzz'] }]);
    const enc = new ArrowFrameEncoder(a.schema, { reuseOutput: true });
    const fresh = new ArrowFrameEncoder(a.schema);
    const first = enc.encode(a);
    expect(Array.from(first)).toEqual(Array.from(fresh.encode(a)));
    expect(valuesOf(new ArrowFrameDecoder().decode(first.slice())[0]!, [T.STRING()])).toEqual([
      ['x', 'yy', null],
    ]);
    const second = enc.encode(b); // smaller: fits in the same buffer
    expect(second.buffer).toBe(first.buffer);
    expect(Array.from(second)).toEqual(Array.from(fresh.encode(b)));
    const third = enc.encodeMany([a, b, a]); // larger: the buffer grows
    expect(Array.from(third)).toEqual(Array.from(fresh.encodeMany([a, b, a])));
  });

  it('refuses a batch that does not fit the encoder schema', () => {
    const enc = new ArrowFrameEncoder(new arrow.Schema([toArrowField('x', T.INT())]));
    expect(() => enc.encode(batchOf([{ type: T.DOUBLE(), values: [1] }]))).toThrow(
      /column 0 \('x'\) is Float64/,
    );
    expect(() =>
      enc.encode(
        batchOf([
          { type: T.INT(), values: [1] },
          { type: T.INT(), values: [1] },
        ]),
      ),
    ).toThrow(/2 columns/);
  });
});

describe('IPC streams and files', () => {
  it('reads what apache-arrow writes (stream and file) and apache-arrow reads what it writes', () => {
    fc.assert(
      fc.property(batches, (cols) => {
        const types = cols.map((c) => c.type);
        const batch = batchOf(cols);
        const table = new arrow.Table([batch, batch.slice(0, Math.floor(batch.numRows / 2))]);
        for (const format of ['stream', 'file'] as const) {
          const decoded = decodeIpc(arrow.tableToIPC(table, format));
          expect(decoded.format).toBe(format);
          expect(decoded.batches.map((b) => valuesOf(b, types))).toEqual(
            table.batches.map((b) => valuesOf(b, types)),
          );
        }
        const ours = encodeIpcStream(table.schema, table.batches);
        const theirs = arrow.tableFromIPC(ours);
        expect(theirs.batches.map((b) => valuesOf(b, types))).toEqual(
          table.batches.map((b) => valuesOf(b, types)),
        );
        expect(decodeIpcStream(ours).batches.length).toBe(2);
      }),
      { numRuns: 60 },
    );
  });
});
