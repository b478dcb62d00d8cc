import { appendAll } from '../arrays.js';
import type { DerivedPoll } from '../derive/derive-poll.js';
import type { ProcessIdentity } from '../derive/identity.js';
import type { MetricDataset } from '../fields/datasets.js';
import type { DocumentSettings, SampleContext } from './envelope.js';
import type { FieldProblem, HapbeatEvent } from './event.js';
import { infoEvent } from './info-document.js';
import { processEvent } from './process-document.js';
import { statEvents } from './stat-documents.js';

/** What became of one process sample. */
export interface ProcessReport {
  prefix: string;
  identity: ProcessIdentity;
  statDocs: number;
  infoDocs: number;
}

/** One poll's documents, and what happened on the way, for the logs and counters. */
export interface PollDocuments {
  /** Per-process documents, then the instance's totals, then lifecycle events. */
  events: HapbeatEvent[];
  processes: ProcessReport[];
  /** Documents of the whole instance (haproxy.process.scope: all), per dataset. */
  instanceDocs: Record<MetricDataset, number>;
  /** haproxy.process events (worker started, stopping, exited; reload failed). */
  lifecycleDocs: number;
  problems: FieldProblem[];
  unknownColumns: string[];
  unknownInfoKeys: string[];
  rejectedRows: number;
}

/**
 * The documents step: turns what was derived from one poll into documents, each built once with the shared
 * envelope. Pure: the same derived poll always gives the same documents.
 */
export function pollDocuments(d: DerivedPoll, settings: DocumentSettings): PollDocuments {
  const out: PollDocuments = {
    events: [],
    processes: [],
    instanceDocs: { 'haproxy.stat': 0, 'haproxy.info': 0 },
    lifecycleDocs: 0,
    problems: [],
    unknownColumns: [],
    unknownInfoKeys: [],
    rejectedRows: 0,
  };
  const unknownCols = new Set<string>();
  const unknownKeys = new Set<string>();
  for (const p of d.processes) {
    const ctx: SampleContext = { ...settings, target: d.target, process: p.identity, sampledAt: p.sampledAt };
    const report: ProcessReport = { prefix: p.prefix, identity: p.identity, statDocs: 0, infoDocs: 0 };
    if (p.info) {
      const r = infoEvent(p.info, ctx, p.infoDurationNs);
      out.events.push(r.event);
      appendAll(out.problems, r.problems);
      for (const k of r.unknownKeys) unknownKeys.add(k);
      report.infoDocs = 1;
    }
    if (p.table) {
      const r = statEvents(p.table, ctx, p.statDurationNs, p.rates);
      appendAll(out.events, r.events);
      appendAll(out.problems, r.problems);
      out.rejectedRows += r.rejectedRows;
      for (const c of r.unknownColumns) unknownCols.add(c);
      report.statDocs = r.events.length;
    }
    out.processes.push(report);
  }
  const inst = d.instance;
  if (inst) {
    const ctx: SampleContext = { ...settings, target: d.target, process: { old: false, version: inst.version }, sampledAt: d.startedAt, scope: 'all' };
    if (inst.table) {
      const r = statEvents(inst.table, ctx, d.durationNs, inst.rates);
      appendAll(out.events, r.events);
      out.instanceDocs['haproxy.stat'] = r.events.length;
    }
    if (inst.info) {
      out.events.push(infoEvent(inst.info, ctx, d.durationNs).event);
      out.instanceDocs['haproxy.info'] = 1;
    }
  }
  for (const change of d.lifecycle) out.events.push(processEvent(change, d.target, settings));
  out.lifecycleDocs = d.lifecycle.length;
  out.unknownColumns = [...unknownCols];
  out.unknownInfoKeys = [...unknownKeys];
  return out;
}
