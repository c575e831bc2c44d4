import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { ArrowFileSink } from '../../src/sink/arrow-file.js';
import { CsvSink } from '../../src/sink/csv.js';
import { DuckDbSink } from '../../src/sink/duckdb.js';
import { openSink, sinkKind } from '../../src/sink/open.js';

const dir = mkdtempSync(join(tmpdir(), 'vecudf-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const batch = new arrow.Table({ a: arrow.vectorFromArray([1, 2], new arrow.Int32()) }).batches[0]!;

describe('openSink', () => {
  it('picks the sink by scheme or extension', () => {
    expect(sinkKind('mysql://u:p@h/db?table=t')).toBe('mysql');
    expect(sinkKind('MariaDB://u@h/db')).toBe('mysql');
    expect(sinkKind('duckdb:out/x.db?table=t')).toBe('duckdb');
    expect(sinkKind('out/x.DuckDB')).toBe('duckdb');
    expect(sinkKind('x.ddb')).toBe('duckdb');
    expect(sinkKind('x.arrow')).toBe('arrow');
    expect(sinkKind('x.feather')).toBe('arrow');
    expect(sinkKind('x.arrows')).toBe('arrows');
    expect(sinkKind('x.csv')).toBe('csv');
    expect(sinkKind('x.tsv')).toBe('tsv');
    expect(sinkKind('-')).toBe('stdout');
    expect(sinkKind('x.parquet')).toBeUndefined();
  });

  it('opens working sinks of each file kind', async () => {
    const csv = await openSink(join(dir, 'a.tsv'));
    expect(csv).toBeInstanceOf(CsvSink);
    await csv.write(batch);
    await csv.close();
    expect(readFileSync(join(dir, 'a.tsv'), 'utf8')).toBe('a\n1\n2\n');

    const ipc = await openSink(join(dir, 'sub', 'a.arrows'));
    expect(ipc).toBeInstanceOf(ArrowFileSink);
    await ipc.write(batch);
    await ipc.close();
    expect(arrow.tableFromIPC(readFileSync(join(dir, 'sub', 'a.arrows'))).numRows).toBe(2);

    const db = (await openSink(`duckdb:${join(dir, 'a.db')}?table=numbers`)) as DuckDbSink;
    expect(db).toBeInstanceOf(DuckDbSink);
    await db.write(batch);
    expect(await db.query('SELECT sum(a) AS s FROM numbers')).toEqual([{ s: 3n }]);
    await db.close();
  });

  it('names the accepted targets when none matches', async () => {
    await expect(openSink('out.parquet')).rejects.toThrow(/no sink for 'out.parquet'.*\.csv/);
    await expect(openSink('duckdb:?table=x')).rejects.toThrow(/names no file/);
  });
});
