/**
 * Exponential backoff with jitter, for every retry loop of the pipeline: the n-th consecutive failure waits
 * a random time between half and all of min(max, init * 2^(n-1)) ("equal jitter"), so that many agents
 * retrying against one cluster spread out. `reset()` after a success or a successful probe.
 */
export class Backoff {
  private failures = 0;
  /** When the current wait ends (epoch ms); 0 when not backing off. */
  until = 0;

  constructor(
    private readonly initMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Consecutive failures so far. */
  get attempts(): number {
    return this.failures;
  }

  /** Records a failure; returns the delay chosen and sets `until`. */
  fail(now = Date.now()): number {
    this.failures++;
    const exp = Math.min(this.maxMs, this.initMs * 2 ** Math.min(this.failures - 1, 30));
    const delay = Math.round(exp * (0.5 + this.random() * 0.5));
    this.until = now + delay;
    return delay;
  }

  /** Milliseconds left to wait (0 when not backing off). */
  remaining(now = Date.now()): number {
    return Math.max(0, this.until - now);
  }

  reset(): void {
    this.failures = 0;
    this.until = 0;
  }
}
