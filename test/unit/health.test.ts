import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHealth, HEALTH_FILE, writeHealth, type HealthStatus } from '../../src/health.js';

const T = 1_800_000_000_000;
const base: HealthStatus = {
  pid: 42,
  state: 'running',
  updated_at: T,
  started_at: T - 600_000,
  period_ms: 10_000,
  last_success_at: T - 5_000,
  polls: 60,
  failed_polls: 0,
  output: 'elasticsearch',
  queue_pending: 0,
};

function dirWith(s: Partial<HealthStatus> | string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-health-'));
  if (typeof s === 'string') writeFileSync(path.join(dir, HEALTH_FILE), s);
  else expect(writeHealth(dir, { ...base, ...s })).toBeUndefined();
  return dir;
}

describe('hapbeat health', () => {
  it('is healthy while the status is fresh and a poll reached HAProxy within 3 periods (at least 30 s)', () => {
    expect(checkHealth(dirWith({}), T + 1_000)).toEqual({
      healthy: true,
      reason: 'polling: last poll 6 s ago, 60 polls, output elasticsearch, 0 documents pending',
    });
    expect(checkHealth(dirWith({ last_success_at: T - 29_000 }), T).healthy).toBe(true);
    expect(checkHealth(dirWith({ last_success_at: T - 31_000 }), T)).toEqual({
      healthy: false,
      reason: 'the last poll that reached HAProxy was 31 s ago (0 failed in all)',
    });
    expect(checkHealth(dirWith({ period_ms: 60_000, last_success_at: T - 150_000 }), T).healthy).toBe(true);
  });

  it('is unhealthy when the agent is gone, stuck or stopped, and says which', () => {
    expect(checkHealth(dirWith({ updated_at: T - 40_000 }), T)).toEqual({
      healthy: false,
      reason: 'hapbeat (pid 42) last wrote its status 40 s ago; it is stuck or gone',
    });
    expect(checkHealth(dirWith({ state: 'stopped' }), T + 2_000)).toEqual({ healthy: false, reason: 'hapbeat (pid 42) stopped 2 s ago' });
    const none = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-health-'));
    expect(checkHealth(none, T).reason).toBe(
      `no ${path.join(none, HEALTH_FILE)}: hapbeat run is not running with this data path (path.data, HAPBEAT_PATH_DATA)`,
    );
  });

  it('gives a fresh start one window to poll, then not', () => {
    const starting = { started_at: T - 10_000, last_success_at: undefined, failed_polls: 1 };
    expect(checkHealth(dirWith(starting), T)).toEqual({ healthy: true, reason: 'starting: no poll yet (started 10 s ago)' });
    expect(checkHealth(dirWith({ ...starting, started_at: T - 60_000 }), T)).toEqual({
      healthy: false,
      reason: 'no poll has reached HAProxy since the start 60 s ago (1 failed)',
    });
  });

  it('rejects a file that is not a status file, without throwing', () => {
    for (const junk of ['', '{', 'null', '[]', '{"updated_at":"x"}', '\u0000\u0001']) {
      const v = checkHealth(dirWith(junk), T);
      expect(v.healthy).toBe(false);
      expect(v.reason).toMatch(/cannot read|is not a hapbeat status file/);
    }
  });
});
