import { Float64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  ArrowDecodeError,
  ArrowFrameDecoder,
  ArrowFrameEncoder,
  decodeIpc,
  decodeRowsToColumns,
  encodeIpcStream,
  encodeRows,
  DataTypes as T,
} from '../../src/index.js';

// The codec is part of the package's public API: users read files and frames with it.
describe('codec through the package entry point', () => {
  const table = new Table({
    a: vectorFromArray([1, 2.5, -3], new Float64()),
    s: vectorFromArray(['x', 'yy', 'zzz'], new Utf8()),
  });
  const [batch] = table.batches;

  it('round-trips an IPC stream and data-plane elements', () => {
    const decoded = decodeIpc(encodeIpcStream(table.schema, [batch!]));
    expect(decoded.schema.fields.map((f) => f.name)).toEqual(['a', 's']);
    expect([...decoded.batches[0]!.getChild('s')!]).toEqual(['x', 'yy', 'zzz']);
    const frames = new ArrowFrameEncoder(table.schema).encodeMany([batch!, batch!]);
    const again = new ArrowFrameDecoder().decode(frames);
    expect(again).toHaveLength(2);
    expect([...again[1]!.getChild('a')!]).toEqual([1, 2.5, -3]);
  });

  it('round-trips rows with the row coder and refuses garbage with a typed error', () => {
    const types = [T.DOUBLE(), T.STRING()];
    const bytes = encodeRows([batch!.getChild('a')!, batch!.getChild('s')!], types);
    const cols = decodeRowsToColumns(bytes, types);
    expect([...cols[1]!]).toEqual(['x', 'yy', 'zzz']);
    expect(() => decodeIpc(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(ArrowDecodeError);
  });
});
