import { parse } from 'csv-parse/sync';
import { ParseError } from './errors.js';

/** `show stat` CSV: the header (column names, without `# ` and the trailing empty column) and the raw rows. */
export interface StatTable {
  header: string[];
  /** One array per row, aligned with `header`. Empty fields are empty strings. */
  rows: string[][];
}

/**
 * Parses `show stat` CSV (also a stats page's `;csv`). The header starts with `# `, and every line ends with a
 * trailing comma, i.e. one empty extra column, which is dropped. Column order differs between versions (and
 * within 2.6), so callers map columns by header name. Pure.
 *
 * HAProxy writes one record per line (it turns newlines inside values into spaces) and quotes a value only
 * when it holds a comma, a quote or a line break. So a line without any `"` is exactly its comma-separated
 * fields, and is split directly; a line with a quote goes through csv-parse for RFC 4180 unquoting. This keeps
 * a 2,000-server answer cheap (csv-parse alone costs about 3x HAProxy's own dump time), and a property test
 * checks that both paths agree.
 */
export function parseShowStat(text: string): StatTable {
  if (typeof text !== 'string') throw new ParseError('show stat', 'input is not text');
  if (!text.startsWith('# ')) {
    const nl = text.indexOf('\n');
    throw new ParseError('show stat', 'the answer does not start with the "# pxname,svname,..." header', {
      line: 1,
      excerpt: nl >= 0 ? text.slice(0, nl) : text.slice(0, 80),
    });
  }
  const lines = text.split('\n');
  const first = splitLine(lines[0]!.slice(2).replace(/\r$/, ''), 1);
  const hasTrailing = first.at(-1) === '';
  const header = hasTrailing ? first.slice(0, -1) : first;
  if (header[0] !== 'pxname' || header[1] !== 'svname') {
    throw new ParseError('show stat', 'the header must begin with "pxname,svname"', { line: 1, excerpt: header.slice(0, 4).join(',') });
  }
  const seen = new Set<string>();
  for (const name of header) {
    if (name === '') throw new ParseError('show stat', 'an empty column name in the header', { line: 1 });
    if (seen.has(name)) throw new ParseError('show stat', `the column "${name}" appears twice in the header`, { line: 1 });
    seen.add(name);
  }
  const width = first.length;
  const rows: string[][] = [];
  for (let i = 1; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.length === 0) continue;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    const r = splitLine(line, i + 1);
    if (r.length !== width) {
      throw new ParseError('show stat', `the row has ${r.length} fields where the header has ${width}`, { line: i + 1, excerpt: line });
    }
    if (hasTrailing) {
      if (r[width - 1] !== '') {
        throw new ParseError('show stat', 'the row does not end with the trailing comma the header has', { line: i + 1, excerpt: line });
      }
      r.length = width - 1;
    }
    rows.push(r);
  }
  return { header, rows };
}

/** The fields of one CSV line: a plain split when it has no quote, csv-parse otherwise. */
export function splitLine(line: string, lineNo: number): string[] {
  if (line.indexOf('"') === -1) return line.split(',');
  return parseQuotedLine(line, lineNo);
}

/** RFC 4180 parsing of one line with csv-parse (strict quotes). */
export function parseQuotedLine(line: string, lineNo: number): string[] {
  let records: string[][];
  try {
    records = parse(line, { relax_column_count: false, relax_quotes: false }) as string[][];
  } catch (err) {
    throw new ParseError('show stat', (err as Error).message, { line: lineNo, excerpt: line, cause: err });
  }
  if (records.length !== 1) {
    throw new ParseError('show stat', 'a quoted value spans lines, which HAProxy never writes', { line: lineNo, excerpt: line });
  }
  return records[0]!;
}
