/**
 * Cuts a key-sorted stream of record batches into one record batch per group key, the input
 * shape of Flink's Arrow group aggregate (`flink:transform:aggregate_function:arrow:v1`): a new
 * key value closes the current group.
 *
 * Input must be grouped by the key columns (rows with equal keys adjacent), as Flink's batch
 * group aggregate receives it after sorting; a key that reappears later starts a new group.
 * Groups inside one input batch are zero-copy slices; a group that spans input batches is copied
 * once. `maxRows` bounds memory for a huge group: the operator rejects such a group clearly.
 *
 * @example
 * for await (const g of cutGroups(sortedBatches, [0])) console.log(g.get(0)?.toJSON(), g.numRows);
 */
import { type Data, type DataType, type RecordBatch, type Schema, Type } from 'apache-arrow';
import { type BatchSource, checkSameSchema, concatBatches } from './batch-cutter.js';

/** Yields one batch per run of equal key values (columns `keys`, by index) in `input`. */
export async function* cutGroups(
  input: BatchSource,
  keys: readonly number[],
  maxRows = Number.POSITIVE_INFINITY,
): AsyncGenerator<RecordBatch> {
  let schema: Schema | undefined;
  let pending: RecordBatch[] = [];
  let pendingRows = 0;
  for await (const batch of input) {
    schema = checkSameSchema(schema, batch);
    const n = batch.numRows;
    if (n === 0) continue;
    const cols = keys.map((k) => columnData(batch, k));
    let start = 0;
    if (pendingRows > 0) {
      const last = pending[pending.length - 1]!;
      const lastCols = keys.map((k) => columnData(last, k));
      if (!rowsEqual(lastCols, last.numRows - 1, cols, 0)) {
        yield concatBatches(pending);
        pending = [];
        pendingRows = 0;
      }
    }
    for (let i = 1; i < n; i++) {
      if (rowsEqual(cols, i - 1, cols, i)) continue;
      if (pendingRows > 0) {
        pending.push(batch.slice(start, i));
        checkSize(pendingRows + i - start, maxRows);
        yield concatBatches(pending);
        pending = [];
        pendingRows = 0;
      } else {
        yield batch.slice(start, i);
      }
      start = i;
    }
    pending.push(start === 0 ? batch : batch.slice(start, n));
    pendingRows += n - start;
    checkSize(pendingRows, maxRows);
  }
  if (pendingRows > 0) yield concatBatches(pending);
}

function checkSize(rows: number, maxRows: number): void {
  if (rows > maxRows) {
    throw new Error(`a group has more than ${maxRows} rows; raise the group size limit or pre-aggregate`);
  }
}

function columnData(batch: RecordBatch, index: number): Data {
  const child = batch.data.children[index];
  if (!child) throw new Error(`key column ${index} is out of range (${batch.numCols} columns)`);
  return child;
}

function rowsEqual(a: readonly Data[], i: number, b: readonly Data[], j: number): boolean {
  for (let c = 0; c < a.length; c++) if (!valuesEqual(a[c]!, i, b[c]!, j)) return false;
  return true;
}

/** Equality of element `i` of `a` and element `j` of `b` (same type); two nulls are equal, as in GROUP BY. */
export function valuesEqual(a: Data, i: number, b: Data, j: number): boolean {
  const va = a.getValid(i);
  const vb = b.getValid(j);
  if (!va || !vb) return va === vb;
  const type: DataType = a.type;
  switch (type.typeId) {
    case Type.Null:
      return true;
    case Type.Bool: {
      const x = a.offset + i;
      const y = b.offset + j;
      const bx = ((a.values as Uint8Array)[x >> 3]! >> (x & 7)) & 1;
      const by = ((b.values as Uint8Array)[y >> 3]! >> (y & 7)) & 1;
      return bx === by;
    }
    case Type.Utf8:
    case Type.Binary: {
      const oa = a.valueOffsets as Int32Array;
      const ob = b.valueOffsets as Int32Array;
      return bytesEqual(
        a.values as Uint8Array,
        oa[i]!,
        oa[i + 1]!,
        b.values as Uint8Array,
        ob[j]!,
        ob[j + 1]!,
      );
    }
    case Type.Int:
    case Type.Float:
    case Type.Decimal:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Interval:
    case Type.Duration:
    case Type.FixedSizeBinary: {
      const s = a.stride;
      const xa = a.values as ArrayLike<number | bigint>;
      const xb = b.values as ArrayLike<number | bigint>;
      for (let k = 0; k < s; k++) {
        const p = xa[i * s + k] as number;
        const q = xb[j * s + k] as number;
        // NaN groups with NaN (same bits), as SQL GROUP BY does.
        if (p !== q && !(Number.isNaN(p) && Number.isNaN(q))) return false;
      }
      return true;
    }
    case Type.Struct:
      for (let c = 0; c < a.children.length; c++) {
        if (!valuesEqual(a.children[c]!, i, b.children[c]!, j)) return false;
      }
      return true;
    case Type.List:
    case Type.Map: {
      const oa = a.valueOffsets as Int32Array;
      const ob = b.valueOffsets as Int32Array;
      const n = oa[i + 1]! - oa[i]!;
      if (n !== ob[j + 1]! - ob[j]!) return false;
      for (let k = 0; k < n; k++) {
        if (!valuesEqual(a.children[0]!, oa[i]! + k, b.children[0]!, ob[j]! + k)) return false;
      }
      return true;
    }
    case Type.FixedSizeList: {
      const size = (type as unknown as { listSize: number }).listSize;
      for (let k = 0; k < size; k++) {
        if (!valuesEqual(a.children[0]!, i * size + k, b.children[0]!, j * size + k)) return false;
      }
      return true;
    }
    default:
      throw new Error(`cannot group by a column of type ${String(type)}`);
  }
}

function bytesEqual(x: Uint8Array, xs: number, xe: number, y: Uint8Array, ys: number, ye: number): boolean {
  if (xe - xs !== ye - ys) return false;
  for (let k = 0; k < xe - xs; k++) if (x[xs + k] !== y[ys + k]) return false;
  return true;
}
