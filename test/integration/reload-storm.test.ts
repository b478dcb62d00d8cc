import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { HaproxyLab, matrixBinaries } from '../../lab/haproxy.js';
import { masterSource, pollOnce } from './helpers.js';
import { masterConnections, ownSockets } from '../harness/sockets.js';
import { waitFor } from '../../lab/ports.js';

let lab: HaproxyLab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

describe.each(matrixBinaries().map((b) => [b.major, b] as const))('HAProxy %s: a reload storm', (major, binary) => {
  it('10 reloads in 10 s while polling every second: no crash, no leaked master connection, every surviving worker sampled', async () => {
    lab = await HaproxyLab.start({ binary, nbproc: major === '2.2' ? 3 : undefined });
    const source = masterSource(lab.masterSocket);
    const sockets0 = ownSockets();
    let reloads = 0;
    const storm = (async () => {
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        process.kill(lab!.masterPid, 'SIGUSR2');
        reloads++;
      }
    })();
    const polls: { lived: number[]; sampled: number[]; errors: string[] }[] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < 11_500) {
      const before = await lab.workers().catch(() => ({ current: [], old: [] }));
      const n = await pollOnce(source);
      const after = await lab.workers().catch(() => ({ current: [], old: [] }));
      const all = (w: { current: number[]; old: number[] }) => new Set([...w.current, ...w.old]);
      const a = all(after);
      polls.push({
        lived: [...all(before)].filter((p) => a.has(p)),
        sampled: n.processes.map((p) => p.identity.pid!),
        errors: [n.error?.message, ...n.derived.errors.map((e) => e.error.message)].filter((x): x is string => !!x),
      });
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - ((Date.now() - t0) % 1000))));
    }
    await storm;
    expect(reloads).toBe(10);
    expect(polls.length).toBeGreaterThanOrEqual(10);
    // The master survived: it answers, and lists the workers of the last generation.
    const end = await lab.workers();
    expect(end.current.length).toBe(major === '2.2' ? 3 : 1);
    for (const p of polls) {
      for (const pid of p.lived) expect(p.sampled, `poll missed pid ${pid} (errors: ${p.errors.join('; ')})`).toContain(pid);
    }
    // A leaked connection never goes away; a closed one leaves the master's list within moments.
    await waitFor('no master connection left', () => masterConnections(lab!.masterSocket) === 0, 10_000);
    // The count does see a connection that is left open (so the assertion above can fail).
    const held = net.createConnection({ path: lab.masterSocket });
    await new Promise((r) => held.on('connect', r));
    // The master lists it once it has accepted it (after a storm, on a busy machine, that takes a moment).
    await waitFor('the held connection to be accepted', () => masterConnections(lab!.masterSocket) === 1, 10_000);
    held.destroy();
    expect(ownSockets()).toBe(sockets0);
  });
});
