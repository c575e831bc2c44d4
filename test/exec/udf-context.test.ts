import { describe, expect, test } from 'vitest';
import {
  currentUdfContext,
  noteAsyncUdf,
  withAsyncUdfContext,
  withUdfContext,
} from '../../src/exec/udf-context.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('UDF context (what a UDF call works for, readable while it runs)', () => {
  test('a synchronous call sees its context, and nothing is left after it', () => {
    const fn = () => currentUdfContext();
    expect(withUdfContext('b1', [fn], fn)).toBe('b1');
    expect(currentUdfContext()).toBeUndefined();
    expect(withUdfContext(undefined, [fn], fn)).toBeUndefined();
  });

  test('an async function keeps its own context across awaits, with calls overlapping', async () => {
    const seen: unknown[] = [];
    const fn = async (tag: string) => {
      seen.push([tag, currentUdfContext()]);
      await tick();
      seen.push([tag, currentUdfContext()]);
      await tick();
      return currentUdfContext();
    };
    const a = withUdfContext('bundle-a', [fn], () => fn('a'));
    const b = withUdfContext('bundle-b', [fn], () => fn('b'));
    expect(currentUdfContext()).toBeUndefined();
    expect(await Promise.all([a, b])).toEqual(['bundle-a', 'bundle-b']);
    expect(seen).toEqual([
      ['a', 'bundle-a'],
      ['b', 'bundle-b'],
      ['a', 'bundle-a'],
      ['b', 'bundle-b'],
    ]);
    expect(currentUdfContext()).toBeUndefined();
  });

  test('a plain function returning a promise keeps its context across awaits once noted', async () => {
    const fn = () => tick().then(() => currentUdfContext());
    // first call: only up to its first await (the caller notes the promise it got)
    const first = withUdfContext('b1', [fn], fn);
    noteAsyncUdf(fn);
    expect(await first).toBeUndefined();
    expect(await withUdfContext('b2', [fn], fn)).toBe('b2');
  });

  test('a synchronous call inside a pending async one sees its own context', async () => {
    const inner = () => currentUdfContext();
    const outer = async () => {
      await tick();
      const mid = withUdfContext('inner', [inner], inner);
      return [mid, currentUdfContext()];
    };
    expect(await withAsyncUdfContext('outer', outer)).toEqual(['inner', 'outer']);
  });

  test('a throwing call leaves no context behind', () => {
    const bad = async () => {
      throw new Error('no');
    };
    expect(() =>
      withUdfContext('x', [() => 0], () => {
        throw new Error('sync');
      }),
    ).toThrow('sync');
    expect(currentUdfContext()).toBeUndefined();
    return expect(withUdfContext('y', [bad], bad)).rejects.toThrow('no');
  });
});
