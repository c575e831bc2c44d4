/**
 * UDF faults against the real worker (in this process, its own pool of two executor threads made
 * from `threads`, `udfTimeoutMs` and `udfMemoryMb` as `vecudf worker` makes it) over real gRPC.
 * Each faulty UDF misbehaves only on the batch holding 13 — the middle one of three — so the error
 * must name the UDF and that batch's rows of the bundle; then the same descriptor runs a good
 * bundle with correct results, and another bundle running meanwhile is not disturbed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRowsToColumns, encodeRows } from '../../src/codec/row-coder.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import {
  AB,
  abElement,
  column0,
  descriptor,
  expectServes,
  FAULTS,
  f64,
  OUT,
  type Rig,
  runBundle,
  startRig,
} from './support.js';

const TIMEOUT_MS = 1_500;
let rig: Rig;

const vec = (name: string, resultType = 'DOUBLE', args = [{ offset: 0 }]) => ({
  module: FAULTS,
  export: name,
  kind: 'vectorized',
  resultType,
  args,
});

/** A descriptor `id` running UDF `name` over column a, with result type DOUBLE or INT. */
function register(id: string, resultType: 'DOUBLE' | 'INT' = 'DOUBLE', name = id) {
  rig.runner.descriptors.set(
    id,
    descriptor({
      id,
      dataUrl: rig.runner.url,
      udfs: [vec(name, resultType)],
      input: AB,
      output: [{ name: 'f0', type: resultType === 'INT' ? T.INT() : T.DOUBLE() }],
    }),
  );
}

beforeAll(async () => {
  rig = await startRig({ worker: { threads: 2, udfTimeoutMs: TIMEOUT_MS, udfMemoryMb: 64 } });
  rig.runner.descriptors.set(
    'plus',
    descriptor({
      id: 'plus',
      dataUrl: rig.runner.url,
      udfs: [vec('plus', 'DOUBLE', [{ offset: 0 }, { offset: 1 }])],
      input: AB,
      output: OUT,
    }),
  );
});

afterAll(() => rig.close());

/** Three batches: rows 0–2, 3–5 (holding 13) and 6 of the bundle. */
const FAULTY = [abElement([1, 2, 3], [0, 0, 0]), abElement([12, 13, 14], [0, 0, 0]), abElement([4], [0])];
const GOOD = [abElement([1, 2, 3], [0, 0, 0]), abElement([5], [0])];

/** Runs the faulty bundle, checks its error, then a good bundle of the same UDF and of `plus`. */
async function fault(
  id: string,
  patterns: RegExp[],
  udf = id,
  rows = 'rows 3–5 of the bundle',
  answered?: { at: number },
): Promise<string> {
  const bad = await runBundle(rig, id, FAULTY, { timeoutMs: 30_000 });
  if (answered) answered.at = performance.now();
  const e = bad.res.error;
  expect(e, 'the faulty bundle must fail').not.toBe('');
  expect(e).toContain(`'${udf}'`);
  expect(e).toContain(`bundle ${bad.id}`);
  expect(e).toContain('input batch 1');
  expect(e).toContain(rows);
  for (const p of patterns) expect(e).toMatch(p);
  const good = await runBundle(rig, id, GOOD, { timeoutMs: 30_000 });
  expect(good.res.error).toBe('');
  expect(column0(good.out).map(Number)).toEqual([1, 2, 3, 5]);
  await expectServes(rig);
  return e;
}

describe('UDF faults fail their bundle only, naming the UDF and the rows', () => {
  it('throws (sync): rows 10000–19999 of the bundle, with the user stack', async () => {
    register('throwsOn13');
    const ones = Array.from({ length: 10_000 }, () => 1);
    const with13 = ones.map((v, i) => (i === 7_777 ? 13 : v));
    const r = await runBundle(rig, 'throwsOn13', [
      abElement(ones, ones),
      abElement(with13, ones),
      abElement(ones, ones),
    ]);
    expect(r.res.error).toMatch(
      /^UDF 'throwsOn13' failed on rows 0–9999 of the batch: 13 is not allowed here/,
    );
    expect(r.res.error).toContain('rows 10000–19999 of the bundle');
    expect(r.res.error).toMatch(/faults\.mjs/); // the user's stack
    await fault('throwsOn13', [/13 is not allowed here/]);
  });

  it('rejects (async)', async () => {
    register('rejectsOn13');
    await fault('rejectsOn13', [/the lookup service said no to 13/]);
  });

  it('returns the wrong length', async () => {
    register('shortOn13');
    await fault('shortOn13', [
      /The result length '2' of vectorized UDF 'shortOn13' is not equal to the input length '3'/,
    ]);
  });

  it('returns the wrong type: strings for DOUBLE', async () => {
    register('stringsOn13');
    await fault('stringsOn13', [/does not fit its result type DOUBLE at row 0: .*string '#12'/]);
  });

  it('returns the wrong type: a value past INT', async () => {
    register('overflowOn13', 'INT');
    await fault('overflowOn13', [/does not fit its result type INT at row 1/, /30000000000/]);
  });

  it('NaN: a value for DOUBLE (kept, as Flink SQL holds it); for INT an error naming the row', async () => {
    register('nanAt13');
    const r = await runBundle(rig, 'nanAt13', FAULTY);
    expect(r.res.error).toBe('');
    expect(column0(r.out)).toEqual([1, 2, 3, 12, Number.NaN, 14, 4]);
    expect(r.out[1]!.getChildAt(0)!.nullCount).toBe(0);
    register('nanAt13Int', 'INT', 'nanAt13');
    await fault('nanAt13Int', [/does not fit its result type INT at row 1/, /NaN/], 'nanAt13');
  });
});

