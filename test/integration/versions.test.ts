import { docOf } from '../documents.js';
import { afterEach, describe, expect, it } from 'vitest';
import { HaproxyLab, matrixBinaries } from '../../lab/haproxy.js';
import { holdRequest, sendRequests } from '../../lab/backends.js';
import { waitFor } from '../../lab/ports.js';
import { agent, masterSource, pollOnce, statDoc } from './helpers.js';
import { PollTransform } from '../../src/pipeline/transform.js';

const binaries = matrixBinaries();
let lab: HaproxyLab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

describe.each(binaries.map((b) => [b.major, b] as const))('HAProxy %s through the master CLI', (major, binary) => {
  const nbproc = major === '2.2' ? 3 : 1;

  it(`samples every process (${nbproc}), each tagged with its relative number and OS pid`, async () => {
    lab = await HaproxyLab.start({ binary, nbproc: nbproc > 1 ? nbproc : undefined });
    const pids = (await lab.workers()).current;
    const n = await pollOnce(masterSource(lab.masterSocket));
    expect(n.error).toBeUndefined();
    expect(n.derived.errors).toEqual([]);
    expect(n.problems).toEqual([]);
    expect(n.unknownColumns).toEqual([]);
    expect(n.processes.map((p) => p.prefix)).toEqual(Array.from({ length: nbproc }, (_, i) => `@${i + 1}`));
    expect(n.processes.map((p) => p.identity.num)).toEqual(Array.from({ length: nbproc }, (_, i) => i + 1));
    expect(new Set(n.processes.map((p) => p.identity.pid))).toEqual(new Set(pids));
    for (const p of n.processes) {
      expect(p.statDocs).toBe(10);
      expect(p.identity).toMatchObject({ old: false, stopping: false, version: binary.version });
      expect(p.identity.startTime).toBeGreaterThan(1_700_000_000);
    }
    expect(new Set(n.events.map((e) => e.id)).size).toBe(n.events.length);
  });

  if (nbproc > 1) {
    it('N requests spread across the processes: the per-process 2xx deltas sum to exactly N, each sees only a part', async () => {
      lab = await HaproxyLab.start({ binary, nbproc });
      const source = masterSource(lab.masterSocket);
      const a = await pollOnce(source);
      const N = 90;
      expect((await sendRequests(lab.ports.fe, N)).filter((c) => c === 200)).toHaveLength(N);
      const b = await pollOnce(source);
      const deltas = b.processes.map((p) => {
        const before = statDoc(a.events, p.identity.pid!, 'fe_main', 'FRONTEND').haproxy.stat.response.http['2xx'] as number;
        const after = statDoc(b.events, p.identity.pid!, 'fe_main', 'FRONTEND').haproxy.stat.response.http['2xx'] as number;
        return after - before;
      });
      expect(deltas).toHaveLength(nbproc);
      expect(deltas.reduce((x, y) => x + y, 0)).toBe(N);
      for (const d of deltas) expect(d).toBeLessThan(N);
    });

    it('the totals (scope: all) equal hand-computed sums of the per-process documents of the same poll', async () => {
      lab = await HaproxyLab.start({ binary, nbproc });
      await sendRequests(lab.ports.fe, 60);
      const n = new PollTransform({ agent, periodMs: 1000, namespace: 'default' }).run(await masterSource(lab.masterSocket).poll());
      const docs = n.events.map((e) => docOf(e) as any);
      const stat = docs.filter((d) => d.event.dataset === 'haproxy.stat');
      const row = (scope: string, px: string, sv: string) =>
        stat.filter((d) => d.haproxy.process.scope === scope && d.haproxy.stat.proxy.name === px && d.haproxy.stat.service_name === sv);
      expect(row('process', 'fe_main', 'FRONTEND')).toHaveLength(nbproc);
      expect(row('all', 'fe_main', 'FRONTEND')).toHaveLength(1);
      const sum = (px: string, sv: string, get: (s: any) => number) => row('process', px, sv).reduce((a, d) => a + get(d.haproxy.stat), 0);
      const total = (px: string, sv: string) => row('all', px, sv)[0].haproxy.stat;
      expect(total('fe_main', 'FRONTEND').response.http['2xx']).toBe(sum('fe_main', 'FRONTEND', (s) => s.response.http['2xx']));
      expect(total('fe_main', 'FRONTEND').response.http['2xx']).toBe(60);
      expect(total('fe_main', 'FRONTEND').in.bytes).toBe(sum('fe_main', 'FRONTEND', (s) => s.in.bytes));
      expect(total('be_app', 'app1').session.total).toBe(sum('be_app', 'app1', (s) => s.session.total));
      expect(total('fe_main', 'FRONTEND').session.limit).toBe(sum('fe_main', 'FRONTEND', (s) => s.session.limit)); // each current process has its own
      expect(total('be_app', 'BACKEND').server.active).toBe(2); // counted once
      expect(total('be_app', 'down1').status).toBe('DOWN');
      const info = docs.filter((d) => d.event.dataset === 'haproxy.info');
      const infoAll = info.find((d) => d.haproxy.process.scope === 'all')!.haproxy.info;
      const infoProc = info.filter((d) => d.haproxy.process.scope === 'process');
      expect(infoAll.requests.total).toBe(infoProc.reduce((a, d) => a + d.haproxy.info.requests.total, 0));
      expect(infoAll.connection.max).toBe(infoProc.reduce((a, d) => a + d.haproxy.info.connection.max, 0)); // limits add up over current processes
      expect(infoAll.idle.pct).toBe(infoProc.reduce((a, d) => a + d.haproxy.info.idle.pct, 0) / nbproc); // an average
      expect(infoAll.processes).toBe(nbproc); // configuration
      expect(n.derived.instance?.naturesSource).toBe('haproxy');
    });
  }

  it('a reload with a held connection: the old worker is sampled by @!pid, flagged, and keeps its own counters', async () => {
    lab = await HaproxyLab.start({ binary, nbproc: nbproc > 1 ? nbproc : undefined });
    await sendRequests(lab.ports.fe, 12);
    const held = holdRequest(lab.ports.fe, '/slow/held');
    await held.connected;
    const before = (await lab.workers()).current;
    // The process that holds the request (any of the nbproc on 2.2).
    const holder = await waitFor('the held request at slow1', async () => {
      const n = await pollOnce(masterSource(lab!.masterSocket));
      return n.processes.find((p) => statDoc(n.events, p.identity.pid!, 'be_slow', 'slow1').haproxy.stat.session.current === 1)?.identity.pid;
    });
    const sent = new Map<number, number>();
    const snap = await pollOnce(masterSource(lab.masterSocket));
    for (const p of snap.processes) sent.set(p.identity.pid!, statDoc(snap.events, p.identity.pid!, 'fe_main', 'FRONTEND').haproxy.stat.response.http['2xx']);
    const fresh = await lab.reload();
    await waitFor('the old processes without a held request to exit', async () => (await lab!.workers()).old.length === 1, 15_000);
    // Listed as old is not yet stopping: HAProxy tells the old worker to stop once the new one is ready, which
    // on a busy machine comes later. Until then it still serves, and says Stopping: 0.
    const n = await waitFor(
      'the old worker to say it is stopping',
      async () => {
        const p = await pollOnce(masterSource(lab!.masterSocket));
        return p.processes.some((x) => x.identity.pid === holder && x.identity.stopping) ? p : undefined;
      },
      15_000,
      200,
    );
    expect(n.derived.errors).toEqual([]);
    const old = n.processes.filter((p) => p.identity.old);
    // Reached by @!pid, or by @1 when the master still routes @1 to it mid-reload (3.2 on a busy machine).
    expect(old.map((p) => [p.identity.pid, p.identity.stopping])).toEqual([[holder, true]]);
    expect(new Set(n.processes.map((p) => p.identity.pid)).size).toBe(n.processes.length); // each process once
    expect(before).toContain(holder);
    expect(
      n.processes
        .filter((p) => !p.identity.old)
        .map((p) => p.identity.pid)
        .sort(),
    ).toEqual([...fresh].sort());
    if (major === '2.2') {
      // 2.2 old workers answer show stat with the header only: an info document, no stat rows, no error.
      expect(old[0]!.statDocs).toBe(0);
      expect(old[0]!.infoDocs).toBe(1);
    } else {
      expect(old[0]!.statDocs).toBe(10);
      const fe = statDoc(n.events, holder!, 'fe_main', 'FRONTEND').haproxy.stat;
      expect(fe.status).toBe('STOP');
      expect(fe.response.http['2xx']).toBe(sent.get(holder!));
      expect(statDoc(n.events, holder!, 'be_slow', 'slow1').haproxy.stat.session.current).toBe(1);
    }
    held.abort();
    lab.blackhole.dropConnections();
  });

  it('a failed reload (broken config): the serving worker stays live (Stopping: 0) whatever section lists it', async () => {
    lab = await HaproxyLab.start({ binary, nbproc: nbproc > 1 ? nbproc : undefined });
    const serving = (await lab.workers()).current.sort();
    lab.writeConfig(`${lab.configText()}\nthis is not haproxy configuration\n`);
    process.kill(lab.masterPid, 'SIGUSR2');
    await waitFor(
      'the failed reload to show in show proc',
      async () => {
        const t = await lab!.command('show proc');
        return major === '2.2' ? /^\d+\s+master\s+0\s+1\s/m.test(t) : /\[failed: 1\]/.test(t);
      },
      15_000,
    );
    const n = await pollOnce(masterSource(lab.masterSocket));
    expect(n.derived.errors).toEqual([]);
    expect(n.processes.map((p) => p.identity.pid).sort()).toEqual(serving);
    for (const p of n.processes) expect(p.identity).toMatchObject({ old: false, stopping: false });
  });
});
