/**
 * Batch cutting of the CSV source (by size, and by time when input trickles in), and opening an
 * input by name or by its first bytes (CSV, Arrow stream, Arrow file).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvSource } from '../../src/source/csv-source.js';
import { openSource, sniffFormat } from '../../src/source/open-source.js';

const enc = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecudf-source-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function lines(from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += `${i},v${i}\n`;
  return s;
}

describe('CsvSource', () => {
  it('cuts batches of batchSize rows, whatever the chunks', async () => {
    async function* chunks() {
      const text = `a,b\n${lines(0, 25)}`;
      for (let i = 0; i < text.length; i += 7) yield text.slice(i, i + 7);
    }
    const src = new CsvSource(chunks(), { batchSize: 10, batchTimeMs: 10_000 });
    const sizes: number[] = [];
    const first: bigint[] = [];
    for await (const b of src) {
      sizes.push(b.numRows);
      first.push(b.getChild('a')!.get(0) as bigint);
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(first).toEqual([0n, 10n, 20n]);
    expect(src.rowsRead).toBe(25);
  });

  it('lets rows out after batchTimeMs when input trickles, before more input comes', async () => {
    const input = new PassThrough();
    const src = new CsvSource(input, { batchSize: 1000, batchTimeMs: 50 });
    const seen: { rows: number; at: number }[] = [];
    const t0 = performance.now();
    const reading = (async () => {
      for await (const b of src) seen.push({ rows: b.numRows, at: performance.now() - t0 });
    })();
    input.write('a,b\n0,x\n1,');
    await sleep(600);
    // the complete row came out on its own (types inferred from what was there), the half row waits
    expect(seen.map((s) => s.rows)).toEqual([1]);
    expect(seen[0]!.at).toBeLessThan(550);
    input.write('y\n2,z\n');
    await sleep(600);
    expect(seen.map((s) => s.rows)).toEqual([1, 2]);
    input.end('3,w');
    await reading;
    expect(seen.map((s) => s.rows)).toEqual([1, 2, 1]);
    expect(src.rowsRead).toBe(4);
  });
});

describe('openSource', () => {
  const table = arrow.tableFromArrays({ x: Float64Array.of(1, 2, 3) });

  it('tells Arrow streams and files from CSV by their first bytes', () => {
    expect(sniffFormat(arrow.tableToIPC(table, 'stream'))).toBe('arrow');
    expect(sniffFormat(arrow.tableToIPC(table, 'file'))).toBe('arrow');
    expect(sniffFormat(enc.encode('x\n1\n'))).toBe('csv');
    expect(sniffFormat(new Uint8Array(0))).toBe('csv');
  });

  for (const fmt of ['stream', 'file'] as const) {
    it(`reads an Arrow ${fmt} from stdin without --format`, async () => {
      const stdin = new PassThrough();
      stdin.end(arrow.tableToIPC(table, fmt));
      const src = await openSource('-', { stdin });
      expect(src.format).toBe('arrow');
      const xs: number[] = [];
      for await (const b of src.batches) xs.push(...(b.getChild('x')!.toArray() as Float64Array));
      expect(xs).toEqual([1, 2, 3]);
      expect(src.stats().rowsRead).toBe(3);
    });
  }

  it('reads CSV from stdin, and files by extension (.tsv is tab-delimited)', async () => {
    const stdin = new PassThrough();
    stdin.end('x\n1.5\n');
    const a = await openSource('-', { stdin });
    expect(a.format).toBe('csv');
    const rows = [];
    for await (const b of a.batches) rows.push(...b.toArray().map((r) => r.toJSON()));
    expect(rows).toEqual([{ x: 1.5 }]);

    const tsv = path.join(tmp, 'in.tsv');
    fs.writeFileSync(tsv, 'a\tb\n1\tx,y\n');
    const t = await openSource(tsv, { schema: 'a INT, b STRING' });
    const trows = [];
    for await (const b of t.batches) trows.push(...b.toArray().map((r) => r.toJSON()));
    expect(trows).toEqual([{ a: 1, b: 'x,y' }]);
  });

  it('reads Arrow files and stream files by extension, and names a truncated one', async () => {
    for (const [name, fmt] of [
      ['t.arrow', 'file'],
      ['t.arrows', 'stream'],
    ] as const) {
      const p = path.join(tmp, name);
      fs.writeFileSync(p, arrow.tableToIPC(table, fmt));
      const src = await openSource(p);
      expect(src.format).toBe('arrow');
      const xs: number[] = [];
      for await (const b of src.batches) xs.push(...(b.getChild('x')!.toArray() as Float64Array));
      expect(xs).toEqual([1, 2, 3]);
    }
    const cut = path.join(tmp, 'cut.arrow');
    const bytes = arrow.tableToIPC(table, 'file');
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 20));
    const src = await openSource(cut);
    await expect(async () => {
      for await (const _ of src.batches);
    }).rejects.toThrow(/cut\.arrow: not a readable Arrow IPC stream or file/);
  });

  it('says what is wrong with an input it cannot read', async () => {
    await expect(openSource(path.join(tmp, 'missing.csv'))).rejects.toThrow(/cannot read .*missing\.csv/);
    const stdin = new PassThrough();
    stdin.end(enc.encode('not arrow at all'));
    const src = await openSource('-', { stdin, format: 'arrow' });
    await expect(async () => {
      for await (const _ of src.batches);
    }).rejects.toThrow(/stdin: not a readable Arrow IPC stream/);
    await expect(
      openSource('-', { stdin: new PassThrough(), format: 'arrow', schema: 'a INT' }),
    ).rejects.toThrow(/--schema is for CSV input/);
  });
});
