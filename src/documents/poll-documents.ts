import { appendAll } from '../arrays.js';
import type { DerivedPoll } from '../derive/derive-poll.js';
import type { DerivedRows } from '../derive/rates.js';
import type { InfoRecord } from '../parse/show-info.js';
import type { StatTable } from '../parse/show-stat.js';
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
   * Per-process documents, then the instance's totals (each set: info, then stat), then lifecycle events. With
   * one process, only the instance's documents: they carry that process's identity.
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
  /**
   * One document set (info, then a stat document per row). A process's own set (`report` given) also reports
   * its problems and unknown fields; the totals of several processes would only repeat theirs.
   */
  const addSet = (
    ctx: SampleContext,
    table: StatTable | undefined,
    info: InfoRecord | undefined,
    ns: { stat: number; info: number },
    rates?: DerivedRows,
    report?: ProcessReport,
  ) => {
    const counts = { stat: 0, info: 0 };
    if (info) {
      const r = infoEvent(info, ctx, ns.info);
      out.events.push(r.event);
      counts.info = 1;
      if (report) {
        appendAll(out.problems, r.problems);
        for (const k of r.unknownKeys) unknownKeys.add(k);
      }
    }
    if (table) {
      const r = statEvents(table, ctx, ns.stat, rates);
      appendAll(out.events, r.events);
      counts.stat = r.events.length;
      if (report) {
        appendAll(out.problems, r.problems);
        out.rejectedRows += r.rejectedRows;
        for (const c of r.unknownColumns) unknownCols.add(c);
      }
    }
    if (report) {
      report.statDocs = counts.stat;
      report.infoDocs = counts.info;
    }
    return counts;
  };
  const inst = d.instance;
  const sole = inst?.only;
  let soleReport: ProcessReport | undefined;
  for (const p of d.processes) {
    const report: ProcessReport = { prefix: p.prefix, identity: p.identity, statDocs: 0, infoDocs: 0, sole: p === sole };
    out.processes.push(report);
    if (p === sole) {
      soleReport = report; // its documents are the instance's, below
      continue;
    }
    const ctx: SampleContext = { ...settings, target: d.target, process: p.identity, sampledAt: p.sampledAt };
    addSet(ctx, p.table, p.info, { stat: p.statDurationNs, info: p.infoDurationNs }, p.rates, report);
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
    const n = addSet(ctx, inst.table, inst.info, { stat: d.durationNs, info: d.durationNs }, inst.rates, soleReport);
    out.instanceDocs = { 'haproxy.stat': n.stat, 'haproxy.info': n.info };
  }
  for (const change of d.lifecycle) out.events.push(processEvent(change, d.target, settings));
  out.lifecycleDocs = d.lifecycle.length;
  out.unknownColumns = [...unknownCols];
  out.unknownInfoKeys = [...unknownKeys];
  return out;
}
