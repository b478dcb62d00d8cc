import { appendAll } from '../arrays.js';
import type { ProcessSample, TargetPoll } from '../haproxy/source.js';
import { parseShowInfo, type InfoRecord } from '../parse/show-info.js';
import { parseShowStat, type StatTable } from '../parse/show-stat.js';
import { infoEvent, statEvents, type FieldProblem, type HapbeatEvent, type SampleContext } from './documents.js';
import type { AgentInfo, ProcessIdentity } from './process-identity.js';

export interface NormalizeSettings {
  agent: AgentInfo;
  periodMs: number;
  namespace: string;
}

/** What became of one process sample. */
export interface ProcessReport {
  prefix: string;
  identity: ProcessIdentity;
  statDocs: number;
  infoDocs: number;
}

/** One process's parsed answers, for the processors that work across processes (aggregates, rates). */
export interface ParsedProcess {
  identity: ProcessIdentity;
  sampledAt: number;
  table?: StatTable;
  info?: InfoRecord;
  statDurationNs: number;
  infoDurationNs: number;
}

export interface NormalizedPoll {
  events: HapbeatEvent[];
  parts: ParsedProcess[];
  processes: ProcessReport[];
  /** Parse failures and command failures, with the process they concern. */
  errors: { prefix: string; pid?: number; error: Error }[];
  problems: FieldProblem[];
  unknownColumns: string[];
  unknownInfoKeys: string[];
  rejectedRows: number;
}

/**
 * Turns the raw answers of one poll into documents. Pure: the same poll always gives the same documents.
 * A process whose answer does not parse contributes an error, never an exception.
 */
export function normalizePoll(poll: TargetPoll, settings: NormalizeSettings, enrich?: (parts: ParsedProcess[]) => void): NormalizedPoll {
  const out: NormalizedPoll = {
    events: [],
    parts: [],
    processes: [],
    errors: [],
    problems: [],
    unknownColumns: [],
    unknownInfoKeys: [],
    rejectedRows: 0,
  };
  const unknownCols = new Set<string>();
  const unknownKeys = new Set<string>();
  const target = { name: poll.target.name, address: poll.target.address };
  // Parse every process first, so that processors working across samples (rates) can add to the tables.
  const parsed: (ParsedProcess & { sample: ProcessSample })[] = [];
  for (const sample of poll.samples) {
    for (const e of sample.errors) out.errors.push({ prefix: sample.ref.prefix, pid: sample.ref.row?.pid, error: e.error });
    let info: InfoRecord | undefined;
    let table: StatTable | undefined;
    if (sample.info) {
      try {
        info = parseShowInfo(sample.info.text);
      } catch (err) {
        out.errors.push({ prefix: sample.ref.prefix, pid: sample.ref.row?.pid, error: err as Error });
      }
    }
    if (sample.stat) {
      try {
        table = parseShowStat(sample.stat.text);
      } catch (err) {
        out.errors.push({ prefix: sample.ref.prefix, pid: sample.ref.row?.pid, error: err as Error });
      }
    }
    if (!info && !table) continue;
    const identity = resolveIdentity(sample, info, table);
    parsed.push({
      identity,
      sampledAt: sample.sampledAt,
      table,
      info,
      statDurationNs: sample.stat?.durationNs ?? 0,
      infoDurationNs: sample.info?.durationNs ?? 0,
      sample,
    });
  }
  enrich?.(parsed);
  for (const p of parsed) {
    const ctx: SampleContext = {
      target,
      agent: settings.agent,
      process: p.identity,
      sampledAt: p.sampledAt,
      periodMs: settings.periodMs,
      namespace: settings.namespace,
    };
    const report: ProcessReport = { prefix: p.sample.ref.prefix, identity: p.identity, statDocs: 0, infoDocs: 0 };
    if (p.info) {
      const r = infoEvent(p.info, ctx, p.infoDurationNs);
      out.events.push(r.event);
      appendAll(out.problems, r.problems);
      for (const k of r.unknownKeys) unknownKeys.add(k);
      report.infoDocs = 1;
    }
    if (p.table) {
      const r = statEvents(p.table, ctx, p.statDurationNs);
      appendAll(out.events, r.events);
      appendAll(out.problems, r.problems);
      out.rejectedRows += r.rejectedRows;
      for (const c of r.unknownColumns) unknownCols.add(c);
      report.statDocs = r.events.length;
    }
    out.processes.push(report);
    const { sample: _sample, ...part } = p;
    void _sample;
    out.parts.push(part);
  }
  out.unknownColumns = [...unknownCols];
  out.unknownInfoKeys = [...unknownKeys];
  return out;
}

/**
 * Who answered. `show info` is the authority (Pid, Process_num, Stopping, Start_time_sec, Version); show proc
 * fills in what it lacks (reloads, and everything for an old 2.2 worker). A worker is old when it is stopping,
 * whatever section listed it: after a failed reload the serving worker can sit under "# old workers".
 */
export function resolveIdentity(sample: ProcessSample, info: InfoRecord | undefined, table: StatTable | undefined): ProcessIdentity {
  const row = sample.ref.row;
  const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const pid = int(info?.Pid) ?? row?.pid;
  let num = int(info?.Process_num) ?? row?.relativePid ?? row?.wasRelativePid;
  if (num === undefined && table && table.rows.length > 0) {
    const i = table.header.indexOf('pid');
    num = i >= 0 ? int(table.rows[0]![i]) : undefined;
  }
  const stoppingRaw = info?.Stopping;
  const stopping = stoppingRaw === '1' ? true : stoppingRaw === '0' ? false : undefined;
  const old = stopping ?? sample.ref.section === 'oldWorkers';
  let startTime = int(info?.Start_time_sec);
  if (startTime === undefined) {
    const up = int(info?.Uptime_sec) ?? row?.uptimeSec;
    if (up !== undefined && Number.isFinite(up)) startTime = Math.round(sample.sampledAt / 1000 - up);
  }
  const version = info?.Version ?? (row && row.version !== '-' ? row.version : undefined);
  const id: ProcessIdentity = { old };
  if (pid !== undefined) id.pid = pid;
  if (num !== undefined) id.num = num;
  if (stopping !== undefined) id.stopping = stopping;
  if (row?.reloads !== undefined) id.reloads = row.reloads;
  if (startTime !== undefined) id.startTime = startTime;
  if (version !== undefined) id.version = version;
  return id;
}
