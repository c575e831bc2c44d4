/**
 * Text rendering of columns as an aligned table, for `DataFrame.toString()` and console output.
 * A cold path: values are read one by one through the column's getter.
 *
 * @example
 * formatTable([{ name: 'x', type: T.INT(), get: (i) => [1, null][i] }], 2);
 * //  x
 * //  INT
 * // ────
 * //    1
 * // null
 * // [2 rows × 1 column]
 */
import { type DataType, typeToString } from '../types/data-types.js';

/** A column as the formatter sees it. */
export interface FormatColumn {
  readonly name: string;
  /** The DataType, or the Arrow type's name for a column that has none (shown as is). */
  readonly type: DataType | string;
  get(i: number): unknown;
}

export interface FormatOptions {
  /** Frames longer than this show their first and last `maxRows / 2` rows around a `…` row (20). */
  maxRows?: number;
  /** Cells wider than this are cut with `…` (32 characters). */
  maxWidth?: number;
  /** Show each column's DataType under its name (true). */
  types?: boolean;
}

/** Renders the columns (all of `length` rows) as an aligned text table with a size footer. */
export function formatTable(
  columns: readonly FormatColumn[],
  length: number,
  opts: FormatOptions = {},
): string {
  const maxRows = Math.max(2, opts.maxRows ?? 20);
  const maxWidth = Math.max(4, opts.maxWidth ?? 32);
  const showTypes = opts.types ?? true;
  const truncated = length > maxRows;
  const headCount = truncated ? Math.ceil(maxRows / 2) : length;
  const tailStart = truncated ? length - Math.floor(maxRows / 2) : length;
  const rows: number[] = [];
  for (let i = 0; i < headCount; i++) rows.push(i);
  for (let i = tailStart; i < length; i++) rows.push(i);

  const rendered = columns.map((c) => {
    const t = c.type;
    const right = typeof t !== 'string' && isRightAligned(t);
    const cells = rows.map((i) =>
      cut(typeof t === 'string' ? formatPlain(c.get(i)) : formatValue(c.get(i), t), maxWidth),
    );
    const typeName = typeof t === 'string' ? t : typeToString(t);
    const header = [cut(c.name, maxWidth), ...(showTypes ? [cut(typeName, maxWidth)] : [])];
    const width = Math.max(1, ...header.map(widthOf), ...cells.map(widthOf));
    return { right, cells, header, width };
  });

  const lines: string[] = [];
  const join = (parts: string[]) => parts.join(' │ ').trimEnd();
  const headerLines = showTypes ? 2 : 1;
  for (let h = 0; h < headerLines; h++) {
    lines.push(join(rendered.map((r) => pad(r.header[h]!, r.width, r.right))));
  }
  lines.push(rendered.map((r) => '─'.repeat(r.width)).join('─┼─'));
  for (let k = 0; k < rows.length; k++) {
    if (truncated && k === headCount) lines.push(join(rendered.map((r) => pad('…', r.width, r.right))));
    lines.push(join(rendered.map((r) => pad(r.cells[k]!, r.width, r.right))));
  }
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  lines.push(`[${plural(length, 'row')} × ${plural(columns.length, 'column')}]`);
  return lines.join('\n');
}

function isRightAligned(t: DataType): boolean {
  switch (t.kind) {
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'BIGINT':
    case 'FLOAT':
    case 'DOUBLE':
    case 'DECIMAL':
      return true;
    default:
      return false;
  }
}

/** Display width in code points (close enough for a debugging table). */
function widthOf(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - widthOf(s)));
  return right ? fill + s : s + fill;
}

function cut(s: string, max: number): string {
  if (widthOf(s) <= max) return s;
  return `${[...s].slice(0, max - 1).join('')}…`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** Milliseconds (with a fraction for sub-ms digits) as `HH:MM:SS[.fff…]`. */
function clock(msOfDay: number): string {
  const whole = Math.floor(msOfDay / 1000);
  const frac = msOfDay - whole * 1000;
  const base = `${two(Math.floor(whole / 3600))}:${two(Math.floor(whole / 60) % 60)}:${two(whole % 60)}`;
  if (frac === 0) return base;
  return `${base}.${(frac / 1000).toFixed(9).slice(2).replace(/0+$/, '')}`;
}

/** One value as table text, following the JS value conventions of contracts.md. */
export function formatValue(v: unknown, t: DataType): string {
  if (v === null || v === undefined) return 'null';
  switch (t.kind) {
    case 'DATE':
      return typeof v === 'number' ? new Date(v * 86_400_000).toISOString().slice(0, 10) : String(v);
    case 'TIME':
      return typeof v === 'number' ? clock(v) : String(v);
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      if (typeof v !== 'number') return String(v);
      const ms = Math.floor(v);
      const day = Math.floor(ms / 86_400_000);
      const date = new Date(day * 86_400_000).toISOString().slice(0, 10);
      return `${date} ${clock(v - day * 86_400_000)}${t.kind === 'TIMESTAMP_LTZ' ? 'Z' : ''}`;
    }
  }
  return formatPlain(v);
}

function formatPlain(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return escapeControls(v);
    case 'bigint':
    case 'number':
    case 'boolean':
      return String(v);
  }
  if (v instanceof Uint8Array) {
    return `0x${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
  if (Array.isArray(v)) return `[${v.map(formatNested).join(', ')}]`;
  if (v instanceof Map)
    return `{${[...v].map(([k, x]) => `${formatNested(k)}: ${formatNested(x)}`).join(', ')}}`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as object)
      .map(([k, x]) => `${k}: ${formatNested(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

/** Inside lists, maps and rows, strings are quoted so that `['a, b']` and `['a', 'b']` differ. */
function formatNested(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : formatPlain(v);
}

function escapeControls(s: string): string {
  // JSON's escapes (\n, \t, \u0001…) for C0 controls; JSON leaves DEL alone, so spell it out
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === '\u007f' ? '\\u007f' : JSON.stringify(c).slice(1, -1),
  );
}
