/**
 * Arrow data-plane codec, per batch (`npx tsx bench/arrow-codec.bench.ts`): encode one element
 * (varint + schema + one record batch) and decode it, for 1, 1,000 and 10,000 rows of
 * (DOUBLE, DOUBLE, nullable) and 10,000 rows of STRING; apache-arrow's own stream writer/reader on
 * the same batch side by side. The 1-row case is the fixed per-batch cost.
 */
import * as arrow from 'apache-arrow';
import { Bench } from 'tinybench';
import { ArrowFrameDecoder, ArrowFrameEncoder } from '../src/codec/arrow-frame.js';
import { readVarint } from '../src/codec/varint.js';
import { columnFromTypedArray, createColumnBuilder } from '../src/series/column-builder.js';
import { toArrowField } from '../src/types/arrow-mapping.js';
import { DataTypes as T } from '../src/types/data-types.js';

function doubles(n: number): arrow.RecordBatch {
  const fields = [toArrowField('a', T.DOUBLE()), toArrowField('b', T.DOUBLE())];
  const valid = new Uint8Array((n + 7) >> 3).fill(0xf7);
  const cols = [0, 1].map(
    (k) =>
      columnFromTypedArray(
        T.DOUBLE(),
        Float64Array.from({ length: n }, (_, i) => i * 0.5 + k),
        valid,
      ).data[0]!,
  );
  return new arrow.RecordBatch(
    new arrow.Schema(fields),
    arrow.makeData({ type: new arrow.Struct(fields), length: n, nullCount: 0, children: cols }),
  );
}

function strings(n: number): arrow.RecordBatch {
  const b = createColumnBuilder(T.STRING(), n);
  for (let i = 0; i < n; i++) b.append(i % 10 === 0 ? null : `/video/segment_${i}.ts?q=${i % 97}`);
  const fields = [toArrowField('uri', T.STRING())];
  return new arrow.RecordBatch(
    new arrow.Schema(fields),
    arrow.makeData({ type: new arrow.Struct(fields), length: n, nullCount: 0, children: [b.finishData()] }),
  );
}

const cases: [string, arrow.RecordBatch][] = [
  ['2×DOUBLE, 1 row', doubles(1)],
  ['2×DOUBLE, 1,000 rows', doubles(1000)],
  ['2×DOUBLE, 10,000 rows', doubles(10_000)],
  ['STRING, 10,000 rows', strings(10_000)],
];

const bench = new Bench({ time: 300, warmupTime: 100 });
for (const [name, batch] of cases) {
  const enc = new ArrowFrameEncoder(batch.schema);
  const reusing = new ArrowFrameEncoder(batch.schema, { reuseOutput: true });
  const element = enc.encode(batch);
  // the stream after the varint starts 8-byte aligned here (as when the harness receives aligned)
  const prefix = readVarint(element, 0, element.length).next;
  const aligned = new Uint8Array(new ArrayBuffer(element.length + 8), 8 - prefix, element.length);
  aligned.set(element);
  const odd = new Uint8Array(element.length + 2);
  odd.set(element, 2);
  const table = new arrow.Table([batch]);
  const theirs = arrow.tableToIPC(table, 'stream');
  const dec = new ArrowFrameDecoder();
  bench
    .add(`encode ${name}: vecudf element`, () => {
      enc.encode(batch);
    })
    .add(`encode ${name}: vecudf element into a reused buffer`, () => {
      reusing.encode(batch);
    })
    .add(`encode ${name}: apache-arrow tableToIPC`, () => {
      arrow.tableToIPC(table, 'stream');
    })
    .add(`decode ${name}: vecudf element (aligned)`, () => {
      dec.decode(aligned);
    })
    .add(`decode ${name}: vecudf element (odd offset, realigned)`, () => {
      dec.decode(odd.subarray(2));
    })
    .add(`decode ${name}: apache-arrow tableFromIPC`, () => {
      arrow.tableFromIPC(theirs);
    });
}
await bench.run();
console.table(
  bench.tasks.map((t) => ({
    task: t.name,
    'µs per batch': t.result && 'latency' in t.result ? (t.result.latency.mean * 1000).toFixed(2) : 'n/a',
  })),
);
