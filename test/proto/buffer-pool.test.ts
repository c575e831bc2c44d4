import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/proto/buffer-pool.js';

describe('BufferPool', () => {
  it('reuses a returned buffer that fits, and not one twice too big', () => {
    const pool = new BufferPool(2);
    const a = pool.take(1_000_000);
    expect(a.length).toBeGreaterThanOrEqual(1_000_000);
    pool.give(a);
    expect(pool.take(900_000)).toBe(a);
    pool.give(a);
    expect(pool.take(100_000)).not.toBe(a);
    expect(pool.take(1_000_000)).toBe(a);
  });

  it('keeps at most maxKept buffers and ignores small ones', () => {
    const pool = new BufferPool(1);
    const a = pool.take(200_000);
    const b = pool.take(200_000);
    pool.give(a);
    pool.give(b);
    expect(pool.take(200_000)).toBe(b);
    expect(pool.take(200_000)).not.toBe(a);
    const small = pool.take(100);
    pool.give(small);
    expect(pool.take(100)).not.toBe(small);
  });
});
