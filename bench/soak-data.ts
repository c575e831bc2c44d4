/**
 * The soak's data and its checks. A fixed-seed pattern of CDN `client_ip` values is generated
 * once and its expected `ipToProvince` results are computed once with the in-process executor;
 * the source then streams the pattern over and over with a running `seq` number, and every
 * output batch is checked row by row against the expected results: `seq` must continue exactly
 * where the previous batch stopped (a gap is a lost row, a step back a duplicate or reorder), and
 * each result's bytes must hash to the expected value for its position in the pattern.
 *
 * @example
 * const pattern = await makePattern({ rows: 210_000, batchRows: 7_000, seed: 42 });
 * const check = new OutputCheck(pattern);
 * for await (const out of runner.run(soakSource(pattern, 0, () => Date.now() > end), spec)) check.batch(out);
 * check.lost; // → 0
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { cdnLogBatches } from '../examples/cdn/generate.js';
import type { Plan } from '../src/exec/plan.js';
import { runInProcess } from '../src/runner/in-process.js';
import type { RunSpec } from '../src/runner/runner.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The UDF module: the CDN example's vectorized UDF and its row-wise twin. */
export const UDF_MODULE = join(root, 'examples', 'cdn', 'ip-to-province.ts');

export type SoakMode = 'vectorized' | 'row';

/** The plan of one runner: `ipToProvince(client_ip)` or its row-wise twin. */
export function soakPlan(mode: SoakMode): Plan {
  const name = mode === 'row' ? 'ipToProvinceRow' : 'ipToProvince';
  return { calls: [{ udf: { module: UDF_MODULE, export: name }, args: [{ column: 0 }] }] };
}

export interface Pattern {
  /** client_ip column of each pattern batch. */
  readonly ips: arrow.Data<arrow.Utf8>[];
  readonly batchRows: number;
  /** Rows in the pattern (the sum of the batches). */
  readonly rows: number;
  /** FNV-1a hash of the expected result of each pattern row. */
  readonly expected: Uint32Array;
}

export interface PatternOptions {
  /** Rows of the pattern; a multiple of batchRows. */
  rows: number;
  batchRows: number;
  seed: number;
}

