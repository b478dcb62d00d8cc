import { CliClient, type CliLimits, type CommandResult } from './cli-client.js';
import { HapbeatError } from '../errors.js';
import { ProcessGoneError } from './errors.js';
import { byPid, byRelativeNumber, isProcessNumber, parsePid } from './commands.js';
import { fetchStatsCsv, type HttpAuth } from './http-stats.js';
import type { Target } from './target.js';
import { countOf } from '../parse/numbers.js';
import { infoValue } from '../parse/show-info.js';
import { parseShowProc, type ProcList, type ProcRow } from '../parse/show-proc.js';

/** Where a process was found and how it was addressed. */
export interface ProcessRef {
  /** The master CLI prefix used (`@1`, `@!1234`), or '' in direct mode. */
  prefix: string;
  /** `workers` or `oldWorkers` from show proc; `direct` for a worker socket or stats page. */
  section: 'workers' | 'oldWorkers' | 'direct';
  /** From show proc when known. */
  row?: ProcRow;
}

/** What one process answered: raw text, parsed later by the transform (parse → derive → documents). */
export interface ProcessSample {
  ref: ProcessRef;
  /** When sampling of this process began, epoch ms: the documents' @timestamp. */
  sampledAt: number;
  info?: CommandResult;
  stat?: CommandResult;
  /** Commands that failed for another reason than the process having exited. */
  errors: { command: string; error: Error }[];
}

/** A process listed by show proc that exited before it could be sampled; normal around reloads. */
export interface SkippedProcess {
  prefix: string;
  pid?: number;
  command: string;
}

export interface TargetPoll {
  target: Target;
  startedAt: number;
  durationNs: number;
  procList?: ProcList;
  /** The raw show proc answer (kept for lifecycle tracking and debugging). */
  showProc?: CommandResult;
  samples: ProcessSample[];
  skipped: SkippedProcess[];
  /** Set when the target could not be polled at all (show proc failed, socket missing, ...). */
  error?: Error;
  /** `show stat typed` and `show info typed` of one process, fetched once per HAProxy version for the natures. */
  typed?: { version: string; stat: string; info: string };
}

export interface SourceOptions {
  limits: CliLimits;
  concurrency: number;
  includeOldWorkers: boolean;
  httpAuth?: HttpAuth;
  now?: () => number;
}

/**
 * The HAProxy source for one target. Does all the I/O of a poll and nothing else:
 * master mode: `show proc`, then for each current process `@N show info` and `@!<pid> show stat`, then the
 * same for every old worker not already seen, by `@!<pid>`. Direct modes read one process.
 */
export class HaproxySource {
  readonly target: Target;
  private readonly client?: CliClient;
  private readonly opts: SourceOptions;
  private readonly now: () => number;
  /** HAProxy versions whose typed output was already fetched. */
  private readonly typedVersions = new Set<string>();

  constructor(target: Target, opts: SourceOptions) {
    this.target = target;
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    if (target.endpoint.kind !== 'http') {
      this.client = new CliClient(target.endpoint, { mode: target.mode, limits: opts.limits, concurrency: opts.concurrency });
    }
  }

  async poll(): Promise<TargetPoll> {
    const startedAt = this.now();
    const t0 = process.hrtime.bigint();
    const poll: TargetPoll = { target: this.target, startedAt, durationNs: 0, samples: [], skipped: [] };
    try {
      if (this.target.mode === 'master') await this.pollMaster(poll);
      else if (this.target.mode === 'socket') poll.samples.push(await this.sampleDirectSocket());
      else poll.samples.push(await this.sampleHttp());
    } catch (err) {
      poll.error = err as Error;
    }
    if (!poll.error && this.target.mode !== 'http') await this.fetchTyped(poll);
    poll.durationNs = Number(process.hrtime.bigint() - t0);
    return poll;
  }

