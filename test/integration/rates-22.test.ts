import { docOf } from '../documents.js';
import { afterAll, describe, expect, it } from 'vitest';
import { HaproxyLab, matrixBinaries } from '../../lab/haproxy.js';
import { sendRequests } from '../../lab/backends.js';
import { PollTransform } from '../../src/pipeline/transform.js';

import { agent, masterSource } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HAProxy 2.2 (no Start_time_sec): a stable process identity, so rates never drop out', () => {
  let lab: HaproxyLab;
  afterAll(async () => {
    await lab?.stop();
  });

  it('every process keeps one start time and has a rate on every poll after its first', async () => {
    const binary = matrixBinaries().find((b) => b.major === '2.2')!;
    lab = await HaproxyLab.start({ binary, nbproc: 3 });
    const source = masterSource(lab.masterSocket);
    const processor = new PollTransform({ agent, periodMs: 700, namespace: 'default' });
    const starts = new Map<number, Set<string>>();
    let withRate = 0;
    let polls = 0;
    for (let i = 0; i < 6; i++) {
      await sendRequests(lab.ports.fe, 9);
      const n = processor.run(await source.poll());
      polls++;
      for (const d of n.events.filter((e) => e.dataset === 'haproxy.stat').map((e) => docOf(e) as any)) {
        if (d.haproxy.process.scope !== 'process' || d.haproxy.stat.proxy.name !== 'fe_main') continue;
        const set = starts.get(d.process.pid) ?? new Set<string>();
        set.add(d.haproxy.process.start_time);
        starts.set(d.process.pid, set);
        if (i > 0) {
          expect(d.haproxy.stat.request.rate_per_s, `poll ${i} pid ${d.process.pid}`).toBeTypeOf('number');
          withRate++;
        }
      }
      await sleep(700 + (i % 2) * 350); // uneven gaps, so the derived start times would drift if unstabilized
    }
    expect(polls).toBe(6);
    expect(starts.size).toBe(3);
    for (const [, set] of starts) expect(set.size).toBe(1);
    expect(withRate).toBe(5 * 3);
  });
});
