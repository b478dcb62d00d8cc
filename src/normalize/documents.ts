import type { InfoRecord } from '../parse/show-info.js';
import type { StatTable } from '../parse/show-stat.js';
import { parseStatus } from '../parse/status.js';
import { documentId, documentIdsFor } from './document-id.js';
import { EMIT_INT, INFO_TREE, infoRow, isIntText, statPlan, type FieldNode } from './field-plan.js';
import type { AgentInfo, ProcessIdentity, TargetRef } from './process-identity.js';

export type Dataset = 'haproxy.stat' | 'haproxy.info' | 'haproxy.process';

/**
 * A document on its way to an output. The body is kept as its JSON text, built once straight from HAProxy's
 * strings: no intermediate objects on the hot path, the same bytes for every output, compact in queues, and
 * integers copied digit for digit (a u64 counter above 2^53 stays exact). Use docOf() to read it as an object.
 */
export interface HapbeatEvent {
  /** Deterministic `_id`. */
  id: string;
  dataset: Dataset;
  /** Sample time, epoch ms (equal to the document's `@timestamp`). */
  timestamp: number;
  /** The document as JSON (no `_id` inside: that goes in the bulk action or `@metadata`). */
  json: string;
}

/** The document of an event as an object (parses its JSON). */
export function docOf(e: HapbeatEvent): Record<string, unknown> {
  return JSON.parse(e.json) as Record<string, unknown>;
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
  /** `process` for one process's documents; `all` for a target's totals across its processes. */
  scope?: 'process' | 'all';
}

export const COMPONENT_NAMES = ['frontend', 'backend', 'server', 'listener'] as const;

/** `haproxy.process.*`: the identity part every document of a process sample carries. */
export function processObject(p: ProcessIdentity, scope: 'process' | 'all' = 'process'): Record<string, unknown> {
  const o: Record<string, unknown> = { scope, old: p.old };
  if (p.num !== undefined) o.num = p.num;
  if (p.pid !== undefined) o.pid = p.pid;
  if (p.reloads !== undefined) o.reloads = p.reloads;
  if (p.stopping !== undefined) o.stopping = p.stopping;
  if (p.startTime !== undefined) o.start_time = new Date(p.startTime * 1000).toISOString();
  return o;
}

/**
 * The JSON of a document up to the dataset object, e.g. `{"@timestamp":..., ..., "haproxy":{"process":...,
 * "version":...,"stat":` — computed once per sample and dataset, shared by every row.
 */
export function envelopePrefix(ctx: SampleContext, dataset: Dataset, durationNs: number, processJson = processObject(ctx.process, ctx.scope)): string {
  const metricset = dataset.slice('haproxy.'.length);
  const head: Record<string, unknown> = {
    '@timestamp': new Date(ctx.sampledAt).toISOString(),
    event: { module: 'haproxy', dataset, duration: durationNs },
    metricset: { name: metricset, period: ctx.periodMs },
    data_stream: { type: 'metrics', dataset, namespace: ctx.namespace },
    service: { type: 'haproxy', address: ctx.target.address, name: ctx.target.name },
    host: { name: ctx.agent.hostname },
    agent: { type: 'hapbeat', version: ctx.agent.version, name: ctx.agent.name, id: ctx.agent.id },
  };
  if (ctx.process.pid !== undefined) head.process = { pid: ctx.process.pid };
  const haproxy: Record<string, unknown> = { process: processJson };
  if (ctx.process.version !== undefined) haproxy.version = ctx.process.version;
  const headJson = JSON.stringify(head);
  const haproxyJson = JSON.stringify(haproxy);
  return `${headJson.slice(0, -1)},"haproxy":${haproxyJson.slice(0, -1)},"${metricset}":`;
}

function idParts(ctx: SampleContext): (string | number | undefined)[] {
  const p = ctx.process;
  return [ctx.target.address, ctx.scope === 'all' ? 'all' : undefined, p.pid, p.startTime, p.num, ctx.sampledAt];
}

/**
 * The JSON members (without braces) of the object a field tree builds from one row or record, or '' when no
 * field has a value. Integers are validated and copied as written; strings are JSON-escaped; an object is
 * written only when one of its fields has a value. Plain string appends are the cheapest way to build this
 * (V8 joins the pieces lazily; measured faster than Array#join and than a flattened op list); callers
 * flatten the finished document once (see flat()).
 */
