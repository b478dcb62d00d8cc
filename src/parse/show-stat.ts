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
 * trailing comma, i.e. one empty extra column, which is dropped. Quoting is RFC 4180. Column order differs
 * between versions (and within 2.6), so callers map columns by header name. Pure.
 */
export function parseShowStat(text: string): StatTable {
  if (typeof text !== 'string') throw new ParseError('show stat', 'input is not text');
  if (!text.startsWith('# ')) {
    throw new ParseError('show stat', 'the answer does not start with the "# pxname,svname,..." header', {
      line: 1,
      excerpt: text.slice(0, text.indexOf('\n') >>> 0 || 80),
    });
  }
  let records: string[][];
  try {
    records = parse(text.slice(2), {
      skip_empty_lines: true,
      relax_column_count: false,
      relax_quotes: false,
    }) as string[][];
  } catch (err) {
    const e = err as { message?: string; lines?: number };
    throw new ParseError('show stat', e.message ?? String(err), { line: e.lines, cause: err });
  }
  const first = records[0];
  if (!first) throw new ParseError('show stat', 'no header line', { line: 1 });
  const hasTrailing = first.at(-1) === '';
  const header = hasTrailing ? first.slice(0, -1) : first;
  if (header[0] !== 'pxname' || header[1] !== 'svname') {
    throw new ParseError('show stat', 'the header must begin with "pxname,svname"', { line: 1, excerpt: header.slice(0, 4).join(',') });
  }
  const seen = new Set<string>();
  for (const name of header) {
    if (name === '') throw new ParseError('show stat', 'an empty column name in the header', { line: 1 });
    if (seen.has(name) && name !== '-') {
      throw new ParseError('show stat', `the column "${name}" appears twice in the header`, { line: 1 });
    }
    seen.add(name);
  }
  const rows: string[][] = new Array(records.length - 1);
  for (let i = 1; i < records.length; i++) {
    const r = records[i]!;
    if (hasTrailing) {
      if (r.at(-1) !== '') {
        throw new ParseError('show stat', 'the row does not end with the trailing comma the header has', {
          line: i + 1,
          excerpt: r.slice(0, 2).join(','),
        });
      }
      r.length -= 1;
    }
    rows[i - 1] = r;
  }
  return { header, rows };
}
