import type { DerivedRows } from '../derive/rates.js';
import { DERIVED_ROW_LENGTH } from '../fields/derived-fields.js';
import { isIntText } from '../parse/numbers.js';
import { cellAt, spanIndex, type StatTable } from '../parse/stat-table.js';
import { statusOf } from '../parse/status.js';
import { documentIdsFor } from './document-id.js';
import { envelopePrefix, sampleIdParts, type SampleContext } from './envelope.js';
import type { FieldProblem, HapbeatEvent } from './event.js';
import { emitFields } from './emit.js';
import { statPlan } from './field-plan.js';
import { JsonWriter } from './json-writer.js';

export const COMPONENT_NAMES = ['frontend', 'backend', 'server', 'listener'] as const;

/** Writes every stat document, one at a time, into its blocks (see JsonWriter): nothing else is kept between calls. */
const w = new JsonWriter();
const OPEN = 123;

const statusCache = new Map<string, string>();
/** The JSON of a parsed status; the handful of distinct values are cached. */
function statusJson(status: string): string {
  let j = statusCache.get(status);
  if (j === undefined) {
    j = JSON.stringify(statusOf(status));
    if (statusCache.size < 1000) statusCache.set(status, j);
  }
  return j;
}

export interface StatResult {
  events: HapbeatEvent[];
  problems: FieldProblem[];
  /** Columns hapbeat does not know (ignored). */
  unknownColumns: string[];
  /** Rows left out because their identity columns were unusable. */
  rejectedRows: number;
}

/**
 * One `haproxy.stat` document per row (FRONTEND, BACKEND, server, listener), with the row's derived rates and
 * ratios when given (aligned with the table's rows). Pure.
 */
export function statEvents(table: StatTable, ctx: SampleContext, durationNs: number, rates?: DerivedRows): StatResult {
  const plan = statPlan(table.header);
  const { col } = plan;
  const prefix = Buffer.from(envelopePrefix(ctx, 'haproxy.stat', durationNs));
  const rowId = documentIdsFor(['stat', ...sampleIdParts(ctx)]);
  const events: HapbeatEvent[] = [];
  const problems: FieldProblem[] = [];
  let rejectedRows = 0;
  let current = 0;
  const onProblem = (field: string, value: string, expected: string) =>
    problems.push({
      dataset: 'haproxy.stat',
      field,
      value,
      reason: `expected ${expected}`,
      row: `${cellAt(table, current, col.pxname)}/${cellAt(table, current, col.svname)}`,
    });
  const width = table.header.length;
  for (let r = 0; r < table.rowCount; r++) {
    const pxname = cellAt(table, r, col.pxname);
    const svname = cellAt(table, r, col.svname);
    const typeText = cellAt(table, r, col.type);
    const type = typeText.length === 1 ? typeText.charCodeAt(0) - 48 : -1;
    const iid = cellAt(table, r, col.iid);
    const sid = cellAt(table, r, col.sid);
    if (pxname === '' || svname === '' || !(type >= 0 && type <= 3) || !isIntText(iid) || !isIntText(sid) || iid[0] === '-' || sid[0] === '-') {
      rejectedRows++;
      problems.push({
        dataset: 'haproxy.stat',
        field: 'pxname,svname,type,iid,sid',
        value: [pxname, svname, typeText, iid, sid].join(','),
        reason: 'row identity columns are missing or not numbers; row skipped',
      });
      continue;
    }
    current = r;
    w.begin();
    w.bytes(prefix);
    w.char(OPEN);
    w.text(emitFields(w, plan.tree, table, spanIndex(width, r, 0), rates, r * DERIVED_ROW_LENGTH, onProblem) ? ',"component":"' : '"component":"');
    w.text(COMPONENT_NAMES[type]!);
    const status = cellAt(table, r, col.status);
    if (status) {
      w.text('","state":');
      w.text(statusJson(status));
      w.text('}}}');
    } else w.text('"}}}');
    events.push({
      id: rowId([iid, sid, type, pxname, svname]),
      dataset: 'haproxy.stat',
      timestamp: ctx.sampledAt,
      json: w.finish(),
    });
  }
  return { events, problems, unknownColumns: plan.unknown, rejectedRows };
}
