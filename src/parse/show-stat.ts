import { parse } from 'csv-parse/sync';
import { ParseError } from './errors.js';
import type { StatTable } from './stat-table.js';

export type { StatTable } from './stat-table.js';

/**
 * Parses `show stat` CSV (also a stats page's `;csv`) into a StatTable: spans of the answer's own text. The header
 * starts with `# `, and every line ends with a trailing comma, i.e. one empty extra column, which is dropped.
 * Column order differs between versions (and within 2.6), so callers map columns by header name. Pure.
 *
 * HAProxy writes one record per line (it turns newlines inside values into spaces) and quotes a value only
 * when it holds a comma, a quote or a line break. So a line without any `"` is exactly its comma-separated
 * fields, whose bounds are found in place; a line with a quote goes through csv-parse for RFC 4180 unquoting,
 * and the few values that are not spelled as they are in the line (an escaped quote) are appended to the
 * table's text. This keeps a 2,000-server answer cheap (csv-parse alone costs about 3x HAProxy's own dump
 * time), and a property test checks that both paths agree.
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
  const nl0 = text.indexOf('\n');
  const first = splitLine(text.slice(2, nl0 < 0 ? text.length : nl0).replace(/\r$/, ''), 1);
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
  const cols = header.length;
  let lines = 0;
  for (let p = nl0; p >= 0; p = text.indexOf('\n', p + 1)) lines++;
  const spans = new Int32Array(2 * cols * lines);
  /** Values of quoted lines that are not spans of the answer (an escaped quote), appended after its text. */
  const extras: string[] = [];
  let extraAt = text.length;
  let rowCount = 0;
  let quote = text.indexOf('"', nl0 < 0 ? text.length : nl0);
  let lineNo = 1;
  for (let ls = nl0 + 1; nl0 >= 0 && ls <= text.length;) {
    lineNo++;
    let next = text.indexOf('\n', ls);
    if (next < 0) next = text.length;
    const lineStart = ls;
    ls = next + 1;
    let le = next;
    if (le > lineStart && text.charCodeAt(le - 1) === 13) le--;
    if (le === lineStart) continue; // a blank line (the answer ends with one)
    const o = rowCount * cols * 2;
    let fields: number;
    let lastEmpty = false;
    if (quote >= 0 && quote < lineStart) quote = text.indexOf('"', lineStart);
    if (quote >= 0 && quote < le) {
      const values = parseQuotedLine(text.slice(lineStart, le), lineNo);
      fields = values.length;
      lastEmpty = values[fields - 1] === '';
      if (fields === width) {
        // csv-parse says what the values are; a value that stands as it is in the line (plain, or quoted without
        // an escaped quote inside) is a span of the answer, the rest is appended to the text.
        let at = lineStart;
        for (let c = 0; c < cols; c++) {
          const v = values[c]!;
          let start = -1;
          if (at >= 0 && text.startsWith(v, at) && (at + v.length === le || text.charCodeAt(at + v.length) === 44)) {
            start = at;
            at += v.length + 1;
          } else if (at >= 0 && text.charCodeAt(at) === 34 && text.startsWith(`${v.replaceAll('"', '""')}"`, at + 1)) {
            if (!v.includes('"')) start = at + 1;
            at += v.length + (v.split('"').length - 1) + 3;
          } else at = -1; // a spelling this reading does not follow: the rest of the line is appended
          if (start < 0) {
            extras.push(v);
            start = extraAt;
            extraAt += v.length;
          }
          spans[o + 2 * c] = start;
          spans[o + 2 * c + 1] = start + v.length;
        }
      }
    } else {
      fields = 0;
      let s = lineStart;
      for (let k = lineStart; k <= le; k++) {
        if (k === le || text.charCodeAt(k) === 44) {
          if (fields < cols) {
            spans[o + 2 * fields] = s;
            spans[o + 2 * fields + 1] = k;
          }
          fields++;
          lastEmpty = k === s;
          s = k + 1;
        }
      }
    }
    if (fields !== width) {
      throw new ParseError('show stat', `the row has ${fields} fields where the header has ${width}`, { line: lineNo, excerpt: text.slice(lineStart, le) });
    }
    if (hasTrailing && !lastEmpty) {
      throw new ParseError('show stat', 'the row does not end with the trailing comma the header has', { line: lineNo, excerpt: text.slice(lineStart, le) });
    }
    rowCount++;
  }
  return { header, rowCount, text: extras.length ? text + extras.join('') : text, spans: spans.subarray(0, 2 * cols * rowCount) };
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
