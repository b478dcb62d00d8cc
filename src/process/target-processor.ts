import { appendAll } from '../arrays.js';
import type { TargetPoll } from '../haproxy/source.js';
import { infoEvent, statEvents, type SampleContext } from '../normalize/documents.js';
import { normalizePoll, type NormalizeSettings, type NormalizedPoll, type ParsedProcess } from '../normalize/normalize-poll.js';
import { aggregateInfo, aggregateStat } from './aggregate.js';
import { applyContributions, RateTracker, type Contribution } from './rates.js';
import { LifecycleTracker } from './lifecycle.js';
import { fallbackNatures, parseInfoTypedNatures, parseStatTypedNatures, type Natures } from './natures.js';

export interface ProcessedPoll extends NormalizedPoll {
  /** Documents of the whole instance (haproxy.process.scope: all), per dataset. */
  aggregateDocs: { 'haproxy.stat': number; 'haproxy.info': number };
  naturesSource?: Natures['source'];
  /** haproxy.process events (worker started, stopping, exited; reload failed). */
  lifecycleEvents: number;
}

/**
 * Everything hapbeat derives from one target's polls, in order: per-process documents (pure), then the
 * instance's totals across processes. It keeps the field natures HAProxy reported, per HAProxy version.
 */
export class TargetProcessor {
  private readonly natures = new Map<string, Natures>();
  private readonly fallback = fallbackNatures();
  private readonly rates = new RateTracker();
  private readonly lifecycle: LifecycleTracker;
  /** pid → start time derived from uptime (HAProxy 2.2 has no Start_time_sec), kept stable across polls. */
  private readonly derivedStarts = new Map<number, number>();

  constructor(private readonly settings: NormalizeSettings) {
    this.lifecycle = new LifecycleTracker(settings);
  }

  /**
   * On 2.2 the start time is derived from Uptime_sec (whole seconds), so it can flip by a second between polls.
   * The first derivation for a pid is kept while later ones agree within 2 s: the process identity, and the
   * rates keyed on it, stay stable.
   */
  private stabilizeStartTimes(parts: ParsedProcess[]): void {
    const seen = new Set<number>();
    for (const p of parts) {
      const { pid, startTime } = p.identity;
      if (pid === undefined || startTime === undefined || p.info?.Start_time_sec !== undefined) continue;
      seen.add(pid);
      const kept = this.derivedStarts.get(pid);
      if (kept !== undefined && Math.abs(kept - startTime) <= 2) p.identity.startTime = kept;
      else this.derivedStarts.set(pid, startTime);
    }
    for (const pid of [...this.derivedStarts.keys()]) if (!seen.has(pid)) this.derivedStarts.delete(pid);
  }

  process(poll: TargetPoll): ProcessedPoll {
    let contributions = new Map<string, Contribution>();
    const n = normalizePoll(poll, this.settings, (parts) => {
      this.stabilizeStartTimes(parts);
      contributions = this.rates.enrich(
        parts
          .filter((p) => p.table)
          .map((p) => ({
            processKey: p.identity.pid !== undefined ? `${p.identity.pid}@${p.identity.startTime ?? ''}` : `#${p.identity.num ?? 1}`,
            startMs: p.identity.startTime !== undefined ? p.identity.startTime * 1000 : undefined,
            sampledAt: p.sampledAt,
            table: p.table!,
          })),
        poll.startedAt,
      );
    }) as ProcessedPoll;
    n.aggregateDocs = { 'haproxy.stat': 0, 'haproxy.info': 0 };
    if (poll.typed) {
      this.natures.set(poll.typed.version, {
        stat: parseStatTypedNatures(poll.typed.stat),
        info: parseInfoTypedNatures(poll.typed.info),
        source: 'haproxy',
      });
    }
    const lifecycle = this.lifecycle.track(poll, n.parts);
    appendAll(n.events, lifecycle);
    n.lifecycleEvents = lifecycle.length;
    if (n.parts.length === 0) return n;
    const current = n.parts.filter((p) => !p.identity.old);
    const version = (current[0] ?? n.parts[0]!).identity.version;
    const natures = (version && this.natures.get(version)) || this.fallback;
    n.naturesSource = natures.source;
    const parts = n.parts.map((p) => ({ old: p.identity.old, table: p.table, info: p.info }));
    const ctx: SampleContext = {
      target: { name: poll.target.name, address: poll.target.address },
      agent: this.settings.agent,
      process: { old: false, version },
      sampledAt: poll.startedAt,
      periodMs: this.settings.periodMs,
      namespace: this.settings.namespace,
      scope: 'all',
    };
    const table = aggregateStat(parts, natures);
    if (table) {
      applyContributions(table, contributions, this.rates.intervalSec);
      const r = statEvents(table, ctx, poll.durationNs);
      appendAll(n.events, r.events);
      n.aggregateDocs['haproxy.stat'] += r.events.length;
    }
    const info = aggregateInfo(parts, natures);
    if (info) {
      n.events.push(infoEvent(info, ctx, poll.durationNs).event);
      n.aggregateDocs['haproxy.info']++;
    }
    return n;
  }
}
