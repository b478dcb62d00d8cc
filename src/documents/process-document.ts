import type { LifecycleChange } from '../derive/lifecycle.js';
import type { ProcessIdentity } from '../derive/identity.js';
import { documentId } from './document-id.js';
import { envelope, type DocumentSettings, type TargetRef } from './envelope.js';
import type { HapbeatEvent } from './event.js';

/** The `haproxy.process` document of one lifecycle change: the worker's identity and the master's. Pure. */
export function processEvent(change: LifecycleChange, target: TargetRef, settings: DocumentSettings): HapbeatEvent {
  const w = change.worker;
  const m = change.master;
  const process: ProcessIdentity = { old: w?.old ?? false, version: w?.version ?? m.version };
  if (w) {
    process.pid = w.pid;
    if (w.num !== undefined) process.num = w.num;
    if (w.reloads !== undefined) process.reloads = w.reloads;
    if (w.startTime !== undefined) process.startTime = w.startTime;
  }
  const { head, haproxy } = envelope({ ...settings, target, process, sampledAt: change.at }, 'haproxy.process', { kind: 'event', action: change.action });
  haproxy.master = { pid: m.pid, reloads: m.reloads, ...(m.failedReloads !== undefined ? { failed_reloads: m.failedReloads } : {}) };
  head.haproxy = haproxy;
  return {
    id: documentId(['process', target.address, change.action, w?.pid, w?.startTime, m.reloads, m.failedReloads, change.at]),
    dataset: 'haproxy.process',
    timestamp: change.at,
    json: Buffer.from(JSON.stringify(head)),
  };
}
