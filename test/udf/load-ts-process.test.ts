import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

// Outside vitest (which transforms .ts itself), a .ts UDF goes through tsx. Its apache-arrow must be
// the same module instance as ours, or the vectors it returns cannot be read.
it('a .ts UDF loaded by a plain node process shares apache-arrow with vecudf', () => {
  const script = `
    import { loadUdf, Series, DataTypes as T } from './dist/src/index.js';
    const u = await loadUdf({ module: 'test/fixtures/udfs/arrow-result.ts', export: 'tagged' }, { baseDir: process.cwd() });
    const out = await u.fn(Series.from(['a', null, 'b'], { type: T.STRING() }));
    console.log(JSON.stringify([...out]));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  expect(JSON.parse(out)).toEqual(['<a>', '<null>', '<b>']);
});
