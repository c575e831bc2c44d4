/**
 * Parses Flink's SQL spelling of a type — the inverse of `typeToString` — for `--result-type` and
 * friends. Keywords are case-insensitive; both `ROW<a INT>` and `ROW(a INT)` are accepted, as are
 * Flink's synonyms (INTEGER, DEC / NUMERIC, DOUBLE PRECISION, TIMESTAMP(p) WITHOUT TIME ZONE,
 * TIMESTAMP(p) WITH LOCAL TIME ZONE) and a quoted description after a ROW field (ignored).
 * Defaults follow Flink: DECIMAL = DECIMAL(10, 0), CHAR/VARCHAR/BINARY/VARBINARY length 1,
 * TIME(0), TIMESTAMP(6), TIMESTAMP_LTZ(6).
 *
 * @example
 * parseDataType('MAP<STRING, ARRAY<DECIMAL(10, 2) NOT NULL>>');
 * parseDataType('ROW<id BIGINT NOT NULL, `user name` STRING>');
 */
import { type DataType, type RowField, DataTypes as T } from './data-types.js';

/** A type string that does not parse; `position` is the 0-based offset of the problem. */
export class DataTypeParseError extends SyntaxError {
  override readonly name = 'DataTypeParseError';
  constructor(
    readonly input: string,
    readonly position: number,
    detail: string,
  ) {
    super(`invalid data type '${input}': ${detail} at position ${position}`);
  }
}

type Token =
  | { kind: 'word'; text: string; upper: string; pos: number }
  | { kind: 'quoted'; text: string; pos: number } // `name`
  | { kind: 'string'; text: string; pos: number } // 'description'
  | { kind: 'number'; text: string; pos: number }
  | { kind: 'punct'; text: string; pos: number }
  | { kind: 'end'; text: string; pos: number };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < input.length && /[A-Za-z0-9_$]/.test(input[i]!)) i++;
      const text = input.slice(start, i);
      tokens.push({ kind: 'word', text, upper: text.toUpperCase(), pos: start });
    } else if (/[0-9]/.test(c)) {
      const start = i;
      while (i < input.length && /[0-9]/.test(input[i]!)) i++;
      tokens.push({ kind: 'number', text: input.slice(start, i), pos: start });
    } else if (c === '`' || c === "'") {
      // quoted identifier or description; the quote is escaped by doubling it
      const start = i;
      let text = '';
      i++;
      for (;;) {
        if (i >= input.length) {
          throw new DataTypeParseError(input, start, `unterminated ${c} quote`);
        }
        if (input[i] === c) {
          if (input[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += input[i];
        i++;
      }
      tokens.push({ kind: c === '`' ? 'quoted' : 'string', text, pos: start });
    } else if ('<>(),'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, pos: i });
      i++;
    } else {
      throw new DataTypeParseError(input, i, `unexpected character '${c}'`);
    }
  }
  tokens.push({ kind: 'end', text: '', pos: input.length });
  return tokens;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'end of input';
    case 'quoted':
      return `\`${t.text}\``;
    case 'string':
      return `'${t.text}'`;
    default:
      return `'${t.text}'`;
  }
}

const SIMPLE: Record<string, () => DataType> = {
  TINYINT: () => T.TINYINT(),
  SMALLINT: () => T.SMALLINT(),
  INT: () => T.INT(),
  INTEGER: () => T.INT(),
  BIGINT: () => T.BIGINT(),
  FLOAT: () => T.FLOAT(),
  DOUBLE: () => T.DOUBLE(),
  BOOLEAN: () => T.BOOLEAN(),
  DATE: () => T.DATE(),
  STRING: () => T.STRING(),
  BYTES: () => T.BYTES(),
  NULL: () => T.NULL(),
};

const TYPE_NAMES =
  'TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, BOOLEAN, CHAR, VARCHAR, STRING, BINARY, ' +
  'VARBINARY, BYTES, DATE, TIME, TIMESTAMP, TIMESTAMP_LTZ, ARRAY, MAP, ROW or NULL';

class Parser {
  private i = 0;
  constructor(
    private readonly input: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    const t = this.tokens[this.i]!;
    if (t.kind !== 'end') this.i++;
    return t;
  }

  private fail(t: Token, expected: string): never {
    throw new DataTypeParseError(this.input, t.pos, `expected ${expected}, got ${describe(t)}`);
  }

  private isWord(upper: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.upper === upper;
  }

