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
 * One row's key: component type, proxy id, server id, proxy and service names. The same row of two processes
 * (or two samples of one process) has the same key, whatever the column order of each answer.
 */
export function rowKey(row: readonly string[], c: RowKeyColumns): string {
  return `${row[c.type]}|${row[c.iid]}|${row[c.sid]}|${row[c.pxname]}|${row[c.svname]}`;
}
