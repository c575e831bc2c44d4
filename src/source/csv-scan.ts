/**
 * Finds the fields of one CSV record (RFC 4180) in a byte buffer: where each field starts and
 * ends, whether it was quoted and whether it holds doubled quotes. Nothing is copied; the caller
 * reads the field bytes in place.
 *
 * Records end at LF or CRLF; a quoted field may hold the delimiter, quotes (doubled) and line
 * breaks. Malformed quoting is reported in `error` (the record then ends at the next LF):
 * a quote inside an unquoted field, a character other than the delimiter or a line end after a
 * closing quote, a quoted field still open at the end of the input.
 *
 * @example
 * const s = new RecordScanner(44); // ','
 * const b = new TextEncoder().encode('a,"b,""c"""\n');
 * s.scan(b, 0, b.length, false); // true: fields [0,1) and [3,10) (escaped), s.end === 12
 */

const QUOTE = 34;
const LF = 10;
const CR = 13;

export class RecordScanner {
  /** Fields of the last record scanned. */
  count = 0;
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  /** 1 when the field was quoted. */
  quoted = new Uint8Array(64);
  /** 1 when the (quoted) field holds doubled quotes to undo. */
  escaped = new Uint8Array(64);
  /** Position just past the record (past its line end). */
  end = 0;
  /** Line breaks inside and at the end of the record. */
  newlines = 0;
  /** Why the record is malformed, or undefined. */
  error: string | undefined;

  constructor(readonly delimiter: number) {}

  private room(n: number): void {
    if (n < this.starts.length) return;
    const size = this.starts.length * 2;
    const grow = <T extends Int32Array | Uint8Array>(a: T): T => {
      const next = new (a.constructor as new (n: number) => T)(size);
      next.set(a);
      return next;
    };
    this.starts = grow(this.starts);
    this.ends = grow(this.ends);
    this.quoted = grow(this.quoted);
    this.escaped = grow(this.escaped);
  }

  /**
   * Scans the record starting at `pos` in `b[.., end)`. Returns false when the record is not
   * complete yet (more input may finish it); with `final`, the input ends at `end` and the
   * record is always complete.
   */
  scan(b: Uint8Array, pos: number, end: number, final: boolean): boolean {
    const delim = this.delimiter;
    let p = pos;
    let n = 0;
    let nl = 0;
    this.error = undefined;
    for (;;) {
      this.room(n);
      if (p < end && b[p] === QUOTE) {
        const s = p + 1;
        let q = s;
        let esc = 0;
        let k: number;
        for (;;) {
          k = b.indexOf(QUOTE, q);
          if (k < 0 || k >= end) {
            if (!final) return false;
            this.error = 'unterminated quoted field';
            for (let i = s; i < end; i++) if (b[i] === LF) nl++;
            return this.done(n, end, nl);
          }
          if (k + 1 >= end && !final) return false; // a doubled quote may follow
          if (k + 1 < end && b[k + 1] === QUOTE) {
            esc = 1;
            q = k + 2;
            continue;
          }
          break;
        }
        for (let i = s; i < k; i++) if (b[i] === LF) nl++;
        this.starts[n] = s;
        this.ends[n] = k;
        this.quoted[n] = 1;
        this.escaped[n] = esc;
        n++;
        p = k + 1;
        if (p >= end) return this.done(n, end, nl); // final: the last record, without a line end
        const c = b[p];
        if (c === delim) {
          p++;
          continue;
        }
        if (c === LF) return this.done(n, p + 1, nl + 1);
        if (c === CR) {
          if (p + 1 >= end && !final) return false;
          if (p + 1 >= end) return this.done(n, end, nl);
          if (b[p + 1] === LF) return this.done(n, p + 2, nl + 1);
        }
        return this.bad(b, p, end, final, n, nl, 'unexpected character after a closing quote');
      }
      const s = p;
      while (p < end) {
        const c = b[p];
        if (c === delim || c === LF || c === QUOTE) break;
        p++;
      }
      if (p < end && b[p] === QUOTE)
        return this.bad(b, p, end, final, n, nl, 'quote inside an unquoted field');
      let e = p;
      if (p >= end && !final) return false;
      if ((p >= end || b[p] === LF) && e > s && b[e - 1] === CR) e--;
      this.starts[n] = s;
      this.ends[n] = e;
      this.quoted[n] = 0;
      this.escaped[n] = 0;
      n++;
      if (p >= end) return this.done(n, end, nl);
      if (b[p] === delim) {
        p++;
        continue;
      }
      return this.done(n, p + 1, nl + 1);
    }
  }

  private done(n: number, end: number, nl: number): true {
    this.count = n;
    this.end = end;
    this.newlines = nl;
    return true;
  }

  /** A malformed record: it ends at the next LF (or the input's end). */
  private bad(
    b: Uint8Array,
    p: number,
    end: number,
    final: boolean,
    n: number,
    nl: number,
    why: string,
  ): boolean {
    const lf = b.indexOf(LF, p);
    if (lf < 0 || lf >= end) {
      if (!final) return false;
      this.error = why;
      return this.done(n, end, nl);
    }
    this.error = why;
    return this.done(n, lf + 1, nl + 1);
  }
}
