import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DataTypes as T, typeToString } from '../../src/types/data-types.js';
import { loadUdf, parseUdfRef } from '../../src/udf/load.js';
import { isUdf } from '../../src/udf/types.js';

const baseDir = resolve(import.meta.dirname, '../fixtures/udfs');

describe('parseUdfRef', () => {
  it('splits at the last #, export defaulting to default', () => {
    expect(parseUdfRef('./udfs/a.ts#plus')).toEqual({ module: './udfs/a.ts', export: 'plus' });
    expect(parseUdfRef('/x/y#z.mjs#f')).toEqual({ module: '/x/y#z.mjs', export: 'f' });
    expect(parseUdfRef('a.mjs')).toEqual({ module: 'a.mjs', export: 'default' });
    expect(() => parseUdfRef('a.mjs#')).toThrow('the export name after');
    expect(() => parseUdfRef('#f')).toThrow('the module path is empty');
  });
});

describe('loadUdf', () => {
  it('loads UDF objects from a .ts module through tsx, with their kind, name and types', async () => {
    const plus = await loadUdf({ module: 'typed.ts', export: 'plus' }, { baseDir });
    expect(isUdf(plus)).toBe(true);
    expect(plus.kind).toBe('vectorized');
    expect(plus.name).toBe('plus'); // an anonymous arrow function is named after its export
    expect(plus.inputTypes?.map(typeToString)).toEqual(['DOUBLE', 'DOUBLE']);
    expect(typeToString(plus.resultType)).toBe('DOUBLE');
    const row = await loadUdf({ module: './typed.ts', export: 'plusRow', kind: 'row' }, { baseDir });
    expect(row.kind).toBe('row');
    expect(row.name).toBe('plus_row');
    expect(row.fn(1, 2)).toBe(3);
  });

  it('imports each module once', async () => {
    const a = await loadUdf({ module: 'typed.ts', export: 'plus' }, { baseDir });
    const b = await loadUdf({ module: join(baseDir, 'typed.ts'), export: 'plus' }, { baseDir: '/' });
    const c = await loadUdf(
      { module: pathToFileURL(join(baseDir, 'typed.ts')).href, export: 'plus' },
      { baseDir: '/' },
    );
    expect(b.fn).toBe(a.fn);
    expect(c.fn).toBe(a.fn);
  });

  it('accepts plain functions from .mjs and .js when the caller gives kind and types', async () => {
    const double = await loadUdf(
      {
        module: 'plain.mjs',
        export: 'double',
        kind: 'vectorized',
        inputTypes: ['DOUBLE'],
        resultType: 'DOUBLE',
      },
      { baseDir },
    );
    expect(isUdf(double)).toBe(true);
    expect(double.kind).toBe('vectorized');
    expect(double.name).toBe('double');
    expect(double.inputTypes?.map(typeToString)).toEqual(['DOUBLE']);
    const triple = await loadUdf(
      { module: 'plain.js', export: 'default', kind: 'vectorized', resultType: T.BIGINT(), name: 'triple' },
      { baseDir },
    );
    expect(triple.name).toBe('triple');
    expect(triple.inputTypes).toBeUndefined();
  });

  it('says what is missing for a plain function without kind or result type', async () => {
    await expect(loadUdf({ module: 'plain.mjs', export: 'double' }, { baseDir })).rejects.toThrow(
      /export 'double' of .*plain\.mjs is a plain function: give its kind \(vectorized \| row \| aggregate \| map_batches\) and resultType/,
    );
    await expect(
      loadUdf({ module: 'plain.mjs', export: 'double', kind: 'vectorized' }, { baseDir }),
    ).rejects.toThrow('is a plain function');
  });

  it('gives clear errors for a missing module, a missing export, a wrong kind, a non-function', async () => {
    await expect(loadUdf({ module: 'nope.ts', export: 'x' }, { baseDir })).rejects.toThrow(
      `UDF module not found: ${join(baseDir, 'nope.ts')} ('nope.ts' from ${baseDir})`,
    );
    await expect(loadUdf({ module: 'typed.ts', export: 'minus' }, { baseDir })).rejects.toThrow(
      /has no export 'minus' \(it exports: .*plus.*\)/,
    );
    await expect(loadUdf({ module: 'typed.ts', export: 'plus', kind: 'row' }, { baseDir })).rejects.toThrow(
      `export 'plus' of ${join(baseDir, 'typed.ts')} is a vectorized UDF, but row was asked for`,
    );
    await expect(
      loadUdf({ module: 'typed.ts', export: 'plus', kind: 'sideways' as never }, { baseDir }),
    ).rejects.toThrow("kind must be one of vectorized, row, aggregate, map_batches, got 'sideways'");
    await expect(loadUdf({ module: 'plain.mjs', export: 'notAFunction' }, { baseDir })).rejects.toThrow(
      'is neither a UDF nor a function (got number)',
    );
    await expect(
      loadUdf({ module: 'typed.ts', export: 'plus', resultType: 'INT' }, { baseDir }),
    ).rejects.toThrow('its result type is DOUBLE, but INT was asked for');
    await expect(
      loadUdf({ module: 'typed.ts', export: 'plus', inputTypes: ['DOUBLE'] }, { baseDir }),
    ).rejects.toThrow('its input types are (DOUBLE, DOUBLE), but (DOUBLE) were asked for');
  });

  it('reports a module that throws while loading, and does not cache the failure', async () => {
    await expect(loadUdf({ module: 'broken.mjs', export: 'x' }, { baseDir })).rejects.toThrow(
      /cannot load UDF module .*broken\.mjs: boom at load/,
    );
    await expect(loadUdf({ module: 'broken.mjs', export: 'x' }, { baseDir })).rejects.toThrow('boom at load');
  });

  it('adopts the caller’s input types for a UDF that declares none', async () => {
    const id = await loadUdf({ module: 'typed.ts', export: 'identity', inputTypes: ['BIGINT'] }, { baseDir });
    expect(id.inputTypes?.map(typeToString)).toEqual(['BIGINT']);
  });

  it('refuses modules outside the allowed directories and non-file URLs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vecudf-load-'));
    writeFileSync(join(dir, 'f.mjs'), 'export const f = (a) => a;\n');
    await expect(
      loadUdf(
        { module: join(dir, 'f.mjs'), export: 'f', kind: 'vectorized', resultType: 'INT' },
        { baseDir, allowedDirs: [baseDir] },
      ),
    ).rejects.toThrow('is outside the allowed directories');
    const ok = await loadUdf(
      { module: join(dir, 'f.mjs'), export: 'f', kind: 'vectorized', resultType: 'INT' },
      { baseDir, allowedDirs: [dir] },
    );
    expect(ok.name).toBe('f');
    await expect(loadUdf({ module: 'https://example.com/u.mjs', export: 'f' }, { baseDir })).rejects.toThrow(
      'only file paths and file: URLs can be loaded',
    );
  });
});
