import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * What `hapbeat run` says of itself in `<path.data>/health.json`, rewritten every few seconds: the file a
 * container HEALTHCHECK or a monitoring probe reads with `hapbeat health`.
 */
export interface HealthStatus {
  pid: number;
  state: 'running' | 'stopped';
  /** Epoch ms. */
  updated_at: number;
  started_at: number;
  period_ms: number;
  /** The last poll that reached HAProxy, over every target (epoch ms); absent until one did. */
  last_success_at?: number;
  polls: number;
  failed_polls: number;
  output: string;
  queue_pending: number;
}

export const HEALTH_FILE = 'health.json';

/** Writes the status file atomically (a temporary file renamed over it). Returns the error instead of throwing. */
export function writeHealth(dataPath: string, status: HealthStatus): Error | undefined {
  const file = path.join(dataPath, HEALTH_FILE);
  try {
    writeFileSync(`${file}.tmp`, `${JSON.stringify(status)}\n`);
    renameSync(`${file}.tmp`, file);
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

export interface HealthVerdict {
  healthy: boolean;
  /** One line for a person: why. */
  reason: string;
}

/**
 * Healthy when `hapbeat run` is running and collecting: the status file was rewritten recently, and some poll
 * reached HAProxy within the window (3 periods, at least 30 s). A fresh start that has not polled yet counts
 * as healthy during one window. Pure apart from reading the file.
 */
export function checkHealth(dataPath: string, now: number): HealthVerdict {
  const file = path.join(dataPath, HEALTH_FILE);
  let s: HealthStatus;
  try {
    s = JSON.parse(readFileSync(file, 'utf8')) as HealthStatus;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      healthy: false,
      reason:
        code === 'ENOENT'
          ? `no ${file}: hapbeat run is not running with this data path (path.data, HAPBEAT_PATH_DATA)`
          : `cannot read ${file}: ${(err as Error).message}`,
    };
  }
  if (typeof s !== 'object' || s === null || typeof s.updated_at !== 'number' || typeof s.period_ms !== 'number' || typeof s.started_at !== 'number') {
    return { healthy: false, reason: `${file} is not a hapbeat status file` };
  }
  const window = Math.max(3 * s.period_ms, 30_000);
  const age = (t: number) => `${Math.round((now - t) / 1000)} s ago`;
  if (s.state === 'stopped') return { healthy: false, reason: `hapbeat (pid ${s.pid}) stopped ${age(s.updated_at)}` };
  if (now - s.updated_at > window) return { healthy: false, reason: `hapbeat (pid ${s.pid}) last wrote its status ${age(s.updated_at)}; it is stuck or gone` };
  if (s.last_success_at === undefined) {
    if (now - s.started_at <= window) return { healthy: true, reason: `starting: no poll yet (started ${age(s.started_at)})` };
    return { healthy: false, reason: `no poll has reached HAProxy since the start ${age(s.started_at)} (${s.failed_polls} failed)` };
  }
  if (now - s.last_success_at > window)
    return { healthy: false, reason: `the last poll that reached HAProxy was ${age(s.last_success_at)} (${s.failed_polls} failed in all)` };
  return { healthy: true, reason: `polling: last poll ${age(s.last_success_at)}, ${s.polls} polls, output ${s.output}, ${s.queue_pending} documents pending` };
}
