import type { Logger } from '../log/logger.js';
import { HaproxySource, type TargetPoll } from '../haproxy/source.js';
import type { NormalizeSettings } from '../normalize/normalize-poll.js';
import { TargetProcessor, type ProcessedPoll } from '../process/target-processor.js';
import type { HapbeatEvent } from '../normalize/documents.js';
import { errorFields } from '../errors.js';

export interface CollectorCounters {
  polls: number;
  failedPolls: number;
  processesSampled: number;
  /** Processes listed by show proc that exited before they could be queried (normal around reloads). */
  processesSkipped: number;
  statDocs: number;
  infoDocs: number;
  /** Documents of the instance's totals (scope: all). */
  aggregateDocs: number;
  /** haproxy.process events: workers started, stopping, exited; failed reloads. */
  lifecycleEvents: number;
  /** Commands or answers that failed for a process (timeouts, parse errors, ...). */
  processErrors: number;
  /** Values left out of documents because they had the wrong shape. */
  fieldProblems: number;
}

export interface CollectResult {
  poll: TargetPoll;
  normalized: ProcessedPoll;
}

/**
 * One target's poll, end to end: source (I/O) → normalize (pure) → sink. Logs each poll at debug level with
 * the processes, documents and time, and every problem at warn or error with the target and process named.
 */
export class Collector {
  readonly counters: CollectorCounters = {
    polls: 0,
    failedPolls: 0,
    processesSampled: 0,
    processesSkipped: 0,
    statDocs: 0,
    infoDocs: 0,
    aggregateDocs: 0,
    lifecycleEvents: 0,
    processErrors: 0,
    fieldProblems: 0,
  };
  private consecutiveFailures = 0;
  private readonly warnedColumns = new Set<string>();
  private readonly processor: TargetProcessor;

  constructor(
    readonly source: HaproxySource,
    settings: NormalizeSettings,
    private readonly log: Logger,
    private readonly sink: (events: HapbeatEvent[]) => Promise<void>,
  ) {
    this.processor = new TargetProcessor(settings);
  }

  get name(): string {
    return this.source.target.name;
  }

  async collect(): Promise<CollectResult> {
    const poll = await this.source.poll();
    const normalized = this.processor.process(poll);
    this.account(poll, normalized);
    await this.sink(normalized.events);
    // Logged once the sink has the documents (in memory, a file, or durably in the spool).
    this.logPoll(poll, normalized);
    return { poll, normalized };
  }

  private account(poll: TargetPoll, n: ProcessedPoll): void {
    const c = this.counters;
    const target = poll.target.name;
    c.polls++;
    if (poll.error) {
      c.failedPolls++;
      this.consecutiveFailures++;
      this.log.error(
        { address: poll.target.address, consecutive_failures: this.consecutiveFailures, error: errorFields(poll.error) },
        `cannot poll ${target}: ${poll.error.message}`,
      );
      return;
    }
    if (this.consecutiveFailures > 0) {
      this.log.info({ failed_polls: this.consecutiveFailures }, `${target} answers again after ${this.consecutiveFailures} failed poll(s)`);
      this.consecutiveFailures = 0;
    }
    c.processesSampled += n.processes.length;
    c.processesSkipped += poll.skipped.length;
    c.processErrors += n.errors.length;
    c.fieldProblems += n.problems.length;
    let stat = 0;
    let info = 0;
    for (const p of n.processes) {
      stat += p.statDocs;
      info += p.infoDocs;
    }
    c.statDocs += stat;
    c.infoDocs += info;
    c.aggregateDocs += n.aggregateDocs['haproxy.stat'] + n.aggregateDocs['haproxy.info'];
    c.lifecycleEvents += n.lifecycleEvents;
    for (const e of n.events) {
      if (e.dataset !== 'haproxy.process') continue;
      const d = JSON.parse(e.json) as { event: { action: string }; process?: { pid: number }; haproxy: { process: { num?: number }; version?: string } };
      this.log.info(
        { action: d.event.action, pid: d.process?.pid, num: d.haproxy.process.num, version: d.haproxy.version },
        `${target}: ${d.event.action}${d.process ? ` pid ${d.process.pid}` : ''}`,
      );
    }
    for (const e of n.errors) {
      this.log.warn({ process: e.prefix, pid: e.pid, error: errorFields(e.error) }, `${target} process ${e.prefix}: ${e.error.message}`);
    }
    for (const s of poll.skipped) {
      this.log.debug({ process: s.prefix, pid: s.pid, command: s.command }, `${target}: process ${s.prefix} exited before "${s.command}"; skipped`);
    }
    if (n.problems.length > 0) {
      this.log.warn(
        { count: n.problems.length, first: n.problems.slice(0, 3) },
        `${target}: ${n.problems.length} value(s) had an unexpected shape and were left out`,
      );
    }
    for (const col of [...n.unknownColumns, ...n.unknownInfoKeys]) {
      if (this.warnedColumns.has(col)) continue;
      this.warnedColumns.add(col);
      this.log.warn({ column: col }, `${target}: HAProxy reports "${col}", which hapbeat does not map yet; it is ignored`);
    }
  }

  private logPoll(poll: TargetPoll, n: ProcessedPoll): void {
    if (poll.error || !this.log.isLevelEnabled('debug')) return;
    let stat = 0;
    let info = 0;
    for (const p of n.processes) {
      stat += p.statDocs;
      info += p.infoDocs;
    }
    this.log.debug(
      {
        duration_ms: Math.round(poll.durationNs / 1e4) / 100,
        processes: n.processes.map((p) => ({ prefix: p.prefix, pid: p.identity.pid, num: p.identity.num, old: p.identity.old })),
        skipped: poll.skipped.length,
        documents: { 'haproxy.stat': stat, 'haproxy.info': info },
        aggregate_documents: n.aggregateDocs,
        lifecycle_events: n.lifecycleEvents,
      },
      `polled ${poll.target.name}`,
    );
  }
}
