/**
 * A `show stat` table as spans of one text, not as an array of strings per row.
 *
 * Why: a 2,000-server answer has about 250,000 cells. Split into `string[][]`, they were 2.5 MB of small strings
 * and arrays on V8's heap per poll, and they lived until the poll's documents were built, so every minor
 * collection of the poll copied them and then promoted them: the largest part of the garbage a poll made.
 * Here a table is the answer's text (one string, which V8 keeps in its large-object space) and an Int32Array of
 * cell bounds outside the heap. The hot paths read cells in place (documents copy the characters of a number,
 * rates parse it from them); a string is made only for the few cells that need one.
 */
export interface Cells {
  /** The text every cell is a span of. */
  readonly text: string;
  /** Cell `i` of the whole table (row-major) is `text` from `spans[2i]` up to `spans[2i + 1]` (exclusive). */
  readonly spans: Int32Array;
}

/** `show stat`: its header (column names) and its rows, as spans of one text. */
export interface StatTable extends Cells {
  /** Column names, without `# ` and the trailing empty column. */
  readonly header: string[];
  readonly rowCount: number;
}

/** The index in `spans` where the start of cell (r, c) is, for a table of `width` columns. */
export function spanIndex(width: number, r: number, c: number): number {
  return 2 * (r * width + c);
}

/** Cell (r, c) as a string ('' when empty, or when `c` is -1: a column the table does not have). */
export function cellAt(t: StatTable, r: number, c: number): string {
  if (c < 0 || c >= t.header.length) return '';
  const i = spanIndex(t.header.length, r, c);
  return t.text.slice(t.spans[i], t.spans[i + 1]);
}

/** Whether cell (r, c) is exactly one character, of code `code` (a component type, '0' to '3'). */
export function cellIsChar(t: StatTable, r: number, c: number, code: number): boolean {
  if (c < 0 || c >= t.header.length) return false;
  const i = spanIndex(t.header.length, r, c);
  const s = t.spans[i]!;
  return t.spans[i + 1]! - s === 1 && t.text.charCodeAt(s) === code;
}

/**
 * Cell (r, c) as a number: NaN when empty or absent. Plain integers (the counters) are read from the characters;
 * anything else goes through `Number`, as the text would.
 */
export function cellNumber(t: StatTable, r: number, c: number): number {
  if (c < 0 || c >= t.header.length) return NaN;
  const i = spanIndex(t.header.length, r, c);
  return spanNumber(t.text, t.spans[i]!, t.spans[i + 1]!);
}

/** The number in `text` from `s` to `e`: see cellNumber. */
export function spanNumber(text: string, s: number, e: number): number {
  if (s === e) return NaN;
  let k = s;
  const neg = text.charCodeAt(k) === 45;
  if (neg) k++;
  // Up to 15 digits are exact in a double whatever their order: beyond that, let Number round as it does.
  if (k === e || e - k > 15) return Number(text.slice(s, e));
  let v = 0;
  for (; k < e; k++) {
    const d = text.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return Number(text.slice(s, e));
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** Row `r` as strings, aligned with the header (for code off the hot path, and for tests). */
export function rowCells(t: StatTable, r: number): string[] {
  const w = t.header.length;
  const out = new Array<string>(w);
  let i = spanIndex(w, r, 0);
  for (let c = 0; c < w; c++, i += 2) out[c] = t.text.slice(t.spans[i], t.spans[i + 1]);
  return out;
}

/** Every row as strings (see rowCells). */
export function tableRows(t: StatTable): string[][] {
  const out: string[][] = [];
  for (let r = 0; r < t.rowCount; r++) out.push(rowCells(t, r));
  return out;
}

/** A table of the given rows (each aligned with `header`; a missing cell is empty). */
export function tableFromRows(header: readonly string[], rows: readonly (readonly string[])[]): StatTable {
  const w = header.length;
  const spans = new Int32Array(2 * w * rows.length);
  const parts: string[] = [];
  let at = 0;
  let i = 0;
  for (const row of rows) {
    for (let c = 0; c < w; c++) {
      const v = row[c] ?? '';
      parts.push(v);
      spans[i++] = at;
      at += v.length;
      spans[i++] = at;
    }
  }
  return { header: [...header], rowCount: rows.length, text: parts.join(''), spans };
}
