import { cellAt, type StatTable } from './stat-table.js';

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
