import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createExecutorPool } from '../../src/pool/index.js';
import { ownedBytes } from '../../src/pool/task.js';
import { element, fixturePlan, resultColumn } from './support.js';

// Bytes go to a thread by transfer: the caller's buffer is detached afterwards (a copy would leave
// it intact). A view that shares its buffer with other data is copied instead, never detached.
describe('executor pool: transfer, not copy', () => {
  const pool = createExecutorPool({ threads: 1 });
  const copying = createExecutorPool({ threads: 1, transfer: false });
  afterAll(() => Promise.all([pool.close(), copying.close()]));
  const plan = fixturePlan('plus', 2);
  const input = () => element(Float64Array.of(1, 2, 3), Float64Array.of(10, 20, 30));

  it("moves an element that owns its buffer: the sender's buffer is detached after dispatch", async () => {
    const bytes = input();
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.byteLength).toBe(bytes.buffer.byteLength);
    const out = await pool.run('plus', plan, bytes);
    expect(bytes.byteLength).toBe(0); // detached: the bytes went, they were not copied
    expect(bytes.buffer.byteLength).toBe(0);
    expect(resultColumn(out)).toEqual([11, 22, 33]);
    // the result arrives in the encoder's own buffer, moved whole: the payload plus its varint prefix
    expect(out.byteOffset).toBeGreaterThan(0);
    expect(out.byteOffset).toBeLessThanOrEqual(5);
    expect(out.byteOffset + out.byteLength).toBe(out.buffer.byteLength);
  });

  it('copies a view that shares its buffer (e.g. one element of a gRPC message holding several)', async () => {
    const one = input();
    const shared = new Uint8Array(one.byteLength * 2 + 3);
    shared.set(one, 3);
    shared.set(one, 3 + one.byteLength);
    const first = shared.subarray(3, 3 + one.byteLength);
    const second = shared.subarray(3 + one.byteLength);
    const outs = await Promise.all([pool.run('plus', plan, first), pool.run('plus', plan, second)]);
    expect(shared.byteLength).toBe(one.byteLength * 2 + 3); // neighbours untouched
    expect(first).toEqual(one);
    expect(outs.map(resultColumn)).toEqual([
      [11, 22, 33],
      [11, 22, 33],
    ]);
  });

  it('copies small Node Buffers (they live in a shared slab) instead of detaching the slab', async () => {
    const neighbour = Buffer.from('neighbour');
    const small = Buffer.from(input());
    expect(small.buffer).toBe(neighbour.buffer); // same 8 KiB pool slab
    expect(resultColumn(await pool.run('plus', plan, small))).toEqual([11, 22, 33]);
    expect(neighbour.toString()).toBe('neighbour');
  });

  it('with transfer: false the bytes are copied both ways (the sender keeps its buffer)', async () => {
    const bytes = input();
    const out = await copying.run('plus', plan, bytes);
    expect(bytes.byteLength).toBeGreaterThan(0);
    expect(resultColumn(out)).toEqual([11, 22, 33]);
  });

  it('a shared view is copied to offset 0 of a fresh buffer (8-byte aligned); an own buffer moves whole', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 15 }), (len, at) => {
        const slab = new Uint8Array(at + len + 5).map((_, i) => i);
        const view = slab.subarray(at, at + len);
        const o = ownedBytes(view);
        expect(o.byteOffset).toBe(0);
        expect(o.buffer).not.toBe(slab.buffer);
        expect(Buffer.compare(new Uint8Array(o.buffer, o.byteOffset, o.byteLength), view)).toBe(0);
        // the encoder's case: part of a buffer we alone hold moves with its offset, uncopied
        expect(ownedBytes(view, true)).toEqual({ buffer: slab.buffer, byteOffset: at, byteLength: len });
      }),
    );
    const whole = new Uint8Array(64);
    expect(ownedBytes(whole)).toEqual({ buffer: whole.buffer, byteOffset: 0, byteLength: 64 });
  });
});
