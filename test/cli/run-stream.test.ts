/**
 * `vecudf run` over streaming input, through the built CLI (`node dist/src/cli/main.js`):
 * lines written slowly to its stdin get their results on stdout while stdin is still open
 * (through the worker); malformed lines are skipped and reported, or fail the run, with their
 * line numbers; an Arrow stream on stdin is recognised by its first bytes; --sink writes too.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provinceOf } from '../../examples/cdn/ip-to-province.js';
import { builtCli, ROOT } from '../harness/built-cli.js';

const SCHEMA =
  'uuid STRING, client_ip STRING, request_time BIGINT, response_size BIGINT, uri STRING, event_ts TIMESTAMP(3)';
const IPS = ['40.101.0.154', '118.118.37.196', '204.229.209.78', '999.1.1.1', '', '179.27.30.243'];

function line(i: number): string {
  const ip = IPS[i % IPS.length]!;
  return `id-${i},${ip},${10 + i},${1000 * i},/p/${i},2024-06-01 00:00:${String(i % 60).padStart(2, '0')}.000\n`;
}

let cli: string[] = [];
let tmp = '';
beforeAll(() => {
  cli = builtCli();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vecudf-run-stream-'));
}, 180_000);
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs the CLI to completion with `input` on stdin. */
function runSync(args: string[], input: string | Uint8Array) {
  const [cmd, ...prefix] = cli;
  const r = spawnSync(cmd!, [...prefix, 'run', ...args], { cwd: ROOT, input, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** Output lines of a running child, with a way to wait for one. */
function watch(child: ChildProcessWithoutNullStreams) {
  const lines: { text: string; at: number }[] = [];
  let partial = '';
  let waiters: (() => void)[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => {
    const parts = (partial + s).split('\n');
    partial = parts.pop()!;
    for (const p of parts) lines.push({ text: p, at: performance.now() });
    for (const w of waiters) w();
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr += s;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    lines,
    stderr: () => stderr,
    exited,
    /** Resolves with the first line containing `needle`, or rejects after `ms`. */
    async waitFor(needle: string, ms: number): Promise<{ text: string; at: number }> {
      const deadline = performance.now() + ms;
      while (true) {
        const hit = lines.find((l) => l.text.includes(needle));
        if (hit) return hit;
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`no output line with '${needle}' within ${ms} ms; stderr: ${stderr}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
        waiters = [];
      }
    },
  };
}

describe('vecudf run --input - (streaming)', () => {
  it('prints results for lines written slowly while stdin is still open', async () => {
    const [cmd, ...prefix] = cli;
    const child = spawn(
      cmd!,
      [
        ...prefix,
        'run',
        '--udf',
        'examples/cdn/ip-to-province.ts#ipToProvince',
        '--columns',
        'client_ip',
        '--input',
        '-',
        '--format',
        'csv',
        '--schema',
        SCHEMA,
        '--output',
        '-',
        '--batch-time-ms',
        '100',
      ],
      { cwd: ROOT },
    );
    const out = watch(child);
    try {
      // the first line also waits for the worker to start and load the UDF
      child.stdin.write(`uuid,client_ip,request_time,response_size,uri,event_ts\n${line(0)}`);
      await out.waitFor('id-0,', 60_000);
      const latencies: number[] = [];
      for (let i = 1; i <= 5; i++) {
        const t = performance.now();
        child.stdin.write(line(i));
        const got = await out.waitFor(`id-${i},`, 15_000);
        latencies.push(got.at - t);
        expect(child.exitCode).toBeNull(); // still running: stdin is open
      }
      child.stdin.end();
      expect(await out.exited, out.stderr()).toBe(0);
      const rows = out.lines.map((l) => l.text);
      expect(rows[0]).toBe('uuid,client_ip,request_time,response_size,uri,event_ts,result');
      expect(rows.slice(1)).toEqual(
        Array.from(
          { length: 6 },
          (_, i) => `${line(i).trimEnd()},${provinceOf(IPS[i % IPS.length] || null)}`,
        ),
      );
      expect(out.stderr()).toMatch(
        /^6 rows in \d+ batches \(vectorized, through the worker\).* → stdout\n$/m,
      );
      // bounded by --batch-time-ms plus the trip through the worker; generous for a loaded machine
      console.log(`line written → its result printed: ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`);
      for (const l of latencies) expect(l).toBeLessThan(10_000);
    } finally {
      child.kill();
    }
  }, 120_000);
});

const BAD = [
  'uuid,client_ip,request_time,response_size,uri,event_ts',
  line(1).trimEnd(),
  'id-x,1.2.3.4,12', // line 3: field count
  line(2).trimEnd(),
  'id-y,1.2.3.4,slow,5,/u,2024-06-01 00:00:00', // line 5: not a BIGINT
  'id-z,1.2.3.4,1,5,/u,yesterday', // line 6: not a timestamp
  'id-q,"1.2.3.4"x,1,5,/u,2024-06-01 00:00:00', // line 7: bad quoting
  line(3).trimEnd(),
].join('\n');

describe('vecudf run: malformed CSV lines', () => {
  it('--on-error skip: skipped lines on stderr and in the stats, the good rows out', () => {
    const stats = path.join(tmp, 'skip-stats.json');
    const args = [
      '--udf',
      'examples/cdn/ip-to-province.ts#ipToProvince',
      '--columns',
      'client_ip',
      '--input',
      '-',
    ];
    const r = runSync(
      [...args, '--schema', SCHEMA, '--on-error', 'skip', '--output', '-', '--stats', stats, '--in-process'],
      BAD,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n').slice(0, 4)).toEqual([
      'skipped line 3: expected 6 fields, got 3',
      "skipped line 5: column 'request_time': 'slow' is not a BIGINT",
      "skipped line 6: column 'event_ts': 'yesterday' is not a TIMESTAMP(3)",
      'skipped line 7: unexpected character after a closing quote',
    ]);
    expect(r.stderr).toMatch(/^3 rows in 1 batches .*; skipped 4 malformed lines$/m);
    const out = r.stdout.toString().trim().split('\n');
    expect(out.slice(1).map((l) => l.split(',')[0])).toEqual(['id-1', 'id-2', 'id-3']);
    expect(JSON.parse(fs.readFileSync(stats, 'utf8')).input).toEqual({
      format: 'csv',
      rowsRead: 3,
      skippedLines: 4,
    });
  });

  it('--on-error skip shows the first 20 and counts the rest', () => {
    const lines = ['a,b', ...Array.from({ length: 50 }, (_, i) => (i % 2 ? `${i},x` : `${i}`))].join('\n');
    const r = runSync(
      [
        '--udf',
        'examples/guide/plain.mjs#halve',
        '--kind',
        'vectorized',
        '--result-type',
        'DOUBLE',
        '--columns',
        'a',
      ].concat([
        '--input',
        '-',
        '--schema',
        'a DOUBLE, b STRING',
        '--on-error',
        'skip',
        '--output',
        '-',
        '--in-process',
      ]),
      lines,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/^skipped line/gm)).toHaveLength(20);
    expect(r.stderr).toMatch(/; skipped 25 malformed lines \(the first 20 shown\)$/m);
    expect(r.stdout.toString().trim().split('\n')).toHaveLength(26); // header + 25 rows
  });

  it('fails the run at the first one by default, naming its line', () => {
    const r = runSync(
      [
        '--udf',
        'examples/cdn/ip-to-province.ts#ipToProvince',
        '--columns',
        'client_ip',
        '--input',
        '-',
        '--schema',
        SCHEMA,
        '--output',
        path.join(tmp, 'fail.arrow'),
        '--in-process',
      ],
      BAD,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: line 3: expected 6 fields, got 3\n');
  });
});

describe('vecudf run: a failure with stdin still open', () => {
  it('exits at the bad line, without waiting for stdin to close', async () => {
    const [cmd, ...prefix] = cli;
    const child = spawn(
      cmd!,
      [
        ...prefix,
        'run',
        '--udf',
        'examples/guide/plain.mjs#halve',
        '--kind',
        'vectorized',
        '--result-type',
        'DOUBLE',
      ].concat(['--columns', 'a', '--input', '-', '--output', '-', '--in-process', '--batch-time-ms', '50']),
      { cwd: ROOT },
    );
    const out = watch(child);
    child.stdin.write('a,b\n1,2\n3\n'); // line 3 is bad; stdin stays open
    try {
      const code = await Promise.race([
        out.exited,
        new Promise((r) => setTimeout(() => r('still running'), 30_000)),
      ]);
      expect(code).toBe(1);
      expect(out.stderr()).toBe('error: line 3: expected 2 fields, got 1\n');
    } finally {
      child.kill();
    }
  }, 60_000);
});

describe('vecudf run: Arrow on stdin, --sink', () => {
  it('reads an Arrow stream from stdin (no --format) and writes one to stdout, and a CSV sink beside it', () => {
    const t = arrow.tableFromArrays({ x: Float64Array.of(1, -4, 2.5), n: Int32Array.of(1, 2, 3) });
    const sink = path.join(tmp, 'also.csv');
    const r = runSync(
      [
        '--udf',
        'examples/guide/plain.mjs#halve',
        '--kind',
        'vectorized',
        '--result-type',
        'DOUBLE',
        '--columns',
        'x',
      ].concat(['--input', '-', '--output', '-', '--output-format', 'arrow', '--sink', sink]),
      arrow.tableToIPC(t, 'stream'),
    );
    expect(r.code, r.stderr).toBe(0);
    const out = arrow.tableFromIPC(r.stdout);
    expect(out.schema.names).toEqual(['x', 'n', 'result']);
    expect(Array.from(out.getChild('result')!.toArray() as Float64Array)).toEqual([0.5, -2, 1.25]);
    expect(fs.readFileSync(sink, 'utf8')).toBe('x,n,result\n1,1,0.5\n-4,2,-2\n2.5,3,1.25\n');
    expect(r.stderr).toMatch(
      /^3 rows in 1 batches \(vectorized, through the worker\).* → stdout, .*also\.csv\n$/,
    );
  }, 60_000);

  it('reads an Arrow stream on stdin batch by batch: each result is out before the next batch is sent', async () => {
    const [cmd, ...prefix] = cli;
    const child = spawn(
      cmd!,
      [
        ...prefix,
        'run',
        '--udf',
        'examples/guide/plain.mjs#halve',
        '--kind',
        'vectorized',
        '--result-type',
        'DOUBLE',
      ].concat(['--columns', 'x', '--input', '-', '--output', '-', '--batch-size', '2', '--in-process']),
      { cwd: ROOT },
    );
    const out = watch(child);
    const writer = new arrow.RecordBatchStreamWriter();
    writer.toNodeStream().pipe(child.stdin);
    try {
      for (let k = 0; k < 3; k++) {
        const t = arrow.tableFromArrays({ x: Float64Array.of(10 * k, 10 * k + 2) });
        writer.write(t.batches[0]!);
        await out.waitFor(`${10 * k + 2},${5 * k + 1}`, 30_000);
        expect(child.exitCode).toBeNull();
      }
      writer.finish();
      writer.close();
      expect(await out.exited, out.stderr()).toBe(0);
      expect(out.lines.map((l) => l.text)).toEqual([
        'x,result',
        '0,0',
        '2,1',
        '10,5',
        '12,6',
        '20,10',
        '22,11',
      ]);
    } finally {
      child.kill();
    }
  }, 60_000);

  it('infers CSV column types from the header and first rows', () => {
    const r = runSync(
      [
        '--udf',
        'examples/quickstart/speed.ts#mbPerSecond',
        '--columns',
        'response_size,request_time',
        '--input',
        '-',
        '--output',
        '-',
        '--in-process',
      ],
      'uri,response_size,request_time\n/a,5000,2\n/b,,4\n',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('uri,response_size,request_time,result\n/a,5000,2,2.5\n/b,,4,\n');
  });
});
