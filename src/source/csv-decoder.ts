/**
 * CSV bytes → Arrow record batches, incrementally: feed byte chunks as they arrive (`push`),
 * parse the complete records (`parse`, up to a row limit), take the rows parsed so far as a batch
 * (`take`). A record cut by a chunk boundary waits for the next chunk. Field bytes go straight
 * into typed column storage (csv-columns.ts); no object per row or per field.
 *
 * The header (if any) names the columns; `columns` gives their names and types, otherwise the
 * types are inferred from the first `inferRows` records (csv-infer.ts). Nulls: an unquoted empty
 * field, or an unquoted field equal to `nullString`, is null; a quoted empty field (`""`) is the
 * empty string in a string column and null in others. Empty lines are skipped (when there is one
 * column, an empty line is a row holding null).
 *
 * A malformed record (wrong field count, a value its column's type cannot read, bad quoting,
 * invalid UTF-8) goes to `onBadLine` with its line number and is left out; the default
 * `onBadLine` throws it.
 *
 * @example
 * const dec = new CsvDecoder({ columns: [{ name: 'x', type: T.BIGINT() }], header: false });
 * dec.push(new TextEncoder().encode('1\n2\n'));
 * dec.parse(10_000);
 * dec.take(); // RecordBatch x: [1, 2]
 */
import { isUtf8 } from 'node:buffer';
import * as arrow from 'apache-arrow';
import { toArrowSchema } from '../types/arrow-mapping.js';
import { type DataType, isStringKind, typeToString } from '../types/data-types.js';
import { recordBatchOf } from '../util/record-batch.js';
import { type CsvColumn, csvColumn, csvSupports } from './csv-columns.js';
import { TypeInference } from './csv-infer.js';
import { RecordScanner } from './csv-scan.js';
import { CsvLineError, SourceError } from './errors.js';

const LF = 10;
const CR = 13;

export interface CsvColumnSpec {
  name: string;
  type: DataType;
}

export interface CsvDecodeOptions {
  /** Column names and types; without them, the header names the columns and types are inferred. */
  columns?: readonly CsvColumnSpec[];
  /** The first line is a header (default true; required without `columns`). With `columns`, the header's names are not used. */
  header?: boolean;
  /** Field delimiter, one ASCII character (default `,`). */
  delimiter?: string;
  /** Unquoted field text that means null, besides the empty field. */
  nullString?: string;
  /** Records sampled to infer the types (default 1,000). */
  inferRows?: number;
  /** Rows per batch the columns are sized for (default 10,000; they grow beyond). */
  capacity?: number;
  /** Longest record, in bytes (default 16 MiB): a longer one is reported (an unterminated quote, usually). */
  maxRecordBytes?: number;
  /** Receives each malformed record; throw to stop. Default: throw it. */
  onBadLine?: (e: CsvLineError) => void;
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

export class CsvDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  /** Line number of the record at `pos`. */
  private line = 1;
  /** UTF-8 was checked as a whole up to here (-1: check record by record). */
  private utf8Ok = -1;
  private ended = false;
  /** Dropping the rest of a too long line. */
  private skipping = false;
  private headerPending: boolean;
  private names: string[] | undefined;
  private columns: CsvColumn[] | undefined;
  private stringCol: Uint8Array = new Uint8Array(0);
  private nullBytes: Uint8Array | undefined;
  private readonly scanner: RecordScanner;
  private readonly onBadLine: (e: CsvLineError) => void;
  private readonly capacity: number;
  private readonly inferRows: number;
  private readonly maxRecordBytes: number;
  /** Schema of the batches, once the columns are known. */
  schema: arrow.Schema | undefined;
  /** Rows parsed and not taken yet. */
  rows = 0;
  /** Good rows parsed in all. */
  rowsRead = 0;
  /** Malformed records reported. */
  badLines = 0;

  constructor(opts: CsvDecodeOptions = {}) {
    const d = opts.delimiter ?? ',';
    if (d.length !== 1 || d.charCodeAt(0) > 127 || d === '"' || d === '\n' || d === '\r') {
      throw new SourceError(
        `CSV delimiter must be one ASCII character other than a quote or newline, got '${d}'`,
      );
    }
    this.scanner = new RecordScanner(d.charCodeAt(0));
    this.headerPending = opts.header ?? true;
    if (!opts.columns && !this.headerPending) {
      throw new SourceError('CSV input without a schema needs a header line (or give --schema)');
    }
    this.capacity = opts.capacity ?? 10_000;
    this.inferRows = opts.inferRows ?? 1_000;
    this.maxRecordBytes = opts.maxRecordBytes ?? 16 * 1024 * 1024;
    this.onBadLine =
      opts.onBadLine ??
      ((e) => {
        throw e;
      });
    if (opts.nullString !== undefined && opts.nullString !== '') {
      this.nullBytes = new TextEncoder().encode(opts.nullString);
    }
    if (opts.columns) {
      if (opts.columns.length === 0) throw new SourceError('the CSV schema has no columns');
      this.setColumns(opts.columns);
    }
  }

