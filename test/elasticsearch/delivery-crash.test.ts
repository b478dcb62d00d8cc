import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HaproxyLab } from '../../lab/haproxy.js';
import { FaultProxy, type Fault } from '../../lab/fault-proxy.js';
import { waitFor } from '../../lab/ports.js';
import { all, count, HapbeatProcess, labBehindProxy, rowKey } from './helpers.js';

const url = inject('esUrl');
const fast = ['--period', '200ms', '-E', 'output.elasticsearch.backoff.init=100ms', '-E', 'output.elasticsearch.backoff.max=500ms'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small seeded generator, so that a failing round can be replayed (the seed is printed). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Stat documents of the polls an agent logged as accepted, and the size of one poll (constant in this lab). */
function loggedStat(runs: HapbeatProcess[]): { total: number; perPoll: Set<number> } {
  let total = 0;
  const perPoll = new Set<number>();
  for (const r of runs) {
    for (const l of r.said('polled ')) {
      const n = (l.documents as Record<string, number>)['haproxy.stat']!;
      perPoll.add(n);
      total += n;
    }
  }
  return { total, perPoll };
}

describe('the disk queue across kill -9 and SIGTERM (real HAProxy, real Elasticsearch)', () => {
  let lab: HaproxyLab;
  let proxy: FaultProxy;
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ lab, proxy, stop } = await labBehindProxy(url));
  });
  afterAll(async () => {
    await stop?.();
  });

  const crashes: [string, Fault][] = [
    ['a healthy Elasticsearch', { kind: 'pass' }],
    ['a slow Elasticsearch (every answer 1.5 s late)', { kind: 'slow', ms: 1500 }],
  ];
  crashes.forEach(([name, fault], i) => {
    it(`kill -9 at random moments, 10 rounds, with ${name}: every poll accepted before a kill is indexed exactly once after a restart`, async () => {
      const seed = 20261121 + i;
      const rnd = random(seed);
      const ns = `kill${i}`;
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-kill-'));
      proxy.plan = () => fault;
      const runs: HapbeatProcess[] = [];
      for (let round = 0; round < 10; round++) {
        const hb = new HapbeatProcess(['-t', lab.masterSocket, '--es', proxy.url, '--namespace', ns, ...fast], dir);
        runs.push(hb);
        await hb.waitPolls(1 + Math.floor(rnd() * 4));
        await sleep(Math.floor(rnd() * 400));
        hb.proc.kill('SIGKILL');
        await hb.exited;
      }
      const last = new HapbeatProcess(['-t', lab.masterSocket, '--es', url, '--namespace', ns, ...fast], dir);
      runs.push(last);
      await last.waitPolls(3);
      expect(await last.stop()).toBe(0);
      expect(last.lastCounters()!.output_pending).toBe(0);
      const logged = loggedStat(runs);
      expect(logged.perPoll.size).toBe(1);
      const perPoll = [...logged.perPoll][0]!;
      const indexed = await count(url, `metrics-haproxy.stat-${ns}`);
      const docs = await all(url, `metrics-haproxy.stat-${ns}`);
      expect(new Set(docs.map((d) => rowKey(d._source))).size).toBe(indexed); // nothing twice
      // Every logged poll is there; beyond them, at most the one poll per kill that was fsync'ed but not yet logged.
      const extra = indexed - logged.total;
      console.log(
        `kill -9 with ${name} (seed ${seed}): ${runs.length - 1} kills, ${logged.total / perPoll} polls logged, ${indexed} stat documents indexed (${extra / perPoll} accepted-but-unlogged polls), 0 duplicates`,
      );
      expect(extra % perPoll).toBe(0);
      expect(extra).toBeGreaterThanOrEqual(0);
      expect(extra / perPoll).toBeLessThanOrEqual(10);
    });
  });

  const stalls: [string, Fault][] = [
    ['answers only after 30 s', { kind: 'slow', ms: 30_000 }],
    ['never answers', { kind: 'hang' }],
  ];
  stalls.forEach(([name, fault], i) => {
    it(`SIGTERM while Elasticsearch ${name}: exit 0 within shutdown_timeout (+2 s), and after a restart nothing is lost or twice`, async () => {
      const ns = `sigterm${i}`;
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-sigterm-'));
      proxy.plan = () => fault;
      proxy.bulkRequests = 0;
      const a = new HapbeatProcess(['-t', lab.masterSocket, '--es', proxy.url, '--namespace', ns, ...fast, '-E', 'shutdown_timeout=3s'], dir);
      await waitFor('a bulk request in flight', () => proxy.bulkRequests >= 1, 30_000);
      await a.waitPolls(a.polled().polls + 3);
      expect(await a.stop()).toBe(0);
      const stopped = a.said('hapbeat stopped')[0]!;
      console.log(`SIGTERM while Elasticsearch ${name}: shutdown took ${String(stopped.shutdown_ms)} ms (deadline 3000 ms)`);
      expect(stopped.shutdown_ms as number).toBeLessThanOrEqual(5000);
      expect(a.said('stay in the spool for the next start')).toHaveLength(1);
      expect(a.logs).not.toContain('HAPBEAT_ERR_SPOOL_CLOSED');
      const b = new HapbeatProcess(['-t', lab.masterSocket, '--es', url, '--namespace', ns, ...fast], dir);
      await waitFor('the backlog to be delivered', () => b.said('backlog delivered').length > 0, 60_000);
      await b.waitPolls(b.polled().polls + 2);
      expect(await b.stop()).toBe(0);
      const logged = loggedStat([a, b]);
      const indexed = await count(url, `metrics-haproxy.stat-${ns}`);
      expect(indexed).toBe(logged.total);
      const docs = await all(url, `metrics-haproxy.stat-${ns}`);
      expect(new Set(docs.map((d) => rowKey(d._source))).size).toBe(indexed);
      expect(b.lastCounters()!.output_dropped).toBe(0);
    });
  });

  it('a second signal during the shutdown exits at once (130)', async () => {
    proxy.plan = () => ({ kind: 'hang' });
    const a = new HapbeatProcess(['-t', lab.masterSocket, '--es', proxy.url, '--namespace', 'twice', ...fast, '-E', 'shutdown_timeout=60s']);
    await a.waitPolls(2);
    a.proc.kill('SIGTERM');
    await waitFor('the shutdown to begin', () => a.said('received SIGTERM').length > 0, 10_000);
    a.proc.kill('SIGTERM');
    expect(await a.exited).toBe(130);
    expect(a.said('second SIGTERM: exiting at once')).toHaveLength(1);
  });
});
