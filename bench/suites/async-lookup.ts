/**
 * Async lookup suite: ip → province through a local HTTP lookup service on 127.0.0.1 (the CDN
 * example's), vectorized — one request per batch with the batch's distinct addresses — against
 * row-wise — one request per row, awaited in order as the row executor does, as the original
 * PyFlink example's UDF called a web service per row (goal: batched ≥ 50× faster). The per-row
 * path runs on a bounded subset of the rows; a variant with 16 requests in flight shows what
 * concurrency alone buys.
 */
import { lookupUdfs, provinceViaService } from '../../examples/cdn/ip-to-province.js';
import { startLookupService } from '../../examples/cdn/lookup-service.js';
import { compilePlan } from '../../src/exec/plan.js';
import { runRowWise } from '../../src/exec/row-wise.js';
import { runVectorized } from '../../src/exec/vectorized.js';
import { ipData, stringArray, toBatches, type Utf8Column } from '../lib/data.js';
import { defaultBatchSize } from '../lib/function-suite.js';
import type { Suite } from '../lib/suite.js';
import { assertSameColumn, measureGroup } from '../lib/suite.js';

export const asyncLookupSuite: Suite = {
  name: 'async',
  level: 'function',
  title: 'Async lookup: once per batch vs once per row',
  description:
    "The CDN example's client addresses looked up in a local HTTP service on 127.0.0.1. Vectorized: `ipToProvinceLookup`, one POST per batch with the batch's distinct valid addresses. " +
    'Row: `ipToProvinceLookupRow`, one POST per row, awaited in order by the row executor (on a bounded subset of the rows); also with 16 requests in flight.',
  steps: (o) => o.batchSizes.length,
  async run(ctx) {
    ctx.status('async: generating addresses, starting the lookup service');
    const ds = ipData(ctx.rows, 42);
    const service = await startLookupService();
    try {
      const { ipToProvinceLookup, ipToProvinceLookupRow } = lookupUdfs(service.url);
      const vecPlan = compilePlan({ calls: [{ udf: ipToProvinceLookup, args: [{ column: 0 }] }] });
      const rowPlan = compilePlan({ calls: [{ udf: ipToProvinceLookupRow, args: [{ column: 0 }] }] });
      const subsetRows = Math.min(ctx.perRowLookupRows, ds.rows);
      const [subset] = toBatches(ds, ['client_ip'], subsetRows);
      const subsetStrings = stringArray(ds.columns.client_ip as Utf8Column).slice(0, subsetRows);
      const v = await runVectorized(vecPlan, subset!);
      const r = await runRowWise(rowPlan, subset!);
      assertSameColumn(
        'async/ip lookup (vectorized vs row)',
        v.getChildAt(0)!,
        r.getChildAt(0)!,
        vecPlan.calls[0]!.resultType,
      );
      const perRow = async () => {
        await runRowWise(rowPlan, subset!);
      };
      const concurrent = async () => {
        let next = 0;
        await Promise.all(
          Array.from({ length: 16 }, async () => {
            while (next < subsetStrings.length) {
              const i = next++;
              await provinceViaService(service.url, subsetStrings[i]!);
            }
          }),
        );
      };
      const peerBatch = defaultBatchSize(ctx.batchSizes);
      for (const bs of ctx.batchSizes) {
        const batches = toBatches(ds, ['client_ip'], bs);
        const requests0 = service.stats.requests;
        await measureGroup(ctx, {
          suite: 'async',
          level: 'function',
          case: 'ip lookup',
          batchSize: bs,
          rows: ds.rows,
          cases: [
            {
              mode: 'vectorized',
              fn: async () => {
                for (const b of batches) await runVectorized(vecPlan, b);
              },
            },
            ...(bs === peerBatch
              ? [{ mode: 'row', fn: perRow, rows: subsetRows, note: 'one request per row, in order' }]
              : []),
          ],
        });
        if (bs === peerBatch) {
          ctx.note(
            `async: ${service.stats.requests - requests0} lookup requests during the ${bs.toLocaleString('en')}-row group (vectorized: one per batch; row: one per valid, well-formed address)`,
          );
          await measureGroup(ctx, {
            suite: 'async',
            level: 'function',
            case: 'ip lookup, 16 in flight',
            batchSize: bs,
            rows: subsetRows,
            cases: [{ mode: 'row', fn: concurrent, note: 'one request per row, 16 in flight' }],
          });
        }
        ctx.step();
      }
    } finally {
      await service.stop();
    }
  },
};