describe('row-wise mode', () => {
  it('a row UDF that throws: the error names the UDF and the one row of the bundle', async () => {
    rig.runner.descriptors.set(
      'rowThrows',
      descriptor({
        id: 'rowThrows',
        mode: 'row',
        dataUrl: rig.runner.url,
        udfs: [
          {
            module: FAULTS,
            export: 'throwsRowOn13',
            kind: 'row',
            resultType: 'DOUBLE',
            inputTypes: ['DOUBLE'],
            args: [{ offset: 0 }],
          },
        ],
        input: AB,
        output: OUT,
      }),
    );
    const rows = (a: number[]) => encodeRows([f64(a), f64(a)], [T.DOUBLE(), T.DOUBLE()]);
    const bad = await runBundle(rig, 'rowThrows', [rows([1, 2, 3]), rows([4, 13, 6])], { mode: 'row' });
    expect(bad.res.error).toMatch(
      /^UDF 'throwsRowOn13' failed on row \d+ of the batch: row value 13 is not allowed/,
    );
    expect(bad.res.error).toContain('row 4 of the bundle');
    expect(bad.res.error).toContain(`bundle ${bad.id}`);
    const good = await runBundle(rig, 'rowThrows', [rows([1, 2, 3])], { mode: 'row' });
    expect(good.res.error).toBe('');
    expect([...decodeRowsToColumns(good.bytes, [T.DOUBLE()])[0]!]).toEqual([1, 2, 3]);
  });
});

describe('UDFs that never finish or kill their thread: stopped, replaced, the next bundles run', () => {
  /**
   * A good bundle of `plus` started while the fault holds the other thread: it is answered (when
   * it resolves) before the faulty bundle is, so it did not wait for the fault.
   */
  async function meanwhile(): Promise<number> {
    await new Promise((r) => setTimeout(r, 100));
    await expectServes(rig);
    return performance.now();
  }

  it('never resolves: failed at --udf-timeout-ms', async () => {
    register('neverResolvesOn13');
    const t0 = performance.now();
    const answered = { at: 0 };
    const [e, goodAt] = await Promise.all([
      fault(
        'neverResolvesOn13',
        [
          new RegExp(`ran past the ${TIMEOUT_MS} ms timeout \\(--udf-timeout-ms\\)`),
          /terminated and replaced/,
        ],
        'neverResolvesOn13',
        undefined,
        answered,
      ),
      meanwhile(),
    ]);
    expect(answered.at - t0).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(goodAt).toBeLessThan(answered.at);
    expect(e).toContain("UDF 'neverResolvesOn13'");
  });

  it('loops forever: its thread is terminated at the timeout', async () => {
    register('loopsOn13');
    const answered = { at: 0 };
    const [, goodAt] = await Promise.all([
      fault(
        'loopsOn13',
        [/ran past the 1500 ms timeout/, /the thread was terminated and replaced/],
        'loopsOn13',
        undefined,
        answered,
      ),
      meanwhile(),
    ]);
    expect(goodAt).toBeLessThan(answered.at);
  });

  it('exhausts memory: the thread dies at --udf-memory-mb, the batch fails saying so', async () => {
    register('hogsOn13');
    await fault('hogsOn13', [/died while running UDF 'hogsOn13'/, /out of memory/]);
  });

  it('calls process.exit: only its thread ends, and is replaced', async () => {
    register('exitsOn13');
    await fault('exitsOn13', [/died while running UDF 'exitsOn13'/, /exited with code 3/]);
    expect(rig.worker.failure).toBeUndefined();
  });
});
