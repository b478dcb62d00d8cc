import type { Logger } from '../log/logger.js';
import { HaproxySource, type TargetPoll } from '../haproxy/source.js';
import type { DocumentSettings } from '../documents/envelope.js';
import type { HapbeatEvent } from '../documents/event.js';
import { errorFields } from '../errors.js';
import { PollTransform, type TransformedPoll } from './transform.js';

/** A target's counters since start; their names are the status log's keys. */
export interface CollectorCounters {
  polls: number;
  failed_polls: number;
  processes_sampled: number;
  /** Processes listed by show proc that exited before they could be queried (normal around reloads). */
  processes_skipped: number;
  /** haproxy.stat documents, of either scope. */
  stat_docs: number;
  /** haproxy.info documents, of either scope. */
  info_docs: number;
  /** Of those, the instance's totals (scope: all; with one process, they are also its documents). */
  aggregate_docs: number;
  /** haproxy.process events: workers started, stopping, exited; failed reloads. */
  lifecycle_events: number;
  /** Commands or answers that failed for a process (timeouts, parse errors, ...). */
  process_errors: number;
  /** Values left out of documents because they had the wrong shape. */
  field_problems: number;
}

export interface CollectResult {
  poll: TargetPoll;
  transformed: TransformedPoll;
}

/**
 * One target's poll, end to end: source (I/O) → transform (parse → derive → documents, pure) → sink. Logs each
 * poll at debug level with the processes, documents and time, and every problem at warn or error with the
 * target and process named.
 */
export class Collector {
  readonly counters: CollectorCounters = {
    polls: 0,
    failed_polls: 0,
    processes_sampled: 0,
    processes_skipped: 0,
    stat_docs: 0,
    info_docs: 0,
    aggregate_docs: 0,
    lifecycle_events: 0,
    process_errors: 0,
    field_problems: 0,
  };
  /** When a poll last reached HAProxy (epoch ms), for the health file. */
  lastSuccessAt?: number;
  private consecutiveFailures = 0;
  private readonly warnedColumns = new Set<string>();
  private readonly transform: PollTransform;

  constructor(
    readonly source: HaproxySource,
    settings: DocumentSettings,
    private readonly log: Logger,
    private readonly sink: (events: HapbeatEvent[]) => Promise<void>,
  ) {
    this.transform = new PollTransform(settings);
  }

  get name(): string {
    return this.source.target.name;
  }

  async collect(): Promise<CollectResult> {
    const poll = await this.source.poll();
    const transformed = this.transform.run(poll);
    this.account(poll, transformed);
    await this.sink(transformed.events);
    // Logged once the sink has the documents (in memory, a file, or durably in the spool).
    this.logPoll(poll, transformed);
    return { poll, transformed };
  }

  private account(poll: TargetPoll, t: TransformedPoll): void {
    const c = this.counters;
    const target = poll.target.name;
    c.polls++;
    if (poll.error) {
      c.failed_polls++;
      this.consecutiveFailures++;
      this.log.error(
        { address: poll.target.address, consecutive_failures: this.consecutiveFailures, error: errorFields(poll.error) },
        `cannot poll ${target}: ${poll.error.message}`,
      );
      return;
    }
    this.lastSuccessAt = poll.startedAt;
    if (this.consecutiveFailures > 0) {
      this.log.info({ failed_polls: this.consecutiveFailures }, `${target} answers again after ${this.consecutiveFailures} failed poll(s)`);
      this.consecutiveFailures = 0;
    }
    const { derived } = t;
    c.processes_sampled += t.processes.length;
    c.processes_skipped += poll.skipped.length;
    c.process_errors += derived.errors.length;
    c.field_problems += t.problems.length;
    const docs = documentCounts(t);
    c.stat_docs += docs.stat;
    c.info_docs += docs.info;
    c.aggregate_docs += t.instanceDocs['haproxy.stat'] + t.instanceDocs['haproxy.info'];
    c.lifecycle_events += t.lifecycleDocs;
    for (const change of derived.lifecycle) {
      const w = change.worker;
      this.log.info(
        { action: change.action, pid: w?.pid, num: w?.num, version: w?.version ?? change.master.version },
        `${target}: ${change.action}${w ? ` pid ${w.pid}` : ''}`,
      );
    }
    for (const e of derived.errors) {
      this.log.warn({ process: e.prefix, pid: e.pid, error: errorFields(e.error) }, `${target} process ${e.prefix}: ${e.error.message}`);
    }
    for (const s of poll.skipped) {
      this.log.debug({ process: s.prefix, pid: s.pid, command: s.command }, `${target}: process ${s.prefix} exited before "${s.command}"; skipped`);
    }
    if (t.problems.length > 0) {
      this.log.warn(
        { count: t.problems.length, first: t.problems.slice(0, 3) },
        `${target}: ${t.problems.length} value(s) had an unexpected shape and were left out`,
      );
    }
    for (const col of [...t.unknownColumns, ...t.unknownInfoKeys]) {
      if (this.warnedColumns.has(col)) continue;
      this.warnedColumns.add(col);
      this.log.warn({ column: col }, `${target}: HAProxy reports "${col}", which hapbeat does not map yet; it is ignored`);
    }
  }

  private logPoll(poll: TargetPoll, t: TransformedPoll): void {
    if (poll.error || !this.log.isLevelEnabled('debug')) return;
    const docs = documentCounts(t);
    this.log.debug(
      {
        duration_ms: Math.round(poll.durationNs / 1e4) / 100,
        processes: t.processes.map((p) => ({ prefix: p.prefix, pid: p.identity.pid, num: p.identity.num, old: p.identity.old })),
        skipped: poll.skipped.length,
        documents: { 'haproxy.stat': docs.stat, 'haproxy.info': docs.info },
        aggregate_documents: t.instanceDocs, // of the documents above, the totals (scope: all)
        lifecycle_events: t.lifecycleDocs,
      },
      `polled ${poll.target.name}`,
    );
  }
}

/** Metric documents of a poll, by dataset: each process's own (a lone process has none) and the totals. */
function documentCounts(t: TransformedPoll): { stat: number; info: number } {
  let stat = t.instanceDocs['haproxy.stat'];
  let info = t.instanceDocs['haproxy.info'];
  for (const p of t.processes) {
    if (p.sole) continue;
    stat += p.statDocs;
    info += p.infoDocs;
  }
  return { stat, info };
}
