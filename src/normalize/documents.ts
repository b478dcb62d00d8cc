import type { InfoRecord } from '../parse/show-info.js';
import type { StatTable } from '../parse/show-stat.js';
import { parseStatus } from '../parse/status.js';
import { documentId } from './document-id.js';
import { INFO_PLAN, INVALID, isKnownInfoKey, setPath, statPlan } from './field-plan.js';
import type { AgentInfo, ProcessIdentity, TargetRef } from './process-identity.js';

export type Dataset = 'haproxy.stat' | 'haproxy.info' | 'haproxy.process';

/** A document on its way to an output: the body plus what the outputs need to route and deduplicate it. */
export interface HapbeatEvent {
  /** Deterministic `_id`. */
  id: string;
  dataset: Dataset;
  /** Sample time, epoch ms (equal to the document's `@timestamp`). */
  timestamp: number;
  doc: Record<string, unknown>;
}

/** A value that could not be used; the field is left out of the document and the problem is logged. */
export interface FieldProblem {
  dataset: Dataset;
  field: string;
  value: string;
  reason: string;
  row?: string;
}

/** Everything about one process sample that is the same for all its documents. */
export interface SampleContext {
  target: TargetRef;
  agent: AgentInfo;
  process: ProcessIdentity;
  /** When this process was sampled, epoch ms. */
  sampledAt: number;
  periodMs: number;
  namespace: string;
}

export const COMPONENT_NAMES = ['frontend', 'backend', 'server', 'listener'] as const;

/** The ECS and common part of a document, shared by every document of one process sample. */
function commonParts(ctx: SampleContext) {
  const p = ctx.process;
  const haproxyProcess: Record<string, unknown> = { scope: 'process', old: p.old };
  if (p.num !== undefined) haproxyProcess.num = p.num;
  if (p.pid !== undefined) haproxyProcess.pid = p.pid;
  if (p.reloads !== undefined) haproxyProcess.reloads = p.reloads;
  if (p.stopping !== undefined) haproxyProcess.stopping = p.stopping;
  if (p.startTime !== undefined) haproxyProcess.start_time = new Date(p.startTime * 1000).toISOString();
  return {
    timestamp: new Date(ctx.sampledAt).toISOString(),
    service: { type: 'haproxy', address: ctx.target.address, name: ctx.target.name },
    host: { name: ctx.agent.hostname },
    agent: { type: 'hapbeat', version: ctx.agent.version, name: ctx.agent.name, id: ctx.agent.id },
    process: p.pid !== undefined ? { pid: p.pid } : undefined,
    haproxyProcess,
  };
}

function envelope(
  ctx: SampleContext,
  common: ReturnType<typeof commonParts>,
  dataset: Dataset,
  durationNs: number,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const metricset = dataset.slice('haproxy.'.length);
  const doc: Record<string, unknown> = {
    '@timestamp': common.timestamp,
    event: { module: 'haproxy', dataset, duration: durationNs },
    metricset: { name: metricset, period: ctx.periodMs },
    data_stream: { type: 'metrics', dataset, namespace: ctx.namespace },
    service: common.service,
    host: common.host,
    agent: common.agent,
  };
  if (common.process) doc.process = common.process;
  const haproxy: Record<string, unknown> = { process: common.haproxyProcess };
  if (ctx.process.version !== undefined) haproxy.version = ctx.process.version;
  haproxy[metricset] = body;
  doc.haproxy = haproxy;
  return doc;
}

function idParts(ctx: SampleContext): (string | number | undefined)[] {
  const p = ctx.process;
  return [ctx.target.address, p.pid, p.startTime, p.num, ctx.sampledAt];
}

export interface StatResult {
  events: HapbeatEvent[];
  problems: FieldProblem[];
  /** Columns hapbeat does not know (ignored). */
  unknownColumns: string[];
  /** Rows left out because their identity columns were unusable. */
  rejectedRows: number;
}

/** One `haproxy.stat` document per row (FRONTEND, BACKEND, server, listener). Pure. */
export function statEvents(table: StatTable, ctx: SampleContext, durationNs: number): StatResult {
  const plan = statPlan(table.header);
  const { col } = plan;
  const common = commonParts(ctx);
  const base = idParts(ctx);
  const events: HapbeatEvent[] = [];
  const problems: FieldProblem[] = [];
  let rejectedRows = 0;
  for (const row of table.rows) {
    const pxname = row[col.pxname] ?? '';
    const svname = row[col.svname] ?? '';
    const type = Number(row[col.type]);
    const iid = row[col.iid] ?? '';
    const sid = row[col.sid] ?? '';
    if (pxname === '' || svname === '' || !(type >= 0 && type <= 3) || !/^\d+$/.test(iid) || !/^\d+$/.test(sid)) {
      rejectedRows++;
      problems.push({
        dataset: 'haproxy.stat',
        field: 'pxname,svname,type,iid,sid',
        value: [pxname, svname, row[col.type], iid, sid].join(','),
        reason: 'row identity columns are missing or not numbers; row skipped',
      });
      continue;
    }
    const stat: Record<string, unknown> = {};
    for (const f of plan.fields) {
      const raw = row[f.source as number]!;
      if (raw === '') continue;
      const v = f.convert(raw);
      if (v === INVALID) {
        problems.push({ dataset: 'haproxy.stat', field: f.spec.source, value: raw, reason: `expected ${f.spec.type}`, row: `${pxname}/${svname}` });
        continue;
      }
      if (v === undefined) continue;
      setPath(stat, f.keys, v);
    }
    stat.component = COMPONENT_NAMES[type];
    const status = row[col.status];
    if (status) stat.state = parseStatus(status);
    events.push({
      id: documentId(['stat', ...base, iid, sid, type, pxname, svname]),
      dataset: 'haproxy.stat',
      timestamp: ctx.sampledAt,
      doc: envelope(ctx, common, 'haproxy.stat', durationNs, stat),
    });
  }
  return { events, problems, unknownColumns: plan.unknown, rejectedRows };
}

export interface InfoResult {
  event: HapbeatEvent;
  problems: FieldProblem[];
  unknownKeys: string[];
}

/** The `haproxy.info` document of one process sample. Pure. */
export function infoEvent(info: InfoRecord, ctx: SampleContext, durationNs: number): InfoResult {
  const common = commonParts(ctx);
  const body: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const f of INFO_PLAN) {
    if (f.absolute) continue; // process.pid comes from the process identity
    const raw = info[f.source as string];
    if (raw === undefined || raw === '') continue;
    const v = f.convert(raw);
    if (v === INVALID) {
      problems.push({ dataset: 'haproxy.info', field: f.spec.source, value: raw, reason: `expected ${f.spec.type}` });
      continue;
    }
    if (v === undefined) continue;
    setPath(body, f.keys, v);
  }
  const unknownKeys = Object.keys(info).filter((k) => !isKnownInfoKey(k));
  const doc = envelope(ctx, common, 'haproxy.info', durationNs, body);
  return {
    event: { id: documentId(['info', ...idParts(ctx)]), dataset: 'haproxy.info', timestamp: ctx.sampledAt, doc },
    problems,
    unknownKeys,
  };
}
