/**
 * Runs one stage of one bundle: reads the input elements of (instruction, source transform) from
 * the data stream, runs each through the plan on the executor pool, and writes one output element
 * per input element, in input order, to (instruction, sink transform); then `is_last`.
 *
 * Arrow mode: each element is an IPC stream (schema + one batch); the output element is the
 * result batch, `varint(length)` + IPC stream. Row-wise mode: runs of whole row elements go to the
 * pool together (the row executor reads and writes the framing itself).
 *
 * Backpressure: no more input is taken while the pool is saturated or the output is waiting for
 * gRPC to drain, so memory stays bounded and HTTP/2 flow control slows the runner down. The first
 * failure (in input order) stops the stage and is reported with the bundle and the rows it covered.
 *
 * @example
 * const counts = await runStage('7', stage, { pool, channel: (url) => channels.get(url) });
 */
import { UdfError } from '../exec/errors.js';
import { OrderedResults } from '../pool/ordered.js';
import type { DeferredElement, ExecutorPool } from '../pool/types.js';
import { arrowElementRows } from './arrow-rows.js';
import type { DataChannel } from './data-channel.js';
import { ElementSplitter, type FramedRun } from './element-splitter.js';
import type { Stage } from './stages.js';

export interface StageDeps {
  pool: ExecutorPool;
  channel(url: string): DataChannel;
}

export interface StageCounts {
  elementsIn: number;
  elementsOut: number;
  bytesIn: number;
  bytesOut: number;
}

/** A bundle failed in a stage; the message says where, `cause` is the original error. */
export class StageError extends Error {
  override readonly name = 'StageError';
}

/** Which input element (and rows of the bundle, when known) a failure belongs to. */
class ElementFailure {
  constructor(
    readonly index: number,
    readonly firstRow: number,
    readonly rows: number,
    readonly error: unknown,
  ) {}
}

/** The text of an error for InstructionResponse.error: message, where, then the stack. */
function describeFailure(instructionId: string, stage: Stage, f: ElementFailure | unknown): StageError {
  const where = `bundle ${instructionId}, transform ${stage.transformId}`;
  if (!(f instanceof ElementFailure)) {
    const e = f as Error;
    return new StageError(`${e?.message ?? String(f)} (${where})${e?.stack ? `\n${e.stack}` : ''}`, {
      cause: f,
    });
  }
  const e = f.error as Error;
  let rows = '';
  if (f.firstRow >= 0) {
    if (e instanceof UdfError) {
      const a = f.firstRow + e.rowStart;
      const b = f.firstRow + e.rowEnd;
      rows = a === b ? `, row ${a} of the bundle` : `, rows ${a}–${b} of the bundle`;
    } else if (f.rows > 0) {
      rows = `, rows ${f.firstRow}–${f.firstRow + f.rows - 1} of the bundle`;
    }
  }
  const unit = stage.mode === 'arrow' ? `input batch ${f.index}` : `input element run from row ${f.index}`;
  const msg = `${e?.message ?? String(e)} [${where}, ${unit}${rows}]`;
  const stack = e?.stack && !e.stack.startsWith(msg) ? `\n${e.stack}` : '';
  return new StageError(`${msg}${stack}`, { cause: e });
}

/** Fresh zero counts. */
export function newStageCounts(): StageCounts {
  return { elementsIn: 0, elementsOut: 0, bytesIn: 0, bytesOut: 0 };
}

/** Runs the stage; `counts` is updated as elements go by (progress requests read it meanwhile). */
export async function runStage(
  instructionId: string,
  stage: Stage,
  deps: StageDeps,
  counts: StageCounts = newStageCounts(),
): Promise<StageCounts> {
  const { pool } = deps;
  const input = deps.channel(stage.source.url).inbound(instructionId, stage.source.transformId);
  const output = deps.channel(stage.sink.url).outbound(instructionId, stage.sink.transformId);
  let writeWait: Promise<void> | undefined;
  let failed: unknown;
  // what UDF output printed during this stage is tagged with
  const bundle = { instructionId, transformId: stage.transformId };
  const ordered = new OrderedResults<Uint8Array | DeferredElement>((result) => {
    counts.elementsOut += stage.mode === 'arrow' ? 1 : 0;
    let w: Promise<void> | undefined;
    if (!(result instanceof Uint8Array)) {
      // run on this thread: encoded straight into the outgoing message when it is written
      counts.bytesOut += result.size;
      w = output.writeDeferred(result);
    } else {
      counts.bytesOut += result.byteLength;
      // an Arrow result: varint prefix + IPC stream, laid out aligned for the runner
      w =
        stage.mode === 'arrow'
          ? output.writeElement(result, pool.recycle && (() => pool.recycle!(result)))
          : output.write(result);
    }
    if (w) {
      // Results keep settling after the stage stopped on a broken stream, and a write chained
      // after a failed one is never looked at: mark both handled (takeWait still sees the
      // failure) so that the runner going away cannot crash the worker with an unhandled rejection.
      w.catch(() => {});
      const chained = writeWait ? writeWait.then(() => w) : w;
      chained.catch(() => {});
      writeWait = chained;
    }
  });
  const submit = (
    bytes: Uint8Array,
    index: number,
    firstRow: number,
    rows: number,
    mode: 'arrow' | 'row',
  ) => {
    const p = (
      mode === 'arrow' && pool.runDeferred
        ? pool.runDeferred(stage.planKey, stage.plan, bytes, instructionId, bundle)
        : pool.run(stage.planKey, stage.plan, bytes, mode, instructionId, bundle)
    ).catch((e: unknown) => {
      const f = new ElementFailure(index, firstRow, rows, e);
      failed ??= f;
      throw f;
    });
    ordered.add(p);
  };

  const splitter = new ElementSplitter();
  const payloads: Uint8Array[] = [];
  const runs: FramedRun[] = [];
  let row = 0; // first row of the next element, or -1 once a row count is unknown
  try {
    for (;;) {
      let chunk = input.next();
      if (chunk instanceof Promise) chunk = await chunk;
      if (chunk === null) break;
      counts.bytesIn += chunk.byteLength;
      if (stage.mode === 'arrow') {
        payloads.length = 0;
        splitter.payloads(chunk, payloads);
        for (const el of payloads) {
          if (pool.saturated) await pool.whenReady();
          if (writeWait) await takeWait();
          if (failed) break;
          const n = arrowElementRows(el);
          submit(el, counts.elementsIn++, row, n, 'arrow');
          row = row < 0 || n < 0 ? -1 : row + n;
        }
      } else {
        runs.length = 0;
        splitter.framed(chunk, runs);
        for (const r of runs) {
          if (pool.saturated) await pool.whenReady();
          if (writeWait) await takeWait();
          if (failed) break;
          submit(r.bytes, row, row, r.count, 'row');
          counts.elementsIn += r.count;
          counts.elementsOut += r.count; // one result row per input row (checked by the executor)
          row += r.count;
        }
      }
      if (failed) break;
    }
    if (!failed) splitter.finish();
    await ordered.done();
    if (writeWait) await takeWait();
  } catch (e) {
    // settle what is still running so that nothing is left unhandled, then report the first failure
    await ordered.done().catch(() => {});
    throw describeFailure(instructionId, stage, e instanceof ElementFailure ? e : (failed ?? e));
  }
  await output.close();
  return counts;

  async function takeWait(): Promise<void> {
    const w = writeWait;
    writeWait = undefined;
    await w;
  }
}
