import { docOf } from '../documents.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyLab } from '../../lab/haproxy.js';
import { sendRequests } from '../../lab/backends.js';
import { infoDoc, masterSource, pollOnce, statDoc } from './helpers.js';

describe('one HAProxy 2.6 worker through the master CLI', () => {
  let lab: HaproxyLab;
  beforeAll(async () => {
    lab = await HaproxyLab.start();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('samples every row of the worker with the right values', async () => {
    const source = masterSource(lab.masterSocket);
    const [pid] = (await lab.workers()).current;
    const n = await pollOnce(source);
    expect(n.error).toBeUndefined();
    expect(n.derived.errors).toEqual([]);
    expect(n.problems).toEqual([]);
    expect(n.processes).toHaveLength(1);
    expect(n.processes[0]!.prefix).toBe('@1');
    expect(n.processes[0]!.identity).toMatchObject({ pid, num: 1, old: false, stopping: false, reloads: 0 });
    const stat = n.events.filter((e) => e.dataset === 'haproxy.stat');
    // fe_main, be_app (app1, app2, down1, BACKEND), be_slow (slow1, BACKEND), li_both (FRONTEND, t1, BACKEND)
    expect(stat.map((e) => `${(docOf(e) as any).haproxy.stat.proxy.name}/${(docOf(e) as any).haproxy.stat.service_name}`)).toEqual([
      'fe_main/FRONTEND',
      'be_app/app1',
      'be_app/app2',
      'be_app/down1',
      'be_app/BACKEND',
      'be_slow/slow1',
      'be_slow/BACKEND',
      'li_both/FRONTEND',
      'li_both/t1',
      'li_both/BACKEND',
    ]);
    expect(n.events.filter((e) => e.dataset === 'haproxy.info')).toHaveLength(1);
    expect(statDoc(n.events, pid!, 'be_app', 'app1').haproxy.stat.status).toBe('UP');
    expect(statDoc(n.events, pid!, 'be_app', 'down1').haproxy.stat.status).toBe('DOWN');
    expect(statDoc(n.events, pid!, 'be_app', 'down1').haproxy.stat.check.status).toBe('L4CON');
    expect(statDoc(n.events, pid!, 'li_both', 't1').haproxy.stat.tracked.name).toBe('be_app/app1');
    expect(statDoc(n.events, pid!, 'be_app', 'BACKEND').haproxy.stat.server.active).toBe(2);
    expect(statDoc(n.events, pid!, 'fe_main', 'FRONTEND').haproxy.stat.component).toBe('frontend');
    const info = infoDoc(n.events, pid!);
    expect(info.haproxy.info.process_num).toBe(1);
    expect(info.haproxy.version).toMatch(/^2\.6\./);
    expect(new Set(n.events.map((e) => e.id)).size).toBe(n.events.length);
  });

  it('counts exactly N requests between two polls, and CumReq grows by N plus the CLI commands', async () => {
    const source = masterSource(lab.masterSocket);
    const [pid] = (await lab.workers()).current;
    const a = await pollOnce(source);
    const N = 37;
    const codes = await sendRequests(lab.ports.fe, N);
    expect(codes.filter((c) => c === 200)).toHaveLength(N);
    const b = await pollOnce(source);
    const fe = (n: typeof a) => statDoc(n.events, pid!, 'fe_main', 'FRONTEND').haproxy.stat;
    expect(fe(b).response.http['2xx'] - fe(a).response.http['2xx']).toBe(N);
    expect(fe(b).request.total - fe(a).request.total).toBe(N);
    const be = (n: typeof a) => statDoc(n.events, pid!, 'be_app', 'BACKEND').haproxy.stat;
    expect(be(b).session.total - be(a).session.total).toBe(N);
    const app = (n: typeof a, s: string) => statDoc(n.events, pid!, 'be_app', s).haproxy.stat.session.total as number;
    expect(app(b, 'app1') - app(a, 'app1') + app(b, 'app2') - app(a, 'app2')).toBe(N);
    expect(app(b, 'down1') - app(a, 'down1')).toBe(0);
    // Each CLI command is one request of the worker: between the two show info answers come the first
    // poll's show stat, its show stat typed and show info typed (fetched once per HAProxy version, for the
    // field natures), and the second poll's own show info.
    const cum = (n: typeof a) => infoDoc(n.events, pid!).haproxy.info.requests.total as number;
    expect(cum(b) - cum(a)).toBe(N + 4);
    // The typed output is not fetched again: from now on, two commands per poll.
    const c = await pollOnce(source);
    expect(cum(c) - cum(b)).toBe(2);
  });
});
