/**
 * docs/udf-guide.md cannot rot: every code block that shows a file equals that file, every
 * example UDF does what the guide says (checked against plain JS references on the CDN example's
 * logs), and the guide's `vecudf run` commands run through the built CLI with the output the
 * guide prints.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import {
  compilePlan,
  DataFrame,
  loadUdf,
  runAggregate,
  runRowWise,
  runVectorized,
  type Series,
  type Udf,
} from 'vecudf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdnLogTable } from '../../examples/cdn/generate.js';
import { provinceOf } from '../../examples/cdn/ip-to-province.js';
import { type LookupService, startLookupService } from '../../examples/cdn/lookup-service.js';
import { meanSpeed } from '../../examples/guide/aggregate.js';
import { zScore } from '../../examples/guide/danfo.js';
import { regionOf } from '../../examples/guide/lookup.js';
import { withSpeed } from '../../examples/guide/map-batches.js';
import { isVideo, mbPerSecondRow, sizeBucket } from '../../examples/guide/scalar.js';
import { speedsThroughWorker } from '../../examples/guide/through-worker.js';
import { mbPerSecond } from '../../examples/quickstart/speed.js';
import { builtCli } from '../harness/built-cli.js';
import { codeBlocks, ROOT, readRepoFile, shellCommands, words } from './markdown.js';

const GUIDE = 'docs/udf-guide.md';
const guide = readRepoFile(GUIDE);
const blocks = codeBlocks(guide);

// The CDN logs the examples run over: 25,000 rows in batches of 10,000.
const logs = cdnLogTable({ rows: 25_000, seed: 3 });
const batches = logs.batches;
const col = (name: string) => logs.getChild(name)!.toArray() as unknown[];
const bigints = (name: string) => Array.from(logs.getChild(name)!.toArray() as BigInt64Array);

/**
 * The named columns of a batch. (apache-arrow 21's `RecordBatch.select(names)` gives empty
 * columns for these batches; `selectAt` is what the runner uses too.)
 */
const pick = (b: arrow.RecordBatch, names: string[]) =>
  b.selectAt(names.map((n) => b.schema.fields.findIndex((f) => f.name === n)));

/** Runs a plan of one call over every batch; returns the values of its output column. */
async function runOver(udf: Udf, columns: string[], mode: 'vectorized' | 'row' = 'vectorized') {
  const out: unknown[] = [];
  for (const b of batches) {
    const input = pick(b, columns);
    const plan = compilePlan({ calls: [{ udf, args: columns.map((_, i) => ({ column: i })) }] });
    const r = mode === 'row' ? await runRowWise(plan, input) : await runVectorized(plan, input);
    out.push(...DataFrame.fromRecordBatch(r).col('f0').toArray());
  }
  return out;
}

describe('docs/udf-guide.md code blocks', () => {
  it('shows every TypeScript / JavaScript example as a file of the repository, verbatim', () => {
    const code = blocks.filter((b) => b.lang === 'ts' || b.lang === 'js');
    expect(code.length).toBeGreaterThanOrEqual(10);
    for (const b of code) {
      expect(b.file, `${GUIDE}:${b.line} shows code without a <!-- file: … --> marker`).toBeDefined();
      expect(b.code, `${GUIDE}:${b.line} differs from ${b.file}`).toBe(readRepoFile(b.file!));
    }
  });
});