  /**
   * Field natures come from HAProxy itself: the typed output of one process, once per HAProxy version (a
   * reload to a new version fetches it again). A failure is not fatal; the next poll tries again.
   */
  private async fetchTyped(poll: TargetPoll): Promise<void> {
    for (const s of poll.samples) {
      if (!s.info) continue;
      const version = infoValue(s.info.text, 'Version');
      const pid = samplePid(s);
      if (!version || this.typedVersions.has(version)) continue;
      if (this.target.mode === 'master' && pid === undefined) continue;
      const command = (c: 'show stat typed' | 'show info typed') => (this.target.mode === 'master' ? byPid(pid!, c) : c);
      try {
        const [stat, info] = [await this.client!.run(command('show stat typed')), await this.client!.run(command('show info typed'))];
        poll.typed = { version, stat: stat.text, info: info.text };
        this.typedVersions.add(version);
      } catch {
        /* natures fall back to hapbeat's tables for this poll */
      }
      return;
    }
  }

  /**
   * `@N` resolves to a process when the command arrives, not when `show proc` was read: around a reload, the
   * answer can come from another process than the row it was meant for (HAProxy 3.2 on a busy machine: the
   * new worker is listed, but `@1` still reaches the old one). So every sample takes the row of the pid that
   * actually answered, and every listed process that no `@N` reached is then sampled by `@!<pid>`: current
   * workers always, old workers when include_old_workers is on. Each process is sampled once.
   */
  private async pollMaster(poll: TargetPoll): Promise<void> {
    const client = this.client!;
    poll.showProc = await client.run('show proc');
    const list = parseShowProc(poll.showProc.text);
    poll.procList = list;

    const listed = (pid: number | undefined) =>
      pid === undefined
        ? undefined
        : (['workers', 'oldWorkers'] as const).map((section) => ({ section, row: list[section].find((w) => w.pid === pid) })).find((x) => x.row);
    const nums = currentNumbers(list);
    const current = await Promise.all(
      nums
        .filter(isProcessNumber)
        .map((n) =>
          this.sampleMasterProcess(
            { relative: n },
            'workers',
            list.workers.find((w) => w.relativePid === n) ?? (list.grammar === '2.5' ? list.workers[0] : undefined),
            poll,
          ),
        ),
    );
    const seen = new Set<number>();
    const keep = (s: ProcessSample | undefined) => {
      if (!s) return;
      const pid = samplePid(s);
      if (pid !== undefined && seen.has(pid)) return;
      if (pid !== undefined && s.ref.row?.pid !== pid) {
        const own = listed(pid);
        s.ref = { ...s.ref, section: own?.section ?? 'workers', row: own?.row };
      }
      if (pid !== undefined) seen.add(pid);
      poll.samples.push(s);
    };
    for (const s of current) keep(s);
    const missed = [
      ...list.workers.filter((w) => !seen.has(w.pid)).map((w) => ({ w, section: 'workers' as const })),
      ...(this.opts.includeOldWorkers ? list.oldWorkers.filter((w) => !seen.has(w.pid)).map((w) => ({ w, section: 'oldWorkers' as const })) : []),
    ];
    const rest = await Promise.all(
      missed.filter(({ w }) => isProcessNumber(w.pid)).map(({ w, section }) => this.sampleMasterProcess({ pid: w.pid }, section, w, poll)),
    );
    for (const s of rest) keep(s);
  }

