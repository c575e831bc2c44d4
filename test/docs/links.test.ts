/**
 * The hand-written docs link only to files and sections that exist, and name only source files
 * that exist (the architecture's "where is what" table must follow the code as it moves).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, readRepoFile } from './markdown.js';

const DOCS = ['README.md', 'docs/architecture.md', 'docs/udf-guide.md', 'docs/deploy.md', 'docs/protocol.md'];
/** Files other tools generate, which may not exist yet in a fresh checkout. */
const GENERATED = new Set(['docs/benchmarks.md']);

/** GitHub's anchor of a heading. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

describe.each(DOCS.filter((d) => fs.existsSync(path.join(ROOT, d))))('%s', (doc) => {
  const text = readRepoFile(doc);
  // Links outside code blocks.
  const prose = text.replace(/^```[\s\S]*?^```$/gm, '');

  it('links to files and sections that exist', () => {
    const anchors = new Set([...text.matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]!)));
    for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^https?:/.test(target!)) continue;
      const [file, hash] = target!.split('#') as [string, string | undefined];
      if (file === '') {
        expect(anchors, `${doc}: ${target}`).toContain(hash);
        continue;
      }
      const resolved = path.normalize(path.join(path.dirname(doc), file));
      if (GENERATED.has(resolved)) continue;
      expect(fs.existsSync(path.join(ROOT, resolved)), `${doc}: ${target}`).toBe(true);
      if (hash && resolved.endsWith('.md')) {
        const other = readRepoFile(resolved);
        const theirs = new Set([...other.matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]!)));
        expect(theirs, `${doc}: ${target}`).toContain(hash);
      }
    }
  });

  it('names source files that exist', () => {
    const named = new Set<string>();
    for (const [, p] of text.matchAll(
      /`((?:src|examples|test|bench|proto)\/[\w./-]+\.(?:ts|mjs|js|proto|csv|arrow))`/g,
    )) {
      named.add(p!);
    }
    for (const p of named) expect(fs.existsSync(path.join(ROOT, p)), `${doc}: ${p}`).toBe(true);
  });
});
