import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyLab } from '../../lab/haproxy.js';
import { holdRequest, sendRequests } from '../../lab/backends.js';
import { waitFor } from '../../lab/ports.js';
import { infoDoc, masterSource, pollOnce, statDoc } from './helpers.js';

describe('HAProxy 2.6 reload while a connection is held', () => {
  let lab: HaproxyLab;
  beforeAll(async () => {
    lab = await HaproxyLab.start();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('samples the new and the old worker, flags the old one and reaches it by @!pid', async () => {
    await sendRequests(lab.ports.fe, 5);
    const held = holdRequest(lab.ports.fe, '/slow/held');
    await held.connected;
    const [oldPid] = (await lab.workers()).current;
    await waitFor('the held request at slow1', async () => {
      const n = await pollOnce(masterSource(lab.masterSocket));
      return statDoc(n.events, oldPid!, 'be_slow', 'slow1').haproxy.stat.session.current === 1;
    });
    const [newPid] = await lab.reload();
    expect(newPid).not.toBe(oldPid);

    const n = await pollOnce(masterSource(lab.masterSocket));
    expect(n.error).toBeUndefined();
    expect(n.derived.errors).toEqual([]);
    expect(n.processes.map((p) => [p.prefix, p.identity.pid, p.identity.old, p.identity.stopping, p.identity.reloads])).toEqual([
      ['@1', newPid, false, false, 0],
      [`@!${oldPid}`, oldPid, true, true, 1],
    ]);
    // Every row of both processes, each process tagged on every document.
    expect(n.events.filter((e) => e.dataset === 'haproxy.stat')).toHaveLength(20);
    expect(n.events.filter((e) => e.dataset === 'haproxy.info')).toHaveLength(2);
    const oldInfo = infoDoc(n.events, oldPid!);
    expect(oldInfo.haproxy.process).toMatchObject({ old: true, stopping: true, num: 1, pid: oldPid });
    expect(oldInfo.haproxy.info.stopping).toBe(1);
    // The old worker keeps its own counters: 5 requests plus the held one; the new one starts from zero.
    const oldFe = statDoc(n.events, oldPid!, 'fe_main', 'FRONTEND').haproxy.stat;
    expect(oldFe.status).toBe('STOP');
    expect(oldFe.response.http['2xx']).toBe(5);
    expect(oldFe.session.total).toBe(6);
    expect(statDoc(n.events, oldPid!, 'be_slow', 'slow1').haproxy.stat.session.current).toBe(1);
    const newFe = statDoc(n.events, newPid!, 'fe_main', 'FRONTEND').haproxy.stat;
    expect(newFe.status).toBe('OPEN');
    expect(newFe.session.total).toBe(0);
    expect(new Set(n.events.map((e) => e.id)).size).toBe(22);

    // With include_old_workers off, only the current worker is sampled.
    const onlyNew = await pollOnce(masterSource(lab.masterSocket, false));
    expect(onlyNew.processes.map((p) => p.identity.pid)).toEqual([newPid]);

    // Once the held request ends (the server closes it), the old worker exits and is no longer listed.
    held.abort();
    lab.blackhole.dropConnections();
    await waitFor('the old worker to exit', async () => (await lab.workers()).old.length === 0, 15_000);
    const after = await pollOnce(masterSource(lab.masterSocket));
    expect(after.processes.map((p) => p.identity.pid)).toEqual([newPid]);
  });
});
