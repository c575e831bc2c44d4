import type { RecordBatch } from 'apache-arrow';
import { Runner } from 'vecudf';

// The full path from code: the runner starts `vecudf worker` as a child process (Beam's PROCESS
// environment), sends the batches over gRPC in bundles, and yields the input columns plus the
// result column, in input order. Modules are named by path: the worker imports them itself.
export async function speedsThroughWorker(batches: RecordBatch[]): Promise<RecordBatch[]> {
  const runner = await Runner.start({ threads: 1 });
  try {
    const speed = { module: 'examples/quickstart/speed.ts', export: 'mbPerSecond' };
    const run = runner.run(batches, {
      plan: { calls: [{ udf: speed, args: [{ column: 0 }, { column: 1 }], name: 'mb_per_s' }] },
      columns: ['response_size', 'request_time'],
      arrowBatchSize: 10_000,
    });
    const out: RecordBatch[] = [];
    for await (const batch of run) out.push(batch);
    return out;
  } finally {
    await runner.close();
  }
}
