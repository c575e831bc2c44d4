/**
 * The soak's output check (bench/soak-data.ts) catches what it is there to catch: a batch that
 * never came (lost rows), a batch that came twice, a result that differs from the in-process one,
 * and rows sent but not answered at the end of a run; and it passes the real output untouched.
 * Plus the soak's duration parsing.
 */
import { RecordBatch, Schema } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePattern, OutputCheck, type Pattern, soakSource, soakSpec } from '../../bench/soak-data.js';
import { parseDuration } from '../../bench/soak-report.js';
import { runInProcess } from '../../src/runner/in-process.js';

let pattern: Pattern;
let outputs: RecordBatch[];
beforeAll(async () => {
  pattern = await makePattern({ rows: 2_000, batchRows: 500, seed: 7 });
  let n = 0;
  // Two and a half times round the pattern, through the same executor the expected values came from.
  const source = soakSource(pattern, 0, () => n++ >= 10);
  outputs = [];
  for await (const b of runInProcess(source, soakSpec('vectorized', { arrowBatchSize: 400 })))
    outputs.push(b);
});

function check(batches: RecordBatch[]): OutputCheck {
  const c = new OutputCheck(pattern);
  for (const b of batches) c.batch(b);
  return c;
}

describe('the soak output check', () => {
  it('passes the real output', () => {
    const c = check(outputs);
    expect(c.rows).toBe(5_000);
    expect(c.ok).toBe(true);
    expect(c.problems).toEqual([]);
  });

  it('counts the rows of a batch that never came as lost', () => {
    const c = check(outputs.filter((_, i) => i !== 3));
    expect(c.lost).toBe(outputs[3]!.numRows);
    expect(c.ok).toBe(false);
    expect(c.problems[0]!.kind).toBe('lost');
  });

  it('counts a batch that came twice as duplicated', () => {
    const c = check([...outputs.slice(0, 5), outputs[4]!, ...outputs.slice(5)]);
    expect(c.duplicated).toBe(outputs[4]!.numRows);
    expect(c.lost).toBe(0);
  });

  it('finds results that differ from the in-process ones', () => {
    // batch 1 with the results of batch 2: same length, other rows of the pattern
    const a = outputs[1]!;
    const b = outputs[2]!;
    expect(a.numRows).toBe(b.numRows);
    const swapped = new RecordBatch({
      seq: a.getChild('seq')!,
      client_ip: a.getChild('client_ip')!,
      result: b.getChild('result')!,
    } as never);
    const c = check([outputs[0]!, swapped, ...outputs.slice(2)]);
    expect(c.wrong).toBeGreaterThan(0);
    expect(c.lost + c.duplicated).toBe(0);
  });

  it('reports a run that ended with rows unanswered', () => {
    const c = check(outputs);
    c.tailMismatch(250);
    expect(c.lost).toBe(250);
    expect(c.ok).toBe(false);
  });

  it('reports output without the result column', () => {
    const c = new OutputCheck(pattern);
    c.batch(outputs[0]!.select(['seq', 'client_ip']));
    expect(c.wrong).toBe(outputs[0]!.numRows);
    expect(new Schema(outputs[0]!.schema.fields).names).toContain('result');
  });
});

describe('soak durations', () => {
  it('reads ms, s, m, h and bare seconds', () => {
    expect(parseDuration('800ms')).toBe(800);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('12')).toBe(12_000);
    expect(() => parseDuration('5 minutes')).toThrow(/not a duration/);
    expect(() => parseDuration('0s')).toThrow(/positive/);
  });
});