/** FNV-1a over `bytes[start, end)`. */
function fnv(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** Hashes of every row of a Utf8 vector with a single chunk and no nulls; throws on nulls. */
function rowHashes(col: arrow.Data<arrow.Utf8>, into: Uint32Array, at: number): void {
  if (col.nullCount > 0)
    throw new Error(`result column has ${col.nullCount} nulls; ipToProvince never gives one`);
  const { valueOffsets: off, values } = col;
  for (let i = 0; i < col.length; i++) into[at + i] = fnv(values, off[i]!, off[i + 1]!);
}

/** Generates the pattern and computes its expected results with the in-process executor. */
export async function makePattern(o: PatternOptions): Promise<Pattern> {
  if (o.rows % o.batchRows !== 0) throw new RangeError('pattern rows must be a multiple of batchRows');
  const ips: arrow.Data<arrow.Utf8>[] = [];
  for (const b of cdnLogBatches({ rows: o.rows, batchSize: o.batchRows, seed: o.seed })) {
    ips.push(b.getChild('client_ip')!.data[0] as arrow.Data<arrow.Utf8>);
  }
  const expected = new Uint32Array(o.rows);
  const input = ips.map((d, i) => withSeq(d, i * o.batchRows));
  let at = 0;
  for await (const out of runInProcess(input, soakSpec('vectorized'))) {
    rowHashes(out.getChild('result')!.data[0] as arrow.Data<arrow.Utf8>, expected, at);
    at += out.numRows;
  }
  if (at !== o.rows) throw new Error(`the in-process run gave ${at} rows for ${o.rows}`);
  return { ips, batchRows: o.batchRows, rows: o.rows, expected };
}

/** The run spec of one runner (UDF input: column `client_ip`; `seq` is forwarded). */
export function soakSpec(mode: SoakMode, bundling: Partial<RunSpec> = {}): RunSpec {
  return { plan: soakPlan(mode), columns: ['client_ip'], ...bundling };
}

const SCHEMA = new arrow.Schema([
  new arrow.Field('seq', new arrow.Float64(), false),
  new arrow.Field('client_ip', new arrow.Utf8(), true),
]);

/** A batch of `ip` rows numbered from `first` (DOUBLE: exact up to 2^53 rows). */
function withSeq(ip: arrow.Data<arrow.Utf8>, first: number): arrow.RecordBatch {
  const seq = new Float64Array(ip.length);
  for (let i = 0; i < seq.length; i++) seq[i] = first + i;
  const seqData = arrow.makeData({ type: new arrow.Float64(), length: seq.length, nullCount: 0, data: seq });
  const struct = arrow.makeData({
    type: new arrow.Struct(SCHEMA.fields),
    length: seq.length,
    nullCount: 0,
    children: [seqData, ip],
  });
  return new arrow.RecordBatch(SCHEMA, struct);
}

/**
 * Pattern batches in a loop, numbered from `firstSeq` (a multiple of the pattern's batchRows),
 * until `stop()` says so; yields to the event loop between batches so gRPC keeps flowing.
 */
export async function* soakSource(
  p: Pattern,
  firstSeq: number,
  stop: () => boolean,
): AsyncGenerator<arrow.RecordBatch> {
  if (firstSeq % p.batchRows !== 0) throw new RangeError('firstSeq must start a pattern batch');
  let seq = firstSeq;
  while (!stop()) {
    const k = (seq / p.batchRows) % p.ips.length;
    yield withSeq(p.ips[k]!, seq);
    seq += p.batchRows;
    await new Promise<void>((r) => setImmediate(r));
  }
}

/** One example of a failed check, for the report. */
export interface CheckProblem {
  kind: 'lost' | 'duplicate' | 'value';
  seq: number;
  detail: string;
}

/** Checks a run's output batches in order against the pattern. */
export class OutputCheck {
  /** The seq the next output row must have: one past the highest seen (a resumed run moves it back). */
  next = 0;
  rows = 0;
  batches = 0;
  /** Rows never delivered (gaps in seq). */
  lost = 0;
  /** Rows delivered again, or out of order. */
  duplicated = 0;
  /** Rows whose result differs from the in-process result. */
  wrong = 0;
  readonly problems: CheckProblem[] = [];
  #hashes = new Uint32Array(0);

  constructor(private readonly p: Pattern) {}

  get ok(): boolean {
    return this.lost === 0 && this.duplicated === 0 && this.wrong === 0;
  }

  #note(problem: CheckProblem): void {
    if (this.problems.length < 20) this.problems.push(problem);
  }

  /** A run ended cleanly with `missing` rows sent but never answered (negative: answered twice). */
  tailMismatch(missing: number): void {
    if (missing > 0) this.lost += missing;
    else this.duplicated -= missing;
    this.#note({
      kind: missing > 0 ? 'lost' : 'duplicate',
      seq: this.next,
      detail: `${missing} rows at the end of a run`,
    });
  }

  /** A new run resumes at `seq` (after a failed bundle: its rows are sent again). */
  resumeAt(seq: number): void {
    this.next = seq;
  }

  batch(out: arrow.RecordBatch): void {
    const seqCol = out.getChild('seq');
    const result = out.getChild('result');
    if (!seqCol || !result) {
      this.wrong += out.numRows;
      this.#note({ kind: 'value', seq: this.next, detail: `output columns: ${out.schema.names.join(', ')}` });
      return;
    }
    const n = out.numRows;
    if (this.#hashes.length < n) this.#hashes = new Uint32Array(n);
    const seq = seqCol.data[0]!.values as Float64Array;
    try {
      rowHashes(result.data[0] as arrow.Data<arrow.Utf8>, this.#hashes, 0);
    } catch (e) {
      this.wrong += n;
      this.#note({ kind: 'value', seq: seq[0]!, detail: (e as Error).message });
      return;
    }
    const { expected, rows: P } = this.p;
    for (let i = 0; i < n; i++) {
      const s = seq[i]!;
      if (s < this.next) {
        // delivered before (or out of order): counted, and the high-water mark stays
        this.duplicated++;
        this.#note({ kind: 'duplicate', seq: s, detail: `row ${s} came after row ${this.next - 1}` });
      } else if (s > this.next) {
        this.lost += s - this.next;
        this.#note({ kind: 'lost', seq: this.next, detail: `rows ${this.next}–${s - 1} never came` });
      }
      if (this.#hashes[i] !== expected[s % P]) {
        this.wrong++;
        this.#note({ kind: 'value', seq: s, detail: `result differs from the in-process result` });
      }
      if (s >= this.next) this.next = s + 1;
    }
    this.rows += n;
    this.batches++;
  }
}