  /** Adds the next bytes of the input. */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('push after end');
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      const rest = this.buf.length - this.pos;
      const next = new Uint8Array(rest + chunk.length);
      next.set(this.buf.subarray(this.pos), 0);
      next.set(chunk, rest);
      this.buf = next;
    }
    this.pos = 0;
    this.checkUtf8();
  }

  /** No more input: the last record may lack its line end. */
  end(): void {
    this.ended = true;
    this.checkUtf8();
  }

  /** True once the column names and types are known. */
  get typed(): boolean {
    return this.columns !== undefined;
  }

  /** Bytes waiting for the rest of their record. */
  get pendingBytes(): number {
    return this.buf.length - this.pos;
  }

  /**
   * Parses complete records until `limit` rows are pending or none is left. Returns true when it
   * stopped at the limit. Before the types are known it waits for `inferRows` records (or the
   * end of the input, or `inferNow`).
   */
  parse(limit: number, inferNow = false): boolean {
    if (this.skipping) this.skipLine();
    if (this.headerPending && !this.readHeader()) return false;
    if (!this.columns && !this.infer(inferNow)) return false;
    const cols = this.columns!;
    const n = cols.length;
    const sc = this.scanner;
    const b = this.buf;
    const len = b.length;
    while (this.rows < limit && this.pos < len) {
      const start = this.pos;
      if (n > 1 && this.skipEmptyLine()) continue;
      if (!sc.scan(b, start, len, this.ended)) {
        if (this.tooLong() && !this.skipping) continue;
        break;
      }
      const line = this.line;
      this.pos = sc.end;
      this.line += sc.newlines;
      if (sc.error !== undefined) {
        this.bad(line, sc.error);
        continue;
      }
      if (sc.count !== n) {
        this.bad(line, `expected ${n} fields, got ${sc.count}`);
        continue;
      }
      if (sc.end > this.utf8Ok && !isUtf8(b.subarray(start, sc.end))) {
        this.bad(line, 'invalid UTF-8');
        continue;
      }
      const why = this.record(b);
      if (why !== undefined) {
        this.bad(line, why);
        continue;
      }
      this.rows++;
      this.rowsRead++;
    }
    return this.rows >= limit;
  }

  /** The rows parsed so far as one batch (undefined when there are none). */
  take(): arrow.RecordBatch | undefined {
    if (this.rows === 0 || !this.columns || !this.schema) return undefined;
    const children = this.columns.map((c) => c.finish());
    const n = this.rows;
    this.rows = 0;
    const data = arrow.makeData({
      type: new arrow.Struct(this.schema.fields),
      length: n,
      nullCount: 0,
      children,
    });
    return recordBatchOf(this.schema, data);
  }

  /** Writes the scanned record into the columns; on a bad value, drops what it wrote and says why. */
  private record(b: Uint8Array): string | undefined {
    const sc = this.scanner;
    const cols = this.columns!;
    const rows = this.rows;
    for (let c = 0; c < cols.length; c++) {
      const s = sc.starts[c]!;
      const e = sc.ends[c]!;
      const col = cols[c]!;
      let why: string | undefined;
      let isNull = false;
      if (sc.quoted[c] === 0) isNull = e === s || (this.nullBytes !== undefined && this.isNullText(b, s, e));
      else isNull = e === s && this.stringCol[c] === 0;
      if (isNull) {
        why = col.appendNull();
        if (why !== undefined) why = `column '${this.names![c]}': ${why}`;
      } else {
        why = col.append(b, s, e, sc.escaped[c] === 1);
        if (why !== undefined) why = `column '${this.names![c]}': ${shown(b, s, e)} is ${why}`;
      }
      if (why !== undefined) {
        for (let k = 0; k < c; k++) cols[k]!.truncate(rows);
        return why;
      }
    }
    return undefined;
  }

  private isNullText(b: Uint8Array, s: number, e: number): boolean {
    const nb = this.nullBytes!;
    if (e - s !== nb.length) return false;
    for (let i = 0; i < nb.length; i++) if (b[s + i] !== nb[i]) return false;
    return true;
  }

  private bad(line: number, reason: string): void {
    this.badLines++;
    this.onBadLine(new CsvLineError(line, reason));
  }

  /** Skips an empty line at `pos`; true if there was one. */
  private skipEmptyLine(): boolean {
    const b = this.buf;
    const p = this.pos;
    if (b[p] === LF) {
      this.pos = p + 1;
      this.line++;
      return true;
    }
    if (b[p] === CR && p + 1 < b.length && b[p + 1] === LF) {
      this.pos = p + 2;
      this.line++;
      return true;
    }
    return false;
  }

  /** An incomplete record longer than the limit: report it and go on after its first line. True if it was one. */
  private tooLong(): boolean {
    if (this.buf.length - this.pos <= this.maxRecordBytes) return false;
    const line = this.line;
    this.skipping = true;
    this.skipLine();
    this.bad(line, `record longer than ${this.maxRecordBytes} bytes (an unterminated quoted field?)`);
    return true;
  }

  /** Drops input up to and including the next LF (which may come in a later chunk). */
  private skipLine(): void {
    const lf = this.buf.indexOf(LF, this.pos);
    if (lf < 0) {
      this.pos = this.buf.length;
      return;
    }
    this.pos = lf + 1;
    this.line++;
    this.skipping = false;
  }

  private checkUtf8(): void {
    const b = this.buf;
    const upto = this.ended ? b.length : b.lastIndexOf(LF) + 1;
    this.utf8Ok = upto > this.pos && isUtf8(b.subarray(this.pos, upto)) ? upto : -1;
  }

  private readHeader(): boolean {
    const sc = this.scanner;
    while (this.pos < this.buf.length && this.skipEmptyLine()) {}
    if (this.pos >= this.buf.length) return false;
    if (!sc.scan(this.buf, this.pos, this.buf.length, this.ended)) {
      if (this.buf.length - this.pos > this.maxRecordBytes) {
        throw new SourceError(`line ${this.line}: the header is longer than ${this.maxRecordBytes} bytes`);
      }
      return false;
    }
    const line = this.line;
    if (sc.error !== undefined) throw new SourceError(`line ${line}: header: ${sc.error}`);
    const names: string[] = [];
    for (let c = 0; c < sc.count; c++) {
      let text: string;
      try {
        text = textDecoder.decode(this.buf.subarray(sc.starts[c], sc.ends[c]));
      } catch {
        throw new SourceError(`line ${line}: header: invalid UTF-8`);
      }
      names.push(sc.escaped[c] ? text.replaceAll('""', '"') : text);
    }
    this.pos = sc.end;
    this.line += sc.newlines;
    this.headerPending = false;
    if (this.columns) {
      if (names.length !== this.columns.length) {
        throw new SourceError(
          `line ${line}: the header has ${names.length} fields but the schema has ${this.columns.length} columns`,
        );
      }
      return true;
    }
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) throw new SourceError(`line ${line}: the header names column '${name}' twice`);
      seen.add(name);
    }
    this.names = names;
    return true;
  }

  /** Infers the types from the records buffered (without consuming them). */
  private infer(inferNow: boolean): boolean {
    const names = this.names!;
    const n = names.length;
    const sc = this.scanner;
    const inf = new TypeInference(n);
    const b = this.buf;
    let p = this.pos;
    let records = 0;
    while (records < this.inferRows) {
      while (n > 1 && p < b.length && (b[p] === LF || (b[p] === CR && b[p + 1] === LF)))
        p += b[p] === LF ? 1 : 2;
      if (p >= b.length || !sc.scan(b, p, b.length, this.ended)) break;
      p = sc.end;
      records++;
      if (sc.error !== undefined || sc.count !== n) continue;
      for (let c = 0; c < n; c++) {
        const s = sc.starts[c]!;
        const e = sc.ends[c]!;
        if (e === s || (sc.quoted[c] === 0 && this.nullBytes !== undefined && this.isNullText(b, s, e)))
          continue;
        inf.add(c, b, s, e);
      }
    }
    if (records < this.inferRows && !this.ended && !(inferNow && records > 0)) return false;
    this.setColumns(inf.types().map((type, c) => ({ name: names[c]!, type })));
    return true;
  }

  private setColumns(specs: readonly CsvColumnSpec[]): void {
    for (const s of specs) {
      if (!csvSupports(s.type)) {
        throw new SourceError(
          `column '${s.name}': CSV input cannot hold ${typeToString(s.type)} (nested values need Arrow input)`,
        );
      }
    }
    this.names = specs.map((s) => s.name);
    this.columns = specs.map((s) => csvColumn(s.type, this.capacity));
    this.stringCol = Uint8Array.from(specs, (s) =>
      isStringKind(s.type.kind) || s.type.kind === 'VARBINARY' ? 1 : 0,
    );
    this.schema = toArrowSchema(specs);
  }
}

/** A field's text for a message, quoted and cut at 40 characters. */
function shown(b: Uint8Array, s: number, e: number): string {
  const text = Buffer.from(b.buffer, b.byteOffset + s, Math.min(e - s, 120)).toString('utf8');
  return `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}'`;
}
