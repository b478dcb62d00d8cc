import type { TargetPoll } from '../haproxy/source.js';
import type { ProcessIdentity } from './identity.js';

export type LifecycleAction = 'worker-started' | 'worker-stopping' | 'worker-exited' | 'reload-failed';

/** A worker as show proc and its own answers describe it. */
export interface WorkerFacts {
  pid: number;
  num?: number;
  version?: string;
  old: boolean;
  startTime?: number;
  reloads?: number;
}

/** The master as show proc describes it. */
export interface MasterFacts {
  pid: number;
  reloads: number;
  failedReloads?: number;
  version: string;
}

/** One change in a target's processes, seen between two polls. */
export interface LifecycleChange {
  action: LifecycleAction;
  /** The worker concerned (none for reload-failed). */
  worker?: WorkerFacts;
  master: MasterFacts;
  /** When it was seen: the poll's start, epoch ms. */
  at: number;
}

/**
 * Turns consecutive `show proc` answers (and the workers' own `Stopping:`) into lifecycle changes: a worker
 * started, a worker became old (stopping), a worker exited, a reload failed (`[failed: N]` rose). The first
 * poll of a target sets the baseline: workers that exist when hapbeat starts did not just start.
 */
export class LifecycleTracker {
  private known?: Map<number, WorkerFacts>;
  private failedReloads?: number;

  track(poll: TargetPoll, sampled: readonly { identity: ProcessIdentity }[]): LifecycleChange[] {
    const list = poll.procList;
    if (!list || poll.error) return [];
    const now = new Map<number, WorkerFacts>();
    for (const [section, rows] of [
      ['workers', list.workers],
      ['oldWorkers', list.oldWorkers],
    ] as const) {
      for (const r of rows) {
        const own = sampled.find((p) => p.identity.pid === r.pid)?.identity;
        now.set(r.pid, {
          pid: r.pid,
          // 2.5 and later have one worker per generation, always process 1 (even before it answers the CLI).
          num: own?.num ?? r.relativePid ?? r.wasRelativePid ?? (list.grammar === '2.5' ? 1 : undefined),
          version: own?.version ?? (r.version !== '-' ? r.version : undefined),
          old: own ? own.old : section === 'oldWorkers',
          startTime: own?.startTime,
          reloads: r.reloads,
        });
      }
    }
    const master: MasterFacts = { pid: list.master.pid, reloads: list.master.reloads, version: list.master.version };
    if (list.master.failedReloads !== undefined) master.failedReloads = list.master.failedReloads;
    const changes: LifecycleChange[] = [];
    const change = (action: LifecycleAction, worker?: WorkerFacts) => changes.push({ action, ...(worker ? { worker } : {}), master, at: poll.startedAt });
    if (this.known) {
      for (const [pid, k] of now) {
        const before = this.known.get(pid);
        if (!before) change(k.old ? 'worker-stopping' : 'worker-started', k);
        else if (k.old && !before.old) change('worker-stopping', k);
      }
      for (const [pid, k] of this.known) if (!now.has(pid)) change('worker-exited', k);
    }
    const failed = list.master.failedReloads;
    if (failed !== undefined && this.failedReloads !== undefined && failed > this.failedReloads) change('reload-failed');
    this.known = now;
    this.failedReloads = failed;
    return changes;
  }
}
