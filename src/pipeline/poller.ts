import { errorFields } from '../errors.js';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';

export interface PollTask {
  name: string;
  /** One poll. Must not throw for ordinary failures; a throw is logged and the schedule goes on. */
  run(): Promise<void>;
}

/**
 * Runs each task on its own schedule: the first poll at once, then every `periodMs` on a fixed grid from the
 * start (no drift), never two polls of one task at a time (no overlap: a late poll skips the ticks it missed,
 * and says so), and independently per task, so a slow target never delays the others.
 */
export class Poller {
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly tasks: readonly PollTask[],
    private readonly periodMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    for (const t of this.tasks) this.loops.push(this.loop(t));
  }

  /** Stops scheduling, lets the polls in progress finish, and resolves when they have. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const w of this.wakers) w();
    await Promise.all(this.loops);
  }

  private async loop(task: PollTask): Promise<void> {
    const t0 = performance.now();
    let tick = 0;
    while (!this.stopping) {
      try {
        await task.run();
      } catch (err) {
        this.log.error({ target: task.name, error: errorFields(err) }, 'poll failed unexpectedly; the schedule continues');
      }
      tick++;
      let next = t0 + tick * this.periodMs;
      const now = performance.now();
      if (now > next) {
        const missed = Math.floor((now - next) / this.periodMs) + 1;
        tick += missed;
        next = t0 + tick * this.periodMs;
        this.log.warn(
          { target: task.name, missed_ticks: missed, period_ms: this.periodMs },
          `poll of ${task.name} took longer than the period; skipped ${missed} tick(s) rather than overlap`,
        );
      }
      await this.sleep(next - now);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.wakers.add(wake);
    });
  }
}