  private expectWord(upper: string): void {
    if (!this.isWord(upper)) this.fail(this.peek(), upper);
    this.next();
  }

  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === p;
  }

  private expectPunct(p: string): void {
    if (!this.isPunct(p)) this.fail(this.peek(), `'${p}'`);
    this.next();
  }

  private integer(what: string): number {
    const t = this.peek();
    if (t.kind !== 'number') this.fail(t, what);
    this.next();
    const n = Number(t.text);
    if (!Number.isSafeInteger(n)) this.fail(t, what);
    return n;
  }

  /** `(n)` if present, else `dflt`. */
  private optionalParam(what: string, dflt: number): { value: number; pos: number } {
    if (!this.isPunct('(')) return { value: dflt, pos: this.peek().pos };
    this.next();
    const pos = this.peek().pos;
    const value = this.integer(what);
    this.expectPunct(')');
    return { value, pos };
  }

  /** Runs a factory, turning its range errors into parse errors at `pos`. */
  private make(pos: number, f: () => DataType): DataType {
    try {
      return f();
    } catch (e) {
      throw new DataTypeParseError(this.input, pos, (e as Error).message);
    }
  }

  parseTop(): DataType {
    const t = this.parseType();
    const rest = this.peek();
    if (rest.kind !== 'end') this.fail(rest, 'end of input');
    return t;
  }

  parseType(): DataType {
    let t = this.parseBase();
    if (this.isWord('NOT')) {
      this.next();
      const nullTok = this.peek();
      this.expectWord('NULL');
      if (t.kind === 'NULL') this.fail(nullTok, 'a type that can be NOT NULL (NULL cannot)');
      t = { ...t, nullable: false };
    } else if (this.isWord('NULL')) {
      this.next();
    }
    return t;
  }

  private parseBase(): DataType {
    const tok = this.next();
    if (tok.kind !== 'word') this.fail(tok, `a type name (${TYPE_NAMES})`);
    const name = tok.upper;
    const simple = SIMPLE[name];
    if (simple) {
      if (name === 'DOUBLE' && this.isWord('PRECISION')) this.next();
      return simple();
    }
    switch (name) {
      case 'DECIMAL':
      case 'DEC':
      case 'NUMERIC': {
        let precision = 10;
        let scale = 0;
        let pos = tok.pos;
        if (this.isPunct('(')) {
          this.next();
          pos = this.peek().pos;
          precision = this.integer('a precision');
          if (this.isPunct(',')) {
            this.next();
            scale = this.integer('a scale');
          }
          this.expectPunct(')');
        }
        return this.make(pos, () => T.DECIMAL(precision, scale));
      }
      case 'CHAR':
      case 'VARCHAR':
      case 'BINARY':
      case 'VARBINARY': {
        const { value, pos } = this.optionalParam('a length', 1);
        return this.make(pos, () => T[name](value));
      }
      case 'TIME': {
        const { value, pos } = this.optionalParam('a precision', 0);
        this.optionalWithoutTimeZone();
        return this.make(pos, () => T.TIME(value));
      }
      case 'TIMESTAMP': {
        const { value, pos } = this.optionalParam('a precision', 6);
        if (this.isWord('WITH')) {
          this.next();
          this.expectWord('LOCAL');
          this.expectWord('TIME');
          this.expectWord('ZONE');
          return this.make(pos, () => T.TIMESTAMP_LTZ(value));
        }
        this.optionalWithoutTimeZone();
        return this.make(pos, () => T.TIMESTAMP(value));
      }
      case 'TIMESTAMP_LTZ': {
        const { value, pos } = this.optionalParam('a precision', 6);
        return this.make(pos, () => T.TIMESTAMP_LTZ(value));
      }
      case 'ARRAY': {
        this.expectPunct('<');
        const element = this.parseType();
        this.expectPunct('>');
        return T.ARRAY(element);
      }
      case 'MAP': {
        this.expectPunct('<');
        const key = this.parseType();
        this.expectPunct(',');
        const value = this.parseType();
        this.expectPunct('>');
        return T.MAP(key, value);
      }
      case 'ROW':
        return this.parseRow(tok.pos);
      default:
        return this.fail(tok, `a type name (${TYPE_NAMES})`);
    }
  }

  private optionalWithoutTimeZone(): void {
    if (!this.isWord('WITHOUT')) return;
    this.next();
    this.expectWord('TIME');
    this.expectWord('ZONE');
  }

  private parseRow(pos: number): DataType {
    const open = this.peek();
    if (!this.isPunct('<') && !this.isPunct('(')) this.fail(open, "'<' or '('");
    this.next();
    const close = open.text === '<' ? '>' : ')';
    const fields: RowField[] = [];
    if (!this.isPunct(close)) {
      for (;;) {
        const nameTok = this.next();
        if (nameTok.kind !== 'word' && nameTok.kind !== 'quoted') this.fail(nameTok, 'a field name');
        const type = this.parseType();
        if (this.peek().kind === 'string') this.next(); // field description, as Flink allows
        fields.push(T.FIELD(nameTok.text, type));
        if (!this.isPunct(',')) break;
        this.next();
      }
    }
    this.expectPunct(close);
    return this.make(pos, () => T.ROW(fields));
  }
}

/**
 * Parses a type string such as `DECIMAL(10, 2) NOT NULL`, `ARRAY<INT>`, `MAP<STRING, BIGINT>`,
 * `ROW<a INT, b STRING>`; throws {@link DataTypeParseError} naming the position and what was
 * expected there.
 *
 * @example
 * typeToString(parseDataType('timestamp(3) not null')); // 'TIMESTAMP(3) NOT NULL'
 */
export function parseDataType(input: string): DataType {
  return new Parser(input, tokenize(input)).parseTop();
}
