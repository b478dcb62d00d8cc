import type { ProcessSample } from '../haproxy/source.js';
import { countOf } from '../parse/numbers.js';
import type { InfoRecord } from '../parse/show-info.js';
import { cellAt, type StatTable } from '../parse/stat-table.js';

/**
 * Who produced a sample. Aggregates and rates key on (pid, startTime); `num` is HAProxy's relative process
 * number (`@N`, the CSV `pid` column), which Metricbeat confuses with the OS pid.
 */
export interface ProcessIdentity {
  /** OS pid (absent for an HTTP stats page, which does not say). */
  pid?: number;
  /** Relative process number: 1..nbproc on 2.4 and older, 1 later. */
  num?: number;
  /** An old worker: leaving after a reload (`Stopping: 1`, or listed under `# old workers` without info). */
  old: boolean;
  /** `Stopping:` from show info. */
  stopping?: boolean;
  /** Reloads this process survived (show proc). */
  reloads?: number;
  /** Process start, epoch seconds (`Start_time_sec`, or derived from uptime on 2.2). */
  startTime?: number;
  version?: string;
}

/**
 * Who answered. `show info` is the authority (Pid, Process_num, Stopping, Start_time_sec, Version); show proc
 * fills in what it lacks (reloads, and everything for an old 2.2 worker). A worker is old when it is stopping,
 * whatever section listed it: after a failed reload the serving worker can sit under "# old workers". Pure.
 */
export function resolveIdentity(sample: Pick<ProcessSample, 'ref' | 'sampledAt'>, info: InfoRecord | undefined, table: StatTable | undefined): ProcessIdentity {
  const row = sample.ref.row;
  const pid = countOf(info?.Pid) ?? row?.pid;
  let num = countOf(info?.Process_num) ?? row?.relativePid ?? row?.wasRelativePid;
  if (num === undefined && table && table.rowCount > 0) {
    const i = table.header.indexOf('pid');
    num = i >= 0 ? countOf(cellAt(table, 0, i)) : undefined;
  }
  const stoppingRaw = info?.Stopping;
  const stopping = stoppingRaw === '1' ? true : stoppingRaw === '0' ? false : undefined;
  const old = stopping ?? sample.ref.section === 'oldWorkers';
  let startTime = countOf(info?.Start_time_sec);
  if (startTime === undefined) {
    const up = countOf(info?.Uptime_sec) ?? row?.uptimeSec;
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

/**
 * On 2.2 the start time is derived from Uptime_sec (whole seconds), so it can flip by a second between polls.
 * The first derivation for a pid is kept while later ones agree within 2 s: the process identity, and the
 * rates keyed on it, stay stable.
 */
export class StartTimes {
  /** pid → start time derived from uptime, kept stable across polls. */
  private readonly derived = new Map<number, number>();

  /** Replaces each derived start time by the one kept for its pid (in place); forgets pids no longer seen. */
  stabilize(processes: readonly { identity: ProcessIdentity; info?: InfoRecord }[]): void {
    const seen = new Set<number>();
    for (const p of processes) {
      const { pid, startTime } = p.identity;
      if (pid === undefined || startTime === undefined || p.info?.Start_time_sec !== undefined) continue;
      seen.add(pid);
      const kept = this.derived.get(pid);
      if (kept !== undefined && Math.abs(kept - startTime) <= 2) p.identity.startTime = kept;
      else this.derived.set(pid, startTime);
    }
    for (const pid of [...this.derived.keys()]) if (!seen.has(pid)) this.derived.delete(pid);
  }
}

/** The key rates are tracked by: pid and start time, or the relative number when there is no pid. */
export function processKey(id: ProcessIdentity): string {
  return id.pid !== undefined ? `${id.pid}@${id.startTime ?? ''}` : `#${id.num ?? 1}`;
}
