/**
 * docs/security.md follows the code: every access option of `vecudf worker` and `worker-pool` is
 * documented, every flag the doc's commands use exists, the files and links it names exist, and
 * its library example imports what the public API exports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerWorker } from '../../src/cli/worker.js';
import { registerWorkerPool } from '../../src/cli/worker-pool.js';
import * as api from '../../src/index.js';
import { ROOT, readRepoFile } from '../docs/markdown.js';

const doc = readRepoFile('docs/security.md');

function flags(name: string): Set<string> {
  const program = new Command();
  registerWorker(program);
  registerWorkerPool(program);
  const cmd = program.commands.find((c) => c.name() === name)!;
  return new Set(cmd.options.map((o) => o.long!));
}

describe('docs/security.md', () => {
  it('documents every access option', () => {
    const access = [
      '--host',
      '--tls-cert',
      '--tls-key',
      '--tls-ca',
      '--token-file',
      '--udf-root',
      '--param-env',
    ];
    const all = new Set([...flags('worker'), ...flags('worker-pool')]);
    for (const f of access) {
      expect(all.has(f) || f === '--host', f).toBe(true);
      expect(doc, f).toContain(`\`${f}`);
    }
    expect(flags('worker-pool').has('--host')).toBe(true);
  });

  it('uses only flags that exist in its vecudf commands', () => {
    const commands = [...doc.matchAll(/vecudf (worker-pool|worker) ([^`]*?)(?:\n\n|```)/g)];
    expect(commands.length).toBeGreaterThan(0);
    for (const [text, name, rest] of commands) {
      const known = flags(name!);
      for (const [f] of rest!.matchAll(/--[a-z][a-z-_]*/g))
        expect(known.has(f), `${f} in ${text}`).toBe(true);
    }
  });

  it('names files and links that exist, and its example imports the public API', () => {
    for (const [, p] of doc.matchAll(/`((?:src|examples|test)\/[\w./-]+\.(?:ts|mjs|js))`/g)) {
      expect(fs.existsSync(path.join(ROOT, p!)), p).toBe(true);
    }
    for (const [, target] of doc.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
      expect(fs.existsSync(path.join(ROOT, 'docs', target!)), target).toBe(true);
    }
    expect(doc).toContain("import { loadAccess, Runner } from 'vecudf';");
    expect(typeof api.loadAccess).toBe('function');
    expect(typeof api.Runner.start).toBe('function');
  });
});
