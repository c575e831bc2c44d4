/**
 * A bounds-checked reader for the flatbuffers inside Arrow IPC messages. Every read is checked
 * against the message's metadata region, every vector length against the bytes it would occupy,
 * so lying lengths and offsets end in an {@link ArrowDecodeError} instead of a wild read, a huge
 * allocation or a loop over billions of elements.
 *
 * Flatbuffers in brief: a table starts with an int32 `soffset` to its vtable (at table - soffset);
 * the vtable is uint16 [vtable bytes, table bytes, field 0 offset, field 1 offset, …], a field
 * offset of 0 meaning "absent, use the default". Reference fields hold a uint32 offset relative
 * to where it is stored; a vector is a uint32 count followed by its elements; a string is a
 * vector of bytes.
 */
import { ArrowDecodeError } from './ipc-errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A table: its position and its vtable's position and size. */
export interface FbTable {
  readonly pos: number;
  readonly vt: number;
  readonly vtSize: number;
}

/** A vector: position of its first element and its element count. */
export interface FbVector {
  readonly pos: number;
  readonly length: number;
}

export class FbReader {
  /**
   * @param view the whole input
   * @param start first byte of the flatbuffer
   * @param end one past its last byte
   * @param base absolute offset of `view`'s byte 0 in the caller's input, for error positions
   * @param what what this flatbuffer is, for messages ("message metadata", "file footer")
   */
  constructor(
    readonly view: DataView,
    readonly start: number,
    readonly end: number,
    readonly base: number,
    readonly what: string,
  ) {}

  /** The error for `detail` at `pos` (for `throw fb.error(…)`, which narrows types). */
  error(detail: string, pos: number): ArrowDecodeError {
    return new ArrowDecodeError(`${this.what}: ${detail}`, this.base + pos);
  }

  fail(detail: string, pos: number): never {
    throw this.error(detail, pos);
  }

  private check(pos: number, size: number, what: string): void {
    if (pos < this.start || pos + size > this.end) {
      this.fail(
        `${what} (${size} bytes) lies outside the flatbuffer [${this.base + this.start}, ${this.base + this.end})`,
        pos,
      );
    }
  }

  /** The root table. */
  root(): FbTable {
    this.check(this.start, 4, 'root offset');
    return this.tableAt(this.start + this.view.getUint32(this.start, true), this.start);
  }

  /** The table at `pos` (`from` is where the reference to it was, for errors). */
  tableAt(pos: number, from: number): FbTable {
    if (pos < this.start || pos + 4 > this.end) this.fail('table offset points outside the flatbuffer', from);
    const vt = pos - this.view.getInt32(pos, true);
    if (vt < this.start || vt + 4 > this.end) this.fail('vtable offset points outside the flatbuffer', pos);
    const vtSize = this.view.getUint16(vt, true);
    const tableSize = this.view.getUint16(vt + 2, true);
    if (vtSize < 4 || vtSize % 2 !== 0) this.fail(`bad vtable size ${vtSize}`, vt);
    this.check(vt, vtSize, 'vtable');
    this.check(pos, Math.max(4, tableSize), 'table');
    return { pos, vt, vtSize };
  }

  /** Absolute position of field `id` of a table, or 0 when the field is absent. */
  field(t: FbTable, id: number, size: number): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > t.vtSize) return 0;
    const off = this.view.getUint16(t.vt + slot, true);
    if (off === 0) return 0;
    const pos = t.pos + off;
    this.check(pos, size, `field ${id}`);
    return pos;
  }

  u8(t: FbTable, id: number, dflt: number): number {
    const p = this.field(t, id, 1);
    return p === 0 ? dflt : this.view.getUint8(p);
  }

  bool(t: FbTable, id: number, dflt: boolean): boolean {
    const p = this.field(t, id, 1);
    return p === 0 ? dflt : this.view.getUint8(p) !== 0;
  }

  i16(t: FbTable, id: number, dflt: number): number {
    const p = this.field(t, id, 2);
    return p === 0 ? dflt : this.view.getInt16(p, true);
  }

  i32(t: FbTable, id: number, dflt: number): number {
    const p = this.field(t, id, 4);
    return p === 0 ? dflt : this.view.getInt32(p, true);
  }

  /** An int64 field as a number; a value beyond ±2^53 is malformed for every use in Arrow IPC. */
  i64(t: FbTable, id: number, dflt: number): number {
    const p = this.field(t, id, 8);
    return p === 0 ? dflt : this.int64At(p);
  }

  /** The int64 at absolute position `p` (already bounds-checked) as a safe number. */
  int64At(p: number): number {
    const lo = this.view.getUint32(p, true);
    const hi = this.view.getInt32(p + 4, true);
    if (hi > 0x1fffff || hi < -0x200000) this.fail('64-bit value out of range', p);
    return hi * 4294967296 + lo;
  }

  /** Where a reference field points, or 0 when absent. */
  private ref(t: FbTable, id: number): number {
    const p = this.field(t, id, 4);
    if (p === 0) return 0;
    const target = p + this.view.getUint32(p, true);
    if (target >= this.end) this.fail(`field ${id} points past the end of the flatbuffer`, p);
    return target;
  }

  table(t: FbTable, id: number): FbTable | null {
    const target = this.ref(t, id);
    return target === 0 ? null : this.tableAt(target, t.pos);
  }

  /** A vector of `elemSize`-byte elements; its bytes are checked to lie inside the flatbuffer. */
  vector(t: FbTable, id: number, elemSize: number): FbVector | null {
    const target = this.ref(t, id);
    if (target === 0) return null;
    this.check(target, 4, 'vector length');
    const length = this.view.getUint32(target, true);
    // the elements must fit in the flatbuffer: this bounds `length` by the metadata size
    if (length * elemSize > this.end - target - 4) {
      this.fail(`vector of ${length} elements does not fit in the flatbuffer`, target);
    }
    return { pos: target + 4, length };
  }

  /** Element i of a vector of tables. */
  tableIn(v: FbVector, i: number): FbTable {
    const p = v.pos + 4 * i;
    return this.tableAt(p + this.view.getUint32(p, true), p);
  }

  string(t: FbTable, id: number): string | null {
    const v = this.vector(t, id, 1);
    if (v === null) return null;
    return utf8.decode(new Uint8Array(this.view.buffer, this.view.byteOffset + v.pos, v.length));
  }

  /** A string stored in element i of a vector of tables' field — helper for key/value pairs. */
  keyValues(t: FbTable, id: number): Map<string, string> {
    const out = new Map<string, string>();
    const v = this.vector(t, id, 4);
    if (v === null) return out;
    for (let i = 0; i < v.length; i++) {
      const kv = this.tableIn(v, i);
      out.set(this.string(kv, 0) ?? '', this.string(kv, 1) ?? '');
    }
    return out;
  }
}
