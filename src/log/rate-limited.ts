import type { Logger } from './logger.js';

/**
 * Logs a recurring problem at most once per interval per key, with how many times it happened meanwhile:
 * a full disk or an unwritable directory must be visible without flooding the log at every poll.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 30_000,
  ) {}

  error(key: string, fields: Record<string, unknown>, msg: string, now = Date.now()): void {
    const seen = this.last.get(key);
    if (seen && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    this.log.error(
      suppressed > 0 ? { ...fields, repeated: suppressed } : fields,
      suppressed > 0 ? `${msg} (${suppressed} more time(s) since the last report)` : msg,
    );
  }

  /** Forgets a key, so that the next occurrence is logged at once (after the problem went away). */
  clear(key: string): boolean {
    return this.last.delete(key);
  }
}