  /**
   * Samples one process through the master: `show info` by its prefix, then `show stat` by its OS pid, so that
   * both answers come from the same process even if a reload happens in between.
   */
  private async sampleMasterProcess(
    who: { relative: number } | { pid: number },
    section: 'workers' | 'oldWorkers',
    row: ProcRow | undefined,
    poll: TargetPoll,
  ): Promise<ProcessSample | undefined> {
    const client = this.client!;
    const prefix = 'relative' in who ? `@${who.relative}` : `@!${who.pid}`;
    const sample: ProcessSample = { ref: { prefix, section, row }, sampledAt: this.now(), errors: [] };
    const infoCommand = 'relative' in who ? byRelativeNumber(who.relative, 'show info') : byPid(who.pid, 'show info');
    try {
      sample.info = await client.run(infoCommand);
    } catch (err) {
      if (err instanceof ProcessGoneError) {
        poll.skipped.push({ prefix, pid: row?.pid, command: 'show info' });
        return undefined;
      }
      sample.errors.push({ command: infoCommand, error: err as Error });
    }
    // show stat goes to the pid that answered show info (so that both come from one process), never to a
    // number that is not a valid pid: then this process gets no stat sample, and the poll says why.
    let pid: number | undefined = 'pid' in who ? who.pid : undefined;
    const reported = sample.info ? infoValue(sample.info.text, 'Pid') : undefined;
    if (reported !== undefined) {
      try {
        pid = parsePid(reported);
      } catch (err) {
        sample.errors.push({ command: infoCommand, error: err as Error });
        sample.info = undefined;
        return sample;
      }
    }
    const statCommand = pid !== undefined ? byPid(pid, 'show stat') : byRelativeNumber((who as { relative: number }).relative, 'show stat');
    try {
      sample.stat = await client.run(statCommand);
    } catch (err) {
      if (err instanceof ProcessGoneError) {
        poll.skipped.push({ prefix: statCommand.split(' ')[0]!, pid, command: 'show stat' });
      } else {
        sample.errors.push({ command: statCommand, error: err as Error });
      }
    }
    if (!sample.info && !sample.stat && sample.errors.length === 0) return undefined;
    return sample;
  }

  private async sampleDirectSocket(): Promise<ProcessSample> {
    const client = this.client!;
    const sample: ProcessSample = { ref: { prefix: '', section: 'direct' }, sampledAt: this.now(), errors: [] };
    // A worker stats socket: the first failure (socket missing) is a target error, not a sample error.
    sample.info = await client.run('show info');
    try {
      sample.stat = await client.run('show stat');
    } catch (err) {
      sample.errors.push({ command: 'show stat', error: err as Error });
    }
    return sample;
  }

  private async sampleHttp(): Promise<ProcessSample> {
    const sample: ProcessSample = { ref: { prefix: '', section: 'direct' }, sampledAt: this.now(), errors: [] };
    if (this.target.endpoint.kind !== 'http') throw new HapbeatError('HAPBEAT_ERR_INTERNAL', 'sampleHttp() called for a target that is not a stats page');
    const { url, username, password } = this.target.endpoint;
    // Credentials given as settings win over those written in the URL.
    sample.stat = await fetchStatsCsv(url, this.opts.limits, {
      username: this.opts.httpAuth?.username ?? username,
      password: this.opts.httpAuth?.password ?? password,
    });
    return sample;
  }
}

/** Relative process numbers to query as "current": 1..N on 2.0-2.4, @1 on 2.5 and later. */
export function currentNumbers(list: ProcList): number[] {
  if (list.grammar === '2.0') {
    const nums = new Set<number>();
    for (const w of list.workers) if (w.relativePid !== undefined) nums.add(w.relativePid);
    if (nums.size === 0) {
      // A failed reload on 2.2 moves every worker to "# old workers" as [was: N]; @N still reaches the serving one.
      for (const w of list.oldWorkers) if (w.wasRelativePid !== undefined) nums.add(w.wasRelativePid);
    }
    return [...nums].sort((a, b) => a - b);
  }
  return list.workers.length > 0 || list.oldWorkers.length > 0 ? [1] : [];
}

/** The OS pid a sample's `show info` reports, if it is a valid one. */
export function samplePid(s: ProcessSample): number | undefined {
  const text = s.info ? infoValue(s.info.text, 'Pid') : undefined;
  const n = text !== undefined && text.length <= 10 ? countOf(text) : undefined;
  return n !== undefined && isProcessNumber(n) ? n : undefined;
}
