/**
 * Conformance on apache/arrow-testing's integration files (../shared/arrow-golden): every stream
 * decodes and matches its JSON truth buffer by buffer; re-encoded (as a stream, and as data-plane
 * elements at an odd offset) it decodes to the same; every column either maps to a DataType whose
 * JS values match the JSON, or is refused with an error naming the column and the Arrow type.
 */
import fs from 'node:fs';
import type * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ArrowFrameDecoder, ArrowFrameEncoder } from '../../src/codec/arrow-frame.js';
import { decodeIpcStream } from '../../src/codec/ipc-reader.js';
import { encodeIpcStream } from '../../src/codec/ipc-writer.js';
import { makeVectorGetter } from '../../src/series/accessors.js';
import { fromArrowField, UnsupportedTypeError } from '../../src/types/arrow-mapping.js';
import {
  type CheckContext,
  checkData,
  checkField,
  dictionaryMap,
  goldenCases,
  type JFile,
  jsonValue,
  readJson,
  sameJsValue,
} from './arrow-json.js';

/** Columns that have no DataType, per case (everything else must map and match). */
const UNSUPPORTED: Record<string, string[]> = {
  custom_metadata: [],
  datetime: ['f1'], // Date64
  decimal: [],
  decimal256: Array.from({ length: 33 }, (_, i) => `f${i}`),
  dictionary: ['dict0', 'dict1', 'dict2'],
  dictionary_unsigned: ['f0', 'f1', 'f2'],
  duplicate_fieldnames: ['struct'], // a ROW cannot have two fields named ''
  extension: ['dict_exts'],
  interval: ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'],
  map: [],
  map_non_canonical: [],
  nested: ['fixedsizelist_nullable'],
  nested_dictionary: ['list_dict', 'struct_dict'],
  nested_large_offsets: ['large_list_nullable', 'large_list_nonnullable', 'large_list_nested'],
  null: [],
  null_trivial: [],
  primitive: [
    'uint8_nullable',
    'uint8_nonnullable',
    'uint16_nullable',
    'uint16_nonnullable',
    'uint32_nullable',
    'uint32_nonnullable',
    'uint64_nullable',
    'uint64_nonnullable',
  ],
  primitive_large_offsets: [
    'largebinary_nullable',
    'largebinary_nonnullable',
    'largeutf8_nullable',
    'largeutf8_nonnullable',
  ],
  primitive_no_batches: [],
  primitive_zerolength: [],
  recursive_nested: [],
  union: ['sparse', 'dense', 'sparse', 'dense'],
};
for (const k of ['primitive_no_batches', 'primitive_zerolength']) UNSUPPORTED[k] = UNSUPPORTED.primitive!;

function checkAgainstJson(json: JFile, schema: arrow.Schema, batches: arrow.RecordBatch[]): void {
  expect(schema.fields.length).toBe(json.schema.fields.length);
  schema.fields.forEach((f, i) => {
    checkField(f, json.schema.fields[i]!);
  });
  expect(batches.map((b) => b.numRows)).toEqual(json.batches.map((b) => b.count));
  const ctx: CheckContext = { dictionaries: dictionaryMap(json), checked: new Set() };
  batches.forEach((b, k) => {
    // each batch carries the stream's schema, repeated column names included
    expect(b.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(
      schema.fields.map((f) => `${f.name}: ${String(f.type)}`),
    );
    json.schema.fields.forEach((jf, c) => {
      checkData(b.data.children[c]!, jf, json.batches[k]!.columns[c]!, ctx, `batch ${k}`);
    });
  });
}

const cases = goldenCases();

describe('Arrow golden files', () => {
  it('has every case, and at least 20 of the 22 decode', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(UNSUPPORTED).sort());
    const decoded = cases.filter((c) => {
      try {
        decodeIpcStream(new Uint8Array(fs.readFileSync(c.stream)));
        return true;
      } catch {
        return false;
      }
    });
    expect(decoded.length).toBe(22);
  });

  describe.each(cases)('$name', ({ name, stream, json: jsonPath }) => {
    const bytes = new Uint8Array(fs.readFileSync(stream));
    const json = readJson(jsonPath);

    it('decodes and matches the JSON', () => {
      const { schema, batches } = decodeIpcStream(bytes);
      checkAgainstJson(json, schema, batches);
    });

    it('re-encodes as a stream that decodes to the same', () => {
      const { schema, batches } = decodeIpcStream(bytes);
      const again = decodeIpcStream(encodeIpcStream(schema, batches));
      checkAgainstJson(json, again.schema, again.batches);
    });

    it('re-encodes as data-plane elements (one per batch, at an odd offset) that decode to the same', () => {
      const { schema, batches } = decodeIpcStream(bytes);
      const frames = new ArrowFrameEncoder(schema).encodeMany(batches);
      const odd = new Uint8Array(frames.length + 5);
      odd.set(frames, 5);
      const decoder = new ArrowFrameDecoder();
      const back = decoder.decode(odd.subarray(5));
      checkAgainstJson(json, decoder.schema ?? schema, back);
    });

    it('maps each column to a DataType with matching values, or refuses it naming column and type', () => {
      const { schema, batches } = decodeIpcStream(bytes);
      const refused: string[] = [];
      schema.fields.forEach((field, c) => {
        let dt: ReturnType<typeof fromArrowField>;
        try {
          dt = fromArrowField(field);
        } catch (e) {
          expect(e).toBeInstanceOf(UnsupportedTypeError);
          expect((e as Error).message).toMatch(
            new RegExp(`^column '${field.name}': Arrow type \\S.* has no vecudf DataType`),
          );
          expect((e as UnsupportedTypeError).column).toBe(field.name);
          refused.push(field.name);
          return;
        }
        const jf = json.schema.fields[c]!;
        batches.forEach((b, k) => {
          const get = makeVectorGetter(b.getChildAt(c)!, dt);
          const jc = json.batches[k]!.columns[c]!;
          for (let i = 0; i < b.numRows; i++)
            sameJsValue(get(i), jsonValue(jf, jc, i), `${field.name}[${k}:${i}]`);
        });
      });
      expect(refused).toEqual(UNSUPPORTED[name]);
    });
  });
});
