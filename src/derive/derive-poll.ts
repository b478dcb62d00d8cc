import type { TargetPoll } from '../haproxy/source.js';
import { parseAnswers } from '../parse/answers.js';
import type { InfoRecord } from '../parse/show-info.js';
import type { StatTable } from '../parse/show-stat.js';
import { parseInfoTypedNatures, parseStatTypedNatures } from '../parse/show-typed.js';
import { aggregateInfo, aggregateStat } from './aggregate.js';
import { processKey, resolveIdentity, StartTimes, type ProcessIdentity } from './identity.js';
import { LifecycleTracker, type LifecycleChange } from './lifecycle.js';
import { fallbackNatures, type Natures } from './natures.js';
import { instanceRates, RateTracker, type DerivedRows } from './rates.js';

/** One process of a poll: its parsed answers and what was derived from them. */
export interface DerivedProcess {
  /** The master CLI prefix that reached it (`@1`, `@!1234`), '' in direct mode. */
  prefix: string;
  identity: ProcessIdentity;
  /** When it was sampled, epoch ms: its documents' @timestamp. */
  sampledAt: number;
  table?: StatTable;
  info?: InfoRecord;
  /** Rates and ratios of `table`'s rows, aligned with them. */
  rates?: DerivedRows;
  statDurationNs: number;
  infoDurationNs: number;
}

/**
 * The whole instance (haproxy.process.scope: all): every process's values combined. With one process, its own
 * table and record (nothing to combine), and `only` names it: the instance's documents then carry that
 * process's identity and stand for both views (see documents/poll-documents.ts).
 */
export interface DerivedInstance {
  /** The version of the current processes (or of any, when none is current). */
  version?: string;
  /** How many processes were combined. */
  processCount: number;
  /** The one process, when there is exactly one. */
  only?: DerivedProcess;
  table?: StatTable;
  info?: InfoRecord;
  rates?: DerivedRows;
  /** Where the field natures used to combine came from. */
  naturesSource: Natures['source'];
}

/** Everything derived from one poll of one target: plain values, ready to become documents. */
export interface DerivedPoll {
  target: { name: string; address: string };
  startedAt: number;
  durationNs: number;
  processes: DerivedProcess[];
  /** Absent when no process answered. */
  instance?: DerivedInstance;
  lifecycle: LifecycleChange[];
  /** Answers that failed (command errors) or did not parse, with the process they concern. */
  errors: { prefix: string; pid?: number; error: Error }[];
}

/**
 * The derive step for one target: parses each process's answers, then derives, in order, the process
 * identities, the rates and ratios per process, the lifecycle changes, and the instance's totals across
 * processes. It keeps what spans polls: previous counters, start times, lifecycle baseline, and the field
 * natures HAProxy reported for each version.
 */
export class TargetDeriver {
  private readonly natures = new Map<string, Natures>();
  private readonly fallback = fallbackNatures();
  private readonly rates = new RateTracker();
  private readonly lifecycle = new LifecycleTracker();
  private readonly startTimes = new StartTimes();

  derive(poll: TargetPoll): DerivedPoll {
    const out: DerivedPoll = {
      target: { name: poll.target.name, address: poll.target.address },
      startedAt: poll.startedAt,
      durationNs: poll.durationNs,
      processes: [],
      lifecycle: [],
      errors: [],
    };
    for (const sample of poll.samples) {
      const pid = sample.ref.row?.pid;
      for (const e of sample.errors) out.errors.push({ prefix: sample.ref.prefix, pid, error: e.error });
      const parsed = parseAnswers(sample);
      for (const error of parsed.errors) out.errors.push({ prefix: sample.ref.prefix, pid, error });
      if (!parsed.info && !parsed.table) continue;
      out.processes.push({
        prefix: sample.ref.prefix,
        identity: resolveIdentity(sample, parsed.info, parsed.table),
        sampledAt: sample.sampledAt,
        table: parsed.table,
        info: parsed.info,
        statDurationNs: sample.stat?.durationNs ?? 0,
        infoDurationNs: sample.info?.durationNs ?? 0,
      });
    }
    this.startTimes.stabilize(out.processes);
    const withTable = out.processes.filter((p) => p.table);
    const rates = this.rates.track(
      withTable.map((p) => ({
        processKey: processKey(p.identity),
        startMs: p.identity.startTime !== undefined ? p.identity.startTime * 1000 : undefined,
        sampledAt: p.sampledAt,
        table: p.table!,
      })),
      poll.startedAt,
    );
    withTable.forEach((p, i) => (p.rates = rates.processes[i]));
    if (poll.typed) {
      this.natures.set(poll.typed.version, { stat: parseStatTypedNatures(poll.typed.stat), info: parseInfoTypedNatures(poll.typed.info), source: 'haproxy' });
    }
    out.lifecycle = this.lifecycle.track(poll, out.processes);
    if (out.processes.length === 0) return out;
    const current = out.processes.filter((p) => !p.identity.old);
    const version = (current[0] ?? out.processes[0]!).identity.version;
    const natures = (version && this.natures.get(version)) || this.fallback;
    const only = out.processes.length === 1 ? out.processes[0] : undefined;
    const parts = out.processes.map((p) => ({ old: p.identity.old, table: p.table, info: p.info }));
    // One process: its own table is the total (combining one value returns it), so it is not copied.
    const table = only ? only.table : aggregateStat(parts, natures);
    out.instance = {
      version,
      processCount: out.processes.length,
      only,
      table,
      info: only ? only.info : aggregateInfo(parts, natures),
      // The only process's table was tracked first (withTable[0]): its row keys are known.
      rates: table ? instanceRates(table, rates, only ? rates.keys[0] : undefined) : undefined,
      naturesSource: natures.source,
    };
    return out;
  }
}
