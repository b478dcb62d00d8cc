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
  /** Documents that describe this process: its own, or the instance's when it is the only process. */
  statDocs: number;
  infoDocs: number;
  /** The only process of its poll: its documents are the instance's (scope all, haproxy.process.count 1). */
  sole: boolean;
}

/** One poll's documents, and what happened on the way, for the logs and counters. */
export interface PollDocuments {
  /**
   * Per-process documents, then the instance's totals, then lifecycle events. With one process, only the
   * instance's documents: they carry that process's identity.
   */
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
 *
 * Two views of an instance: per process (`haproxy.process.scope: process`) and the whole instance (`all`, the
 * totals across processes, with `haproxy.process.count`). When a poll has exactly one process, both views hold
 * the same values, so one document set stands for both: the instance's (`scope: all`, `count: 1`), carrying
 * the process's identity (pid, num, start time, reloads). Instance-wide queries keep `scope: all`; per-process
 * queries ask for `scope: process or count: 1`, which finds each process once whatever the number of processes.
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
  const inst = d.instance;
  const sole = inst?.only;
  for (const p of d.processes) {
    const ctx: SampleContext = { ...settings, target: d.target, process: p.identity, sampledAt: p.sampledAt };
    const report: ProcessReport = { prefix: p.prefix, identity: p.identity, statDocs: 0, infoDocs: 0, sole: p === sole };
    out.processes.push(report);
    if (p === sole) continue; // its documents are the instance's, below
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
  }
  if (inst) {
    const ctx: SampleContext = {
      ...settings,
      target: d.target,
      process: sole ? sole.identity : { old: false, version: inst.version },
      sampledAt: d.startedAt,
      scope: 'all',
      processCount: inst.processCount,
    };
    if (inst.table) {
      const r = statEvents(inst.table, ctx, d.durationNs, inst.rates);
      appendAll(out.events, r.events);
      out.instanceDocs['haproxy.stat'] = r.events.length;
      if (sole) {
        // The only process's own rows: its values, its problems and its unknown columns.
        appendAll(out.problems, r.problems);
        out.rejectedRows += r.rejectedRows;
        for (const c of r.unknownColumns) unknownCols.add(c);
        out.processes.find((p) => p.sole)!.statDocs = r.events.length;
      }
    }
    if (inst.info) {
      const r = infoEvent(inst.info, ctx, d.durationNs);
      out.events.push(r.event);
      out.instanceDocs['haproxy.info'] = 1;
      if (sole) {
        appendAll(out.problems, r.problems);
        for (const k of r.unknownKeys) unknownKeys.add(k);
        out.processes.find((p) => p.sole)!.infoDocs = 1;
      }
    }
  }
  for (const change of d.lifecycle) out.events.push(processEvent(change, d.target, settings));
  out.lifecycleDocs = d.lifecycle.length;
  out.unknownColumns = [...unknownCols];
  out.unknownInfoKeys = [...unknownKeys];
  return out;
}
