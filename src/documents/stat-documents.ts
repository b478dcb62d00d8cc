import type { DerivedRows } from '../derive/rates.js';
import { isIntText } from '../parse/numbers.js';
import type { StatTable } from '../parse/show-stat.js';
import { statusOf } from '../parse/status.js';
import { documentIdsFor } from './document-id.js';
import { envelopePrefix, sampleIdParts, type SampleContext } from './envelope.js';
import type { FieldProblem, HapbeatEvent } from './event.js';
import { emitFields } from './emit.js';
import { statPlan } from './field-plan.js';
import { JsonWriter } from './json-writer.js';

export const COMPONENT_NAMES = ['frontend', 'backend', 'server', 'listener'] as const;

/** Scratch space for one document at a time (an allocator only: nothing is kept between calls). */
const w = new JsonWriter();

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
 * ratios when given (aligned with `table.rows`). Pure.
 */
export function statEvents(table: StatTable, ctx: SampleContext, durationNs: number, rates?: DerivedRows): StatResult {
  const plan = statPlan(table.header);
  const { col } = plan;
  const prefix = envelopePrefix(ctx, 'haproxy.stat', durationNs);
  const rowId = documentIdsFor(['stat', ...sampleIdParts(ctx)]);
  const events: HapbeatEvent[] = [];
  const problems: FieldProblem[] = [];
  let rejectedRows = 0;
  let current: readonly string[] = [];
  const onProblem = (field: string, value: string, expected: string) =>
    problems.push({ dataset: 'haproxy.stat', field, value, reason: `expected ${expected}`, row: `${current[col.pxname]}/${current[col.svname]}` });
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r]!;
    const pxname = row[col.pxname] ?? '';
    const svname = row[col.svname] ?? '';
    const typeText = row[col.type] ?? '';
    const type = typeText.length === 1 ? typeText.charCodeAt(0) - 48 : -1;
    const iid = row[col.iid] ?? '';
    const sid = row[col.sid] ?? '';
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
    current = row;
    w.begin();
    w.text(prefix);
    w.text('{');
    w.text(emitFields(w, plan.tree, row, rates?.[r], onProblem) ? ',"component":"' : '"component":"');
    w.text(COMPONENT_NAMES[type]!);
    const status = row[col.status];
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
