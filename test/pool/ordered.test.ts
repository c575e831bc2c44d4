import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderedResults } from '../../src/pool/ordered.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OrderedResults', () => {
  it('writes results in input order whatever order they complete in', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }), async (delays) => {
        const written: number[] = [];
        const out = new OrderedResults<number>((v, i) => {
          expect(i).toBe(written.length);
          written.push(v);
        });
        delays.forEach((d, i) => {
          out.add(sleep(d).then(() => i * 10));
        });
        await out.done();
        expect(written).toEqual(delays.map((_, i) => i * 10));
      }),
      { numRuns: 30 },
    );
  });

  it('streams: a result is written as soon as every earlier one is done', async () => {
    const written: string[] = [];
    const out = new OrderedResults<string>((v) => written.push(v));
    let releaseSecond!: (v: string) => void;
    out.add(Promise.resolve('a'));
    out.add(new Promise<string>((r) => (releaseSecond = r)));
    out.add(Promise.resolve('c'));
    await sleep(1);
    expect(written).toEqual(['a']); // c is done but waits for b
    releaseSecond('b');
    await out.done();
    expect(written).toEqual(['a', 'b', 'c']);
  });

  it('fails with the first failure in input order and writes nothing after it', async () => {
    const written: number[] = [];
    const out = new OrderedResults<number>((v) => written.push(v));
    out.add(Promise.resolve(0));
    out.add(sleep(5).then(() => Promise.reject(new Error('second'))));
    out.add(Promise.reject(new Error('third'))); // fails earlier in time, later in order
    out.add(Promise.resolve(3));
    await expect(out.done()).rejects.toThrow('second');
    expect(written).toEqual([0]);
  });

  it('a throwing writer fails the bundle', async () => {
    const out = new OrderedResults<number>(() => {
      throw new Error('sink closed');
    });
    out.add(Promise.resolve(1));
    await expect(out.done()).rejects.toThrow('sink closed');
  });

  it('done() of an empty bundle resolves', async () => {
    await expect(new OrderedResults<number>(() => {}).done()).resolves.toBeUndefined();
  });
});
