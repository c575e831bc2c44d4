/**
 * Keeping the last row of each key across one or more batches: what an upsert means for a
 * target that cannot replace rows in place (files), and how a database sink avoids updating one
 * key twice in one statement. Runs on the Arrow buffers (the grouping and gather kernels of
 * src/series), not on row objects.
 *
 * @example
 * const latest = lastRowPerKey([first, second], ['province']); // one row per province, the latest
 */
import * as arrow from 'apache-arrow';
import { groupRows } from '../series/group-by.js';
import { takeData } from '../series/take.js';

/**
 * One batch with, for each distinct key, the last row holding it (rows in the order in which
 * their keys first appeared). All batches must share the schema of the first.
 */
export function lastRowPerKey(
  batches: readonly arrow.RecordBatch[],
  keyColumns: readonly string[],
): arrow.RecordBatch {
  if (batches.length === 0) throw new RangeError('lastRowPerKey needs at least one batch');
  const schema = batches[0]!.schema;
  const chunksOf = (i: number) => batches.map((b) => b.data.children[i]!);
  const keyIndex = keyColumns.map((k) => schema.fields.findIndex((f) => f.name === k));
  const missing = keyColumns.find((_, j) => keyIndex[j]! < 0);
  if (missing !== undefined) throw new RangeError(`lastRowPerKey: no column '${missing}'`);
  const total = batches.reduce((n, b) => n + b.numRows, 0);
  const { groupIds, numGroups } = groupRows(
    keyIndex.map((i) => new arrow.Vector(chunksOf(i))),
    total,
  );
  const last = new Int32Array(numGroups);
  for (let r = 0; r < total; r++) last[groupIds[r]!] = r;
  const children = schema.fields.map((_, i) => takeData(chunksOf(i), last));
  const type = new arrow.Struct(schema.fields);
  return new arrow.RecordBatch(schema, arrow.makeData({ type, length: numGroups, nullCount: 0, children }));
}

/**
 * Collects upserted rows for a target written once at the end (files): keeps every batch until
 * the rows held pass a bound, then compacts them to the last row per key.
 */
export class UpsertBuffer {
  private batches: arrow.RecordBatch[] = [];
  private rows = 0;
  private compactAt = 65_536;
  private keys: readonly string[] | undefined;

  add(batch: arrow.RecordBatch, keyColumns: readonly string[]): void {
    if (this.keys && this.keys.join('\u0000') !== keyColumns.join('\u0000')) {
      throw new RangeError(
        `upsert key columns changed from (${this.keys.join(', ')}) to (${keyColumns.join(', ')})`,
      );
    }
    this.keys = [...keyColumns];
    if (batch.numRows === 0) return;
    this.batches.push(batch);
    this.rows += batch.numRows;
    if (this.rows >= this.compactAt) {
      const compacted = lastRowPerKey(this.batches, this.keys);
      this.batches = [compacted];
      this.rows = compacted.numRows;
      // Amortize: the next compaction waits until the buffer has at least doubled.
      this.compactAt = Math.max(this.compactAt, 2 * this.rows);
    }
  }

  /** The last row per key of everything added, or null if nothing was. */
  result(): arrow.RecordBatch | null {
    if (this.batches.length === 0 || !this.keys) return null;
    return lastRowPerKey(this.batches, this.keys);
  }
}