describe('the guide examples', () => {
  it('isVideo: true for video segments, by the URI prefix', async () => {
    const expected = col('uri').map((u) => (u === null ? null : (u as string).startsWith('/video/')));
    expect(expected).toContain(true);
    expect(await runOver(isVideo, ['uri'])).toEqual(expected);
  });

  it('sizeBucket: 0 under 10 kB, 1 under 1 MB, 2 above, from a typed-array loop', async () => {
    const expected = bigints('response_size').map((b) => (b < 10_000n ? 0 : b < 1_000_000n ? 1 : 2));
    expect(new Set(expected)).toEqual(new Set([0, 1, 2]));
    expect(await runOver(sizeBucket, ['response_size'])).toEqual(expected);
  });

  it('mbPerSecond (vectorized) and mbPerSecondRow (row-wise) give the same speeds', async () => {
    const ms = bigints('request_time');
    const expected = bigints('response_size').map((b, i) => Number(b) / Number(ms[i]) / 1000);
    const cols = ['response_size', 'request_time'];
    expect(await runOver(mbPerSecond, cols)).toEqual(expected);
    expect(await runOver(mbPerSecondRow, cols, 'row')).toEqual(expected);
  });

  it('meanSpeed: one value per group, by key columns', async () => {
    // Group by whether the URI is a video segment: a key column made with isVideo.
    const b = batches[0]!;
    const video = await runVectorized(
      compilePlan({ calls: [{ udf: isVideo, args: [{ column: 0 }] }] }),
      pick(b, ['uri']),
    );
    const input = DataFrame.fromRecordBatch(pick(b, ['response_size', 'request_time']))
      .assign({ video: DataFrame.fromRecordBatch(video).col('f0') })
      .toRecordBatch();
    const plan = compilePlan({ calls: [{ udf: meanSpeed, args: [{ column: 0 }, { column: 1 }] }] });
    const out = DataFrame.fromRecordBatch(await runAggregate(plan, input, [2])).toObjects();
    const sums = new Map<boolean, [bigint, bigint]>();
    const f = DataFrame.fromRecordBatch(input);
    for (let i = 0; i < input.numRows; i++) {
      const k = f.col('video').get(i) as boolean;
      const [s, t] = sums.get(k) ?? [0n, 0n];
      sums.set(k, [
        s + (f.col('response_size').get(i) as bigint),
        t + (f.col('request_time').get(i) as bigint),
      ]);
    }
    expect(out).toHaveLength(2);
    for (const row of out) {
      const [s, t] = sums.get(row.video as boolean)!;
      expect(row.f0).toBe(Number(s) / Number(t));
    }
  });

  it('withSpeed (mapBatches): the ROW result columns, taken by name from the returned frame', async () => {
    const b = pick(batches[1]!, ['uri', 'response_size', 'request_time']);
    const plan = compilePlan({
      calls: [{ udf: withSpeed, args: [{ column: 0 }, { column: 1 }, { column: 2 }] }],
    });
    const out = DataFrame.fromRecordBatch(await runVectorized(plan, b));
    expect(out.columns).toEqual(['uri', 'mb_per_s']);
    const inp = DataFrame.fromRecordBatch(b);
    expect(out.col('uri').toArray()).toEqual(inp.col('uri').toArray());
    expect(out.col('mb_per_s').get(7)).toBe(
      Number(inp.col('response_size').get(7)) / Number(inp.col('request_time').get(7)) / 1000,
    );
  });

  describe('regionOf against a lookup service', () => {
    let service: LookupService;
    beforeAll(async () => {
      service = await startLookupService();
      process.env.REGION_SERVICE_URL = service.url;
    });
    afterAll(async () => {
      delete process.env.REGION_SERVICE_URL;
      await service?.stop();
    });

    it('asks once per batch and gives each address its region', async () => {
      const ips = col('client_ip') as (string | null)[];
      const got = await runOver(regionOf, ['client_ip']);
      expect(got).toEqual(ips.map((ip) => (ip === null ? null : provinceOf(ip))));
      expect(got).toContain(null);
      expect(service.stats.requests).toBe(batches.length);
    });
  });

  it('halve: a plain function, called as the reference says', async () => {
    const udf = await loadUdf(
      { module: 'examples/guide/plain.mjs', export: 'halve', kind: 'vectorized', resultType: 'DOUBLE' },
      { baseDir: ROOT },
    );
    expect(udf.kind).toBe('vectorized');
    expect(await runOver(udf, ['response_size'])).toEqual(bigints('response_size').map((b) => Number(b) / 2));
  });

  it('zScore: through danfo.js and back', async () => {
    const x = DataFrame.fromSeries({ x: Float64Array.of(1, 2, 3, 10) }).toRecordBatch();
    const out = await runVectorized(compilePlan({ calls: [{ udf: zScore, args: [{ column: 0 }] }] }), x);
    const s = DataFrame.fromRecordBatch(x).col('x') as Series;
    const [m, sd] = [s.mean(), s.std()];
    const got = DataFrame.fromRecordBatch(out).col('f0').toArray() as number[];
    for (const [i, v] of got.entries()) expect(v).toBeCloseTo(([1, 2, 3, 10][i]! - m) / sd, 12);
  });

  it('Runner from code: the same speeds through the worker process', async () => {
    const out = await speedsThroughWorker(batches.map((b) => pick(b, ['response_size', 'request_time'])));
    const got = out.flatMap((b) => DataFrame.fromRecordBatch(b).col('mb_per_s').toArray());
    const ms = bigints('request_time');
    expect(got).toEqual(bigints('response_size').map((b, i) => Number(b) / Number(ms[i]) / 1000));
    expect(out[0]!.schema.names).toEqual(['response_size', 'request_time', 'mb_per_s']);
  });
});

