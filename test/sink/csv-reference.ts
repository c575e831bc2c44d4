/**
 * A small RFC 4180 reader for the tests (independent of the writer): returns rows of fields,
 * where an unquoted empty field is `null` and a quoted one is its text (so `""` is '').
 */
export function parseCsv(text: string, delimiter = ','): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  const n = text.length;
  if (n === 0) return rows;
  for (;;) {
    let field: string | null;
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= n) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else value += text[i++];
      }
      field = value;
    } else {
      let end = i;
      while (end < n && text[end] !== delimiter && text[end] !== '\n') end++;
      field = end === i ? null : text.slice(i, end);
      if (field !== null && (field.includes('"') || field.includes('\r')))
        throw new Error(`bare quote or CR in '${field}'`);
      i = end;
    }
    row.push(field);
    if (i >= n) throw new Error('missing final newline');
    if (text[i] === delimiter) {
      i++;
      continue;
    }
    if (text[i] !== '\n') throw new Error(`expected delimiter or newline at ${i}`);
    i++;
    rows.push(row);
    row = [];
    if (i >= n) return rows;
  }
}
