import { describe, expect, it } from 'vitest';
import { Poller } from '../../src/pipeline/poller.js';
import { createLogger } from '../../src/log/logger.js';
import { waitFor } from '../../lab/ports.js';

const log = createLogger('silent');

describe('Poller', () => {
  it('never overlaps polls of one target, and a slow target does not hold up the others', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let slowRuns = 0;
    let slowActive = 0;
    let slowPeak = 0;
    let fastRuns = 0;
    const poller = new Poller(
      [
        {
          name: 'slow',
          run: async () => {
            slowRuns++;
            slowActive++;
            slowPeak = Math.max(slowPeak, slowActive);
            if (slowRuns === 1) await gate;
            slowActive--;
          },
        },
        { name: 'fast', run: async () => void fastRuns++ },
      ],
      20,
      log,
    );
    poller.start();
    await waitFor('the fast target to poll 5 times while the slow one is stuck', () => fastRuns >= 5);
    expect(slowRuns).toBe(1); // still in its first poll: no second poll started on top of it
    release();
    await waitFor('the slow target to poll again', () => slowRuns >= 3);
    await poller.stop();
    expect(slowPeak).toBe(1);
    const after = fastRuns;
    await new Promise((r) => setTimeout(r, 60));
    expect(fastRuns).toBe(after); // stopped means stopped
  });

  it('stop() waits for the poll in progress to finish', async () => {
    let finished = false;
    let started!: () => void;
    const began = new Promise<void>((r) => (started = r));
    const poller = new Poller(
      [
        {
          name: 't',
          run: async () => {
            started();
            await new Promise((r) => setTimeout(r, 100));
            finished = true;
          },
        },
      ],
      10_000,
      log,
    );
    poller.start();
    await began;
    await poller.stop();
    expect(finished).toBe(true);
  });

  it('keeps the schedule after a poll throws', async () => {
    let runs = 0;
    const poller = new Poller(
      [
        {
          name: 't',
          run: async () => {
            runs++;
            throw new Error('boom');
          },
        },
      ],
      10,
      log,
    );
    poller.start();
    await waitFor('3 runs', () => runs >= 3);
    await poller.stop();
  });
});
