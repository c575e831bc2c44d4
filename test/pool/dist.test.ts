import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built pool (what `vecudf worker` runs) starts its threads from plain JS in dist/, without
// tsx. Checked when dist/ is at least as new as the pool's sources (CI builds it in `npm ci`).
const root = fileURLToPath(new URL('../../', import.meta.url));
const built = `${root}dist/src/pool/create-pool.js`;
const fresh =
  existsSync(built) &&
  readdirSync(`${root}src/pool`).every((f) => {
    const js = `${root}dist/src/pool/${f.replace(/\.ts$/, '.js')}`;
    return existsSync(js) && statSync(js).mtimeMs >= statSync(`${root}src/pool/${f}`).mtimeMs;
  });

describe('the built pool (dist/)', () => {
  it.skipIf(!fresh)('runs a batch on a worker thread from the built thread entry', () => {
    const script = `
      import { createExecutorPool } from ${JSON.stringify(built)};
      import { ArrowFrameEncoder } from ${JSON.stringify(`${root}dist/src/codec/arrow-frame.js`)};
      import { decodeIpcStream } from ${JSON.stringify(`${root}dist/src/codec/ipc-reader.js`)};
      import * as arrow from 'apache-arrow';
      const batch = new arrow.Table({ a: arrow.makeVector(Float64Array.of(1, 2)), b: arrow.makeVector(Float64Array.of(10, 20)) }).batches[0];
      const framed = new ArrowFrameEncoder(batch.schema).encode(batch);
      const module = ${JSON.stringify(`${root}test/fixtures/pool/udfs.mjs`)};
      const plan = { calls: [{ udf: { module, export: 'plus', kind: 'vectorized', inputTypes: ['DOUBLE', 'DOUBLE'], resultType: 'DOUBLE' }, args: [{ column: 0 }, { column: 1 }] }] };
      const pool = createExecutorPool({ threads: 1 });
      let prefix = 1;
      while (framed[prefix - 1] >= 128) prefix++;
      const out = await pool.run('plus', plan, framed.slice(prefix));
      const { batches } = decodeIpcStream(new Uint8Array(out));
      console.log(JSON.stringify([...batches[0].getChildAt(0).toArray()]));
      await pool.close();
    `;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(JSON.parse(stdout.trim())).toEqual([11, 22]);
  });
});
