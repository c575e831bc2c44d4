/**
 * Code blocks of the docs, so that tests can hold them to the files and commands they show.
 *
 * A block preceded by `<!-- file: path/from/the/root -->` must equal that file; other blocks are
 * returned with their language and the line they start on.
 *
 * @example
 * for (const b of codeBlocks(readDoc('README.md'))) if (b.file) expect(b.code).toBe(readRepoFile(b.file));
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;

export interface CodeBlock {
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The file the block shows, from a `<!-- file: … -->` marker on the line before. */
  file?: string;
}

export function readRepoFile(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** The fenced code blocks of a markdown text, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const out: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`unclosed code block at line ${start + 1}`);
    const marker = /^<!-- file: (\S+) -->$/.exec(lines[start - 1] ?? '');
    out.push({
      lang: open[1]!,
      code: `${body.join('\n')}\n`,
      line: start + 1,
      ...(marker ? { file: marker[1]! } : {}),
    });
  }
  return out;
}

/**
 * The shell commands of a block: one per line, `\`-continued lines joined, comments and blank
 * lines dropped.
 */
export function shellCommands(code: string): string[] {
  const joined = code.replace(/\\\n\s*/g, '');
  return joined
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

/** Splits a command line into words (no quoting needed by the docs' commands). */
export function words(command: string): string[] {
  return command.split(/\s+/);
}
