import { cellAt, spanIndex, type StatTable } from './stat-table.js';

/** Where a `show stat` row's identity is: the columns that tell one row from another. */
export interface RowKeyColumns {
  type: number;
  iid: number;
  sid: number;
  pxname: number;
  svname: number;
}

/** The identity columns' indexes in a header (-1 when absent). */
export function rowKeyColumns(header: readonly string[]): RowKeyColumns {
  return {
    type: header.indexOf('type'),
    iid: header.indexOf('iid'),
    sid: header.indexOf('sid'),
    pxname: header.indexOf('pxname'),
    svname: header.indexOf('svname'),
  };
}

/**
 * Row `r`'s key: component type, proxy id, server id, proxy and service names. The same row of two processes
 * (or two samples of one process) has the same key, whatever the column order of each answer.
 */
export function rowKey(t: StatTable, r: number, c: RowKeyColumns): string {
  return `${cellAt(t, r, c.type)}|${cellAt(t, r, c.iid)}|${cellAt(t, r, c.sid)}|${cellAt(t, r, c.pxname)}|${cellAt(t, r, c.svname)}`;
}

/** Whether row `r`'s key is `key` (the same as `rowKey(t, r, c) === key`), read in place without building it. */
export function rowKeyIs(t: StatTable, r: number, c: RowKeyColumns, key: string): boolean {
  let p = matchCell(t, r, c.type, key, 0);
  p = p < 0 || key.charCodeAt(p) !== BAR ? -1 : matchCell(t, r, c.iid, key, p + 1);
  p = p < 0 || key.charCodeAt(p) !== BAR ? -1 : matchCell(t, r, c.sid, key, p + 1);
  p = p < 0 || key.charCodeAt(p) !== BAR ? -1 : matchCell(t, r, c.pxname, key, p + 1);
  p = p < 0 || key.charCodeAt(p) !== BAR ? -1 : matchCell(t, r, c.svname, key, p + 1);
  return p === key.length;
}

const BAR = 124;

/** Where `key` goes on after cell (r, col) if it has that cell's text at `p`, else -1 (an absent column is empty). */
function matchCell(t: StatTable, r: number, col: number, key: string, p: number): number {
  const w = t.header.length;
  if (col < 0 || col >= w) return p;
  const i = spanIndex(w, r, col);
  const s = t.spans[i]!;
  const e = t.spans[i + 1]!;
  if (p + (e - s) > key.length) return -1;
  for (let k = s; k < e; k++, p++) if (t.text.charCodeAt(k) !== key.charCodeAt(p)) return -1;
  return p;
}
