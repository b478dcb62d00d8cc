import type { TargetPoll } from '../haproxy/source.js';
import { documentId } from '../normalize/document-id.js';
import { processObject, type HapbeatEvent } from '../normalize/documents.js';
import type { ParsedProcess } from '../normalize/normalize-poll.js';
import type { AgentInfo, ProcessIdentity } from '../normalize/process-identity.js';

export type LifecycleAction = 'worker-started' | 'worker-stopping' | 'worker-exited' | 'reload-failed';

interface Known {
  pid: number;
  num?: number;
  version?: string;
  old: boolean;
  startTime?: number;
  reloads?: number;
}

/**
 * Turns consecutive `show proc` answers (and the workers' own `Stopping:`) into `haproxy.process` events: a
 * worker started, a worker became old (stopping), a worker exited, a reload failed (`[failed: N]` rose).
 * The first poll of a target sets the baseline: workers that exist when hapbeat starts did not just start.
 */
export class LifecycleTracker {
  private known?: Map<number, Known>;
  private failedReloads?: number;

  constructor(private readonly settings: { agent: AgentInfo; periodMs: number; namespace: string }) {}

  track(poll: TargetPoll, parts: readonly ParsedProcess[]): HapbeatEvent[] {
    const list = poll.procList;
    if (!list || poll.error) return [];
    const now = new Map<number, Known>();
    for (const [section, rows] of [
      ['workers', list.workers],
      ['oldWorkers', list.oldWorkers],
    ] as const) {
      for (const r of rows) {
        const sampled = parts.find((p) => p.identity.pid === r.pid)?.identity;
        now.set(r.pid, {
          pid: r.pid,
          // 2.5 and later have one worker per generation, always process 1 (even before it answers the CLI).
          num: sampled?.num ?? r.relativePid ?? r.wasRelativePid ?? (list.grammar === '2.5' ? 1 : undefined),
          version: sampled?.version ?? (r.version !== '-' ? r.version : undefined),
          old: sampled ? sampled.old : section === 'oldWorkers',
          startTime: sampled?.startTime,
          reloads: r.reloads,
        });
      }
    }
    const events: HapbeatEvent[] = [];
    const emit = (action: LifecycleAction, k: Known | undefined, extra: Record<string, unknown> = {}) =>
      events.push(this.event(poll, action, k, list.master, extra));
    if (this.known) {
      for (const [pid, k] of now) {
        const before = this.known.get(pid);
        if (!before) emit(k.old ? 'worker-stopping' : 'worker-started', k);
        else if (k.old && !before.old) emit('worker-stopping', k);
      }
      for (const [pid, k] of this.known) if (!now.has(pid)) emit('worker-exited', k);
    }
    const failed = list.master.failedReloads;
    if (failed !== undefined && this.failedReloads !== undefined && failed > this.failedReloads) {
      emit('reload-failed', undefined, { failed_reloads: failed });
    }
    this.known = now;
    this.failedReloads = failed;
    return events;
  }

  private event(
    poll: TargetPoll,
    action: LifecycleAction,
    k: Known | undefined,
    master: { pid: number; reloads: number; failedReloads?: number; version: string },
    extra: Record<string, unknown>,
  ): HapbeatEvent {
    const at = poll.startedAt;
    const identity: ProcessIdentity = {
      old: k?.old ?? false,
      pid: k?.pid,
      num: k?.num,
      reloads: k?.reloads,
      startTime: k?.startTime,
      version: k?.version ?? master.version,
    };
    const doc: Record<string, unknown> = {
      '@timestamp': new Date(at).toISOString(),
      event: { module: 'haproxy', dataset: 'haproxy.process', kind: 'event', action },
      data_stream: { type: 'metrics', dataset: 'haproxy.process', namespace: this.settings.namespace },
      service: { type: 'haproxy', address: poll.target.address, name: poll.target.name },
      host: { name: this.settings.agent.hostname },
      agent: { type: 'hapbeat', version: this.settings.agent.version, name: this.settings.agent.name, id: this.settings.agent.id },
      ...(k ? { process: { pid: k.pid } } : {}),
      haproxy: {
        version: identity.version,
        process: processObject(identity),
        master: { pid: master.pid, reloads: master.reloads, ...(master.failedReloads !== undefined ? { failed_reloads: master.failedReloads } : {}), ...extra },
      },
    };
    return {
      id: documentId(['process', poll.target.address, action, k?.pid, k?.startTime, master.reloads, master.failedReloads, at]),
      dataset: 'haproxy.process',
      timestamp: at,
      json: JSON.stringify(doc),
    };
  }
}
