import { afterAll, describe, expect, it } from 'vitest';
import { HaproxyLab } from '../harness/haproxy.js';
import { holdRequest, sendRequests } from '../harness/backends.js';
import { TargetProcessor } from '../../src/process/target-processor.js';
import { docOf } from '../../src/normalize/documents.js';
import { agent, masterSource } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('rates that survive a reload (HAProxy 2.6)', () => {
  let lab: HaproxyLab;
  afterAll(async () => {
    await lab?.stop();
  });

  it('constant traffic across a reload: the total request rate stays within 10%, per-process rates hand over', async () => {
    lab = await HaproxyLab.start();
    const source = masterSource(lab.masterSocket);
    const processor = new TargetProcessor({ agent, periodMs: 1000, namespace: 'default' });
    // Constant offered load: one request every 10 ms on a fixed grid, each on its own (a request caught in
    // the old worker's closing listener during the reload must not hold up the others).
    let running = true;
    const t0 = Date.now();
    const inflight: Promise<unknown>[] = [];
    const traffic = (async () => {
      for (let k = 0; running; k++) {
        inflight.push(sendRequests(lab.ports.fe, 1).catch(() => undefined));
        await sleep(Math.max(0, t0 + (k + 1) * 10 - Date.now()));
      }
    })();
    const polls: { total?: number; perProcess: Map<number, number | undefined>; oldPids: number[] }[] = [];
    let held: { abort(): void } | undefined;
    for (let i = 0; i < 10; i++) {
      await sleep(Math.max(0, t0 + 1000 + i * 1000 - Date.now()));
      if (i === 4) {
        held = holdRequest(lab.ports.fe, '/slow/held');
        await sleep(100);
        await lab.reload();
      }
      const n = processor.process(await source.poll());
      const fe = n.events.filter((e) => e.dataset === 'haproxy.stat').map((e) => docOf(e) as any).filter((d) => d.haproxy.stat.proxy.name === 'fe_main'); // eslint-disable-line @typescript-eslint/no-explicit-any
      const total = fe.find((d) => d.haproxy.process.scope === 'all')?.haproxy.stat.request.rate_per_s;
      const perProcess = new Map<number, number | undefined>(fe.filter((d) => d.haproxy.process.scope === 'process').map((d) => [d.process.pid, d.haproxy.stat.request.rate_per_s]));
      polls.push({ total, perProcess, oldPids: n.parts.filter((p) => p.identity.old).map((p) => p.identity.pid!) });
    }
    running = false;
    await traffic;
    await Promise.all(inflight);
    held?.abort();
    lab.blackhole.dropConnections();

    expect(polls[0]!.total).toBeUndefined(); // no rate before a second sample
    const totals = polls.slice(1).map((p) => p.total!);
    expect(totals.every((x) => typeof x === 'number')).toBe(true);
    if (process.env.HAPBEAT_PRINT_RATES) console.log(`total fe_main request.rate_per_s per poll: ${totals.join(", ")}`);
    const median = [...totals].sort((a, b) => a - b)[Math.floor(totals.length / 2)]!;
    expect(median).toBeGreaterThan(50);
    for (const [i, x] of totals.entries()) expect(Math.abs(x - median) / median, `poll ${i + 1}: ${x} vs median ${median} (${totals.join(', ')})`).toBeLessThan(0.1);
    // The hand-over: after the reload the old worker is still sampled, and its rate drops to about zero
    // while the new worker's rate carries the traffic.
    const after = polls.at(-1)!;
    expect(after.oldPids).toHaveLength(1);
    const oldRate = after.perProcess.get(after.oldPids[0]!)!;
    const newPid = [...after.perProcess.keys()].find((p) => !after.oldPids.includes(p))!;
    expect(oldRate).toBeLessThan(median * 0.1);
    expect(Math.abs(after.perProcess.get(newPid)! - median) / median).toBeLessThan(0.1);
    // The reload poll: the new worker has no rate of its own yet, but the total does not dip.
    const reloadPoll = polls[4]!;
    const freshPid = [...reloadPoll.perProcess.keys()].find((p) => !reloadPoll.oldPids.includes(p))!;
    expect(reloadPoll.perProcess.get(freshPid)).toBeUndefined();
  });
});
