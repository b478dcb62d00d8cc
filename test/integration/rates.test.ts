import { docOf } from '../documents.js';
import { afterAll, describe, expect, it } from 'vitest';
import { HaproxyLab } from '../../lab/haproxy.js';
import { holdRequest, sendRequests } from '../../lab/backends.js';
import { PollTransform } from '../../src/pipeline/transform.js';

import { agent, masterSource } from './helpers.js';

type Doc = any;

describe('rates that survive a reload (HAProxy 2.6)', () => {
  let lab: HaproxyLab;
  afterAll(async () => {
    await lab?.stop();
  });

  /**
   * Exact, whatever the machine's load: between two polls the test sends a known number of requests and waits
   * for each, so every interval's traffic is known. The instance's rate times the interval between its two
   * documents must give back that number, in the reload interval too; per process, the rate times that
   * process's own interval must give back its counter's increase.
   */
  it('across a reload, the total request rate times its interval is exactly the requests sent; per-process rates hand over', async () => {
    lab = await HaproxyLab.start();
    const source = masterSource(lab.masterSocket);
    const processor = new PollTransform({ agent, periodMs: 1000, namespace: 'default' });
    const sent: number[] = [];
    const polls: { total: Doc; perProcess: Doc[]; oldPids: number[] }[] = [];
    let held: ReturnType<typeof holdRequest> | undefined;
    for (let i = 0; i < 8; i++) {
      let k = 0;
      if (i > 0) {
        k = 20 + 5 * i; // a different count each interval, so a wrong interval cannot pass by chance
        await sendRequests(lab.ports.fe, k);
      }
      if (i === 4) {
        held = holdRequest(lab.ports.fe, '/slow/held'); // keeps the old worker alive after the reload
        await held.connected;
        k += 1;
        await lab.reload();
        const more = 10;
        await sendRequests(lab.ports.fe, more); // served by the new worker
        k += more;
      }
      sent.push(k);
      const n = processor.run(await source.poll());
      const fe = n.events
        .filter((e) => e.dataset === 'haproxy.stat')
        .map((e) => docOf(e) as Doc)
        .filter((d) => d.haproxy.stat.proxy.name === 'fe_main');
      polls.push({
        total: fe.find((d) => d.haproxy.process.scope === 'all'),
        perProcess: fe.filter((d) => d.haproxy.process.scope === 'process'),
        oldPids: n.derived.processes.filter((p) => p.identity.old).map((p) => p.identity.pid!),
      });
    }
    held?.abort();
    lab.blackhole.dropConnections();

    expect(polls[0]!.total.haproxy.stat.request.rate_per_s).toBeUndefined(); // no rate before a second sample
    const t = (d: Doc) => Date.parse(d['@timestamp']);
    for (let i = 1; i < polls.length; i++) {
      const interval = (t(polls[i]!.total) - t(polls[i - 1]!.total)) / 1000;
      const served = polls[i]!.total.haproxy.stat.request.rate_per_s * interval;
      expect(
        Math.abs(served - sent[i]!),
        `poll ${i}: rate ${polls[i]!.total.haproxy.stat.request.rate_per_s}/s over ${interval} s, ${sent[i]} sent`,
      ).toBeLessThan(0.01 * interval + 1e-6);
    }
    // The reload poll: both workers sampled; the new one has no per-process rate yet (a first sample).
    const reload = polls[4]!;
    expect(reload.oldPids).toHaveLength(1);
    const fresh = reload.perProcess.find((d: Doc) => !reload.oldPids.includes(d.process.pid));
    expect(fresh.haproxy.stat.request.rate_per_s).toBeUndefined();
    expect(fresh.haproxy.stat.request.total).toBe(10);
    // After it: the old worker, still sampled, serves nothing (rate 0); the new one serves everything, and its
    // rate times its own interval is exactly what was sent.
    for (let i = 5; i < polls.length; i++) {
      const p = polls[i]!;
      expect(p.oldPids).toEqual(reload.oldPids);
      const old = p.perProcess.find((d: Doc) => d.process.pid === reload.oldPids[0]);
      expect(old.haproxy.stat.request.rate_per_s).toBe(0);
      const now = p.perProcess.find((d: Doc) => d.process.pid === fresh.process.pid);
      const before = polls[i - 1]!.perProcess.find((d: Doc) => d.process.pid === fresh.process.pid);
      expect(now.haproxy.stat.request.total - before.haproxy.stat.request.total).toBe(sent[i]);
      const own = (t(now) - t(before)) / 1000;
      expect(Math.abs(now.haproxy.stat.request.rate_per_s * own - sent[i]!)).toBeLessThan(0.01 * own + 1e-6);
    }
  });
});
