/**
 * A worker pool passes on only the StartWorkerRequest params it was told to (the session time
 * zone by default): a caller setting NODE_OPTIONS, LD_PRELOAD, PATH or TMPDIR could otherwise make
 * the worker run code of its choosing. The "worker" here is a node one-liner printing its env.
 */
import { describe, expect, it } from 'vitest';
import { WorkerPoolServer } from '../../src/harness/worker-pool.js';

const PRINT_ENV = `console.log(JSON.stringify({ tz: process.env.TABLE_LOCAL_TIME_ZONE, opts: process.env.NODE_OPTIONS ?? null, pre: process.env.LD_PRELOAD ?? null, path: process.env.PATH, extra: process.env.MY_UDF_SETTING ?? null }))`;

async function envSeen(paramEnv?: string[]): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const pool = await WorkerPoolServer.start({
    command: [process.execPath, '-e', PRINT_ENV],
    onOutput: (_id, l) => lines.push(l),
    ...(paramEnv ? { paramEnv } : {}),
  });
  try {
    const error = pool.startWorker({
      workerId: 'w1',
      controlEndpoint: { url: 'localhost:1' },
      params: {
        TABLE_LOCAL_TIME_ZONE: 'Asia/Shanghai',
        NODE_OPTIONS: '--require /tmp/evil.js',
        LD_PRELOAD: '/tmp/evil.so',
        PATH: '/tmp/evil-bin',
        MY_UDF_SETTING: 'on',
      },
    });
    expect(error).toBe('');
    for (let i = 0; i < 200 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    return JSON.parse(lines[0]!) as Record<string, unknown>;
  } finally {
    await pool.close();
  }
}

describe('worker pool params', () => {
  it('sets the session time zone, and nothing that changes what code runs', async () => {
    const env = await envSeen();
    expect(env.tz).toBe('Asia/Shanghai');
    expect(env.opts).toBe(process.env.NODE_OPTIONS ?? null);
    expect(env.pre).toBeNull();
    expect(env.path).toBe(process.env.PATH);
    expect(env.extra).toBeNull();
  });

  it('passes on the params the operator names', async () => {
    const env = await envSeen(['TABLE_LOCAL_TIME_ZONE', 'MY_UDF_SETTING']);
    expect(env.extra).toBe('on');
    expect(env.pre).toBeNull();
  });
});