export function emitFields(nodes: readonly FieldNode[], row: readonly string[], onProblem: (field: string, value: string, expected: string) => void): string {
  const r = row;
  let s = '';
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const f = n.field;
    if (f) {
      let src = f;
      let raw = r[f.source];
      if ((raw === undefined || raw === '') && n.fallbacks) {
        for (const fb of n.fallbacks) {
          raw = r[fb.source];
          if (raw !== undefined && raw !== '') {
            src = fb;
            break;
          }
        }
      }
      if (raw === undefined || raw === '') continue;
      let frag: string | null | undefined;
      if (src.how === EMIT_INT) {
        // Inlined integer check (optional minus, 1-20 digits, no leading zero): copied as written.
        const len = raw.length;
        let k = raw.charCodeAt(0) === 45 ? 1 : 0;
        frag = len > k && len - k <= 20 && !(raw.charCodeAt(k) === 48 && len - k > 1) ? raw : null;
        for (; frag !== null && k < len; k++) {
          const c = raw.charCodeAt(k);
          if (c < 48 || c > 57) frag = null;
        }
        if (frag === null) frag = src.emit(raw); // leading zeros, or really not a number
      } else {
        frag = src.emit(raw);
      }
      if (frag === undefined) continue; // an "unset" sentinel such as -1
      if (frag === null) {
        onProblem(src.spec.source, raw, src.spec.type);
        continue;
      }
      s += s === '' ? n.jsonKey : n.jsonKeyComma;
      s += frag;
    } else {
      const inner = emitFields(n.children!, row, onProblem);
      if (inner === '') continue;
      s += s === '' ? n.jsonKey : n.jsonKeyComma;
      s += '{';
      s += inner;
      s += '}';
    }
  }
  return s;
}

const FLATTEN = /^/;
/** Makes V8 store a string built by many appends as one flat block (cheap now, and avoids a deep rope later). */
export function flat(s: string): string {
  FLATTEN.test(s);
  return s;
}

const statusCache = new Map<string, string>();
/** The JSON of a parsed status; the handful of distinct values are cached. */
function statusJson(status: string): string {
  let j = statusCache.get(status);
  if (j === undefined) {
    j = JSON.stringify(parseStatus(status));
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

/** One `haproxy.stat` document per row (FRONTEND, BACKEND, server, listener). Pure. */
export function statEvents(table: StatTable, ctx: SampleContext, durationNs: number): StatResult {
  const plan = statPlan(table.header);
  const { col } = plan;
  const prefix = envelopePrefix(ctx, 'haproxy.stat', durationNs);
  const rowId = documentIdsFor(['stat', ...idParts(ctx)]);
  const events: HapbeatEvent[] = [];
  const problems: FieldProblem[] = [];
  let rejectedRows = 0;
  let current: readonly string[] = [];
  const onProblem = (field: string, value: string, expected: string) =>
    problems.push({ dataset: 'haproxy.stat', field, value, reason: `expected ${expected}`, row: `${current[col.pxname]}/${current[col.svname]}` });
  for (const row of table.rows) {
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
    let json = prefix;
    json += '{';
    const body = emitFields(plan.tree, row, onProblem);
    json += body;
    json += body === '' ? '"component":"' : ',"component":"';
    json += COMPONENT_NAMES[type]!;
    const status = row[col.status];
    json += status ? `","state":${statusJson(status)}}}}` : '"}}}';
    events.push({
      id: rowId([iid, sid, type, pxname, svname]),
      dataset: 'haproxy.stat',
      timestamp: ctx.sampledAt,
      json: flat(json),
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
  const problems: FieldProblem[] = [];
  const body = emitFields(INFO_TREE.nodes, infoRow(info), (field, value, expected) =>
    problems.push({ dataset: 'haproxy.info', field, value, reason: `expected ${expected}` }),
  );
  const unknownKeys = Object.keys(info).filter((k) => !INFO_TREE.known.has(k));
  const json = flat(`${envelopePrefix(ctx, 'haproxy.info', durationNs)}{${body}}}}`);
  return {
    event: { id: documentId(['info', ...idParts(ctx)]), dataset: 'haproxy.info', timestamp: ctx.sampledAt, json },
    problems,
    unknownKeys,
  };
}
