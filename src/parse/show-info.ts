import { ParseError } from './errors.js';

/** `show info` as raw strings, keyed by HAProxy's own key names (`Unstoppable Jobs`, `Memmax_MB`, ...). */
export type InfoRecord = Record<string, string>;

/**
 * Parses `show info`: one `Key: value` per line, split on the first ": " (keys may contain spaces, values may
 * contain ": "). Values are CSV-encoded by HAProxy when they hold a comma or a quote, so quoted values are
 * unquoted. Keys that HAProxy leaves out (empty fields) are simply absent. Pure.
 */
export function parseShowInfo(text: string): InfoRecord {
  if (typeof text !== 'string') throw new ParseError('show info', 'input is not text');
  const out: InfoRecord = Object.create(null) as InfoRecord;
  const lines = text.split('\n');
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '') {
      if (count > 0) break; // the blank line ends the answer
      continue;
    }
    const sep = line.indexOf(': ');
    let key: string;
    let value: string;
    if (sep > 0) {
      key = line.slice(0, sep);
      value = line.slice(sep + 2);
    } else if (line.endsWith(':') && line.length > 1 && !line.includes(' :')) {
      key = line.slice(0, -1);
      value = '';
    } else {
      throw new ParseError('show info', 'expected "Key: value"', { line: i + 1, excerpt: line });
    }
    if (!/^[A-Za-z][A-Za-z0-9_ .-]*$/.test(key)) {
      throw new ParseError('show info', `invalid key ${JSON.stringify(key)}`, { line: i + 1, excerpt: line });
    }
    out[key] = unquoteCsv(value, i + 1, line);
    count++;
  }
  if (count === 0) throw new ParseError('show info', 'the answer has no "Key: value" lines');
  if (out.Name === undefined && out.Pid === undefined) {
    throw new ParseError('show info', 'neither "Name" nor "Pid" is present; this is not a show info answer', {
      line: 1,
      excerpt: lines[0] ?? '',
    });
  }
  return out;
}

function unquoteCsv(v: string, line: number, excerpt: string): string {
  if (!v.startsWith('"')) return v;
  if (v.length < 2 || !v.endsWith('"')) {
    throw new ParseError('show info', 'unterminated quoted value', { line, excerpt });
  }
  const inner = v.slice(1, -1);
  if (inner.replace(/""/g, '').includes('"')) {
    throw new ParseError('show info', 'a quote inside a quoted value is not doubled', { line, excerpt });
  }
  return inner.replace(/""/g, '"');
}

/**
 * One key's value in a `show info` answer, read without parsing the rest (the source uses it to send `show stat`
 * to the process that answered, by its Pid). Undefined when the key is absent. Pure.
 */
export function infoValue(text: string, key: string): string | undefined {
  const at = text.startsWith(`${key}: `) ? 0 : text.indexOf(`\n${key}: `);
  if (at < 0) return undefined;
  const start = at === 0 ? key.length + 2 : at + key.length + 3;
  const end = text.indexOf('\n', start);
  const value = end < 0 ? text.slice(start) : text.slice(start, end);
  return value.endsWith('\r') ? value.slice(0, -1) : value;
}