describe("the guide's commands (built CLI)", () => {
  let cli: string[] = [];
  let tmp = '';
  beforeAll(() => {
    cli = builtCli();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecudf-guide-'));
    const x = arrow.tableFromArrays({ x: Float64Array.of(1.5, -2, 4) });
    fs.writeFileSync(path.join(tmp, 'x.arrow'), arrow.tableToIPC(x, 'file'));
  }, 180_000);
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Runs a guide command from the repository root, with its input and output files under tmp. */
  function run(command: string) {
    const w = words(command);
    expect(w.slice(0, 2), command).toEqual(['node', 'dist/src/cli/main.js']);
    const args = w.slice(2).map((a, i, all) => {
      const opt = all[i - 1];
      if ((opt === '--output' || opt === '--stats') && !path.isAbsolute(a)) return path.join(tmp, a);
      if (opt === '--input' && a === 'x.arrow') return path.join(tmp, a);
      return a;
    });
    const [cmd, ...prefix] = cli;
    const r = spawnSync(cmd!, [...prefix, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, stderr: r.stderr, args };
  }

  const commandBlocks = blocks.filter((b) => b.lang === 'sh');

  it('prints the errors the guide shows for the broken UDFs', () => {
    const i = blocks.findIndex((b) => b.lang === 'sh' && b.code.includes('broken.ts'));
    const expected = blocks[i + 1]!.code.trim().split('\n');
    const commands = shellCommands(blocks[i]!.code);
    expect(commands).toHaveLength(expected.length);
    const worker = (s: string) => s.replace(/worker \d+-\d+/g, 'worker W');
    commands.forEach((c, k) => {
      const r = run(c);
      expect(r.code, c).toBe(1);
      expect(worker(r.stderr.trim())).toBe(worker(expected[k]!));
    });
  });

  it('runs the `vecudf run` commands of the guide', async () => {
    const commands = commandBlocks
      .filter((b) => !b.code.includes('broken.ts'))
      .flatMap((b) => shellCommands(b.code));
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const c of commands) {
      const r = run(c);
      expect(r.code, `${c}\n${r.stderr}`).toBe(0);
      const output = r.args[r.args.indexOf('--output') + 1]!;
      const table = arrow.tableFromIPC(fs.readFileSync(output));
      if (c.includes('meanSpeed')) {
        expect(table.numRows).toBe(1); // one global group
      } else {
        expect(table.numRows).toBe(1_000);
        expect(table.schema.names.at(-1)).toBe('result');
      }
    }
    const stats = JSON.parse(fs.readFileSync(path.join(tmp, 'stats.json'), 'utf8'));
    expect(stats).toMatchObject({ mode: 'row', rows: 1_000, path: 'grpc' });
  });
});
