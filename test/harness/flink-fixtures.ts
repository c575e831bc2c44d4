/**
 * Test fixtures in Flink's shapes: the ProcessBundleDescriptor Flink builds for a Python scalar
 * function (via the runner's builder, which follows pyflink.md §1.3), UserDefinedFunctions
 * payloads with our JSON UDF references, and Arrow / row elements framed as on the data plane.
 */
import * as arrow from 'apache-arrow';
import { encodeRows } from '../../src/codec/row-coder.js';
import { toFlinkSchema } from '../../src/harness/flink-schema.js';
import { ARROW_AGGREGATE_URN, SCALAR_FUNCTION_URN } from '../../src/harness/stages.js';
import { type Input, type UserDefinedFunction, UserDefinedFunctions } from '../../src/proto/flink.js';
import type { ProcessBundleDescriptor } from '../../src/proto/fn-api.js';
import { buildDescriptor } from '../../src/runner/descriptor.js';
import { toArrowSchema } from '../../src/types/arrow-mapping.js';
import type { RowField } from '../../src/types/data-types.js';

export const FIXTURES = new URL('./fixtures/udfs.mjs', import.meta.url).pathname;
export const INPUT = 'fn/read/input:0';
export const OUTPUT = 'fn/write/:0';

export interface UdfSpec {
  export: string;
  kind?: string;
  resultType?: string;
  inputTypes?: string[];
  args: (
    | { offset: number }
    | { constant: unknown; type: string }
    | { udf: UdfSpec }
    | { rawConstant: Uint8Array }
  )[];
  pandas?: boolean;
  module?: string;
}

const enc = new TextEncoder();

function udfProto(u: UdfSpec): UserDefinedFunction {
  const json: Record<string, unknown> = { module: u.module ?? FIXTURES, export: u.export };
  if (u.kind) json.kind = u.kind;
  if (u.resultType) json.resultType = u.resultType;
  if (u.inputTypes) json.inputTypes = u.inputTypes;
  const inputs: Input[] = u.args.map((a) => {
    if ('offset' in a) return { inputOffset: a.offset };
    if ('udf' in a) return { udf: udfProto(a.udf) };
    if ('rawConstant' in a) return { inputConstant: a.rawConstant };
    const body = enc.encode(JSON.stringify({ type: a.type, value: a.constant }));
    return { inputConstant: Uint8Array.of(0, ...body) };
  });
  return {
    payload: enc.encode(JSON.stringify(json)),
    inputs,
    windowIndex: 0,
    takesRowAsInput: false,
    isPandasUdf: u.pandas ?? u.kind !== 'row',
  };
}

export function udfsPayload(udfs: UdfSpec[]): Uint8Array {
  return UserDefinedFunctions.encode({
    udfs: udfs.map(udfProto),
    metricEnabled: true,
    windows: [],
    profileEnabled: false,
    jobParameters: [],
  }).finish();
}

export interface DescriptorOptions {
  id: string;
  dataUrl: string;
  udfs: UdfSpec[];
  input: RowField[];
  output: RowField[];
  mode?: 'arrow' | 'row';
  aggregate?: boolean;
}

export function descriptor(o: DescriptorOptions): ProcessBundleDescriptor {
  const arrowMode = (o.mode ?? 'arrow') === 'arrow';
  const info = (fields: RowField[], mode: number) =>
    arrowMode
      ? { arrowType: { schema: toFlinkSchema(fields) }, mode, separatedWithEndMessage: false }
      : { flattenRowType: { schema: toFlinkSchema(fields) }, mode, separatedWithEndMessage: false };
  return buildDescriptor({
    id: o.id,
    urn: o.aggregate ? ARROW_AGGREGATE_URN : SCALAR_FUNCTION_URN,
    payload: udfsPayload(o.udfs),
    dataUrl: o.dataUrl,
    stateUrl: o.dataUrl,
    input: info(o.input, 1),
    output: info(o.output, 0),
  });
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** One Arrow element as Flink frames it: varint(length) + IPC stream (schema + one batch, no EOS). */
export function arrowElement(fields: RowField[], columns: Record<string, arrow.Vector>): Uint8Array {
  const schema = toArrowSchema(fields);
  const n = Object.values(columns)[0]?.length ?? 0;
  const children = schema.fields.map((f) => columns[f.name]!.data[0]!);
  const batch = new arrow.RecordBatch(
    schema,
    arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children }),
  );
  const w = new arrow.RecordBatchStreamWriter();
  w.write(batch);
  w.finish();
  const all = w.toUint8Array(true);
  const body = all.subarray(0, all.length - 8);
  return Uint8Array.from([...varint(body.length), ...body]);
}

/** The record batches of a worker's Arrow output (one per element). */
export function arrowOutput(bytes: Uint8Array): arrow.RecordBatch[] {
  const out: arrow.RecordBatch[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    let len = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[pos++]!;
      len += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 128;
    }
    const reader = arrow.RecordBatchReader.from(bytes.slice(pos, pos + len));
    out.push(reader.next().value as arrow.RecordBatch);
    pos += len;
  }
  return out;
}

/** Row-coder elements of a batch (one per row). */
export function rowElements(fields: RowField[], columns: Record<string, arrow.Vector>): Uint8Array {
  return encodeRows(
    fields.map((f) => columns[f.name]!),
    fields.map((f) => f.type),
  );
}

export const f64 = (xs: number[]) => arrow.makeVector(Float64Array.from(xs));
