import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HaproxyLab } from '../../lab/haproxy.js';
import { FaultProxy } from '../../lab/fault-proxy.js';
import { waitFor } from '../../lab/ports.js';
import { decodePayload, readHeader, RECORD_HEADER_BYTES } from '../../src/pipeline/spool-format.js';
import { count, hapbeatCli, HapbeatProcess } from './helpers.js';

const url = inject('esUrl');
const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
/** The tests that run hapbeat as "nobody" need a repository that user can read (not a clone in a private folder). */
const nobodyReadsRepo =
  isRoot &&
  (() => {
    try {
      execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'test', '-r', path.resolve('bin/hapbeat.js')]);
      return true;
    } catch {
      return false;
    }
  })();
if (isRoot && !nobodyReadsRepo)
  console.log('the tests that run hapbeat as nobody are skipped: nobody cannot read this repository (chmod o+rx its parent folders)');
const nobody = isRoot
  ? { uid: Number(execFileSync('id', ['-u', 'nobody']).toString()), gid: Number(execFileSync('id', ['-g', 'nobody']).toString()) }
  : undefined;
const fast = [
  '--period',
  '200ms',
  '-E',
  'output.elasticsearch.backoff.init=100ms',
  '-E',
  'output.elasticsearch.backoff.max=500ms',
  '-E',
  'output.elasticsearch.flush_interval=100ms',
];

/** A data directory the `nobody` user owns (for the tests that need a user that permissions apply to). */
function nobodyDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-nobody-'));
  chownSync(d, nobody!.uid, nobody!.gid);
  return d;
}

/** Documents of the stat and info data streams, and of haproxy.process. */
async function indexed(ns: string): Promise<{ stat: number; info: number; process: number }> {
  return {
    stat: await count(url, `metrics-haproxy.stat-${ns}`),
    info: await count(url, `metrics-haproxy.info-${ns}`),
    process: await count(url, `metrics-haproxy.process-${ns}`),
  };
}

function produced(...runs: HapbeatProcess[]): { stat: number; info: number } {
  let stat = 0;
  let info = 0;
  for (const r of runs) {
    const p = r.polled();
    stat += p.stat;
    info += p.info;
  }
  return { stat, info };
}

/** Waits for 2 × `n` more polls, sampling the agent's RSS every 2 polls. */
async function pollsWithRss(hb: HapbeatProcess, n: number): Promise<number[]> {
  const rss: number[] = [];
  for (let i = 0; i < n; i++) {
    await hb.waitPolls(hb.polled().polls + 2);
    rss.push(hb.rssMb());
  }
  return rss;
}

/** SIGTERM, exit 0, and every document of every logged poll indexed, none dropped; returns the final counters. */
async function stopAndExpectAllIndexed(hb: HapbeatProcess, ns: string): Promise<Record<string, number>> {
  expect(await hb.stop()).toBe(0);
  const p = produced(hb);
  const es = await indexed(ns);
  expect(es.stat).toBe(p.stat);
  expect(es.info).toBe(p.info);
  const c = hb.lastCounters()!;
  expect(c.output_dropped).toBe(0);
  return c;
}

describe('the disk queue under disk faults (real HAProxy, real Elasticsearch)', () => {
  let lab: HaproxyLab;
  beforeAll(async () => {
    lab = await HaproxyLab.start({ masterSocketForAll: true });
    expect((await hapbeatCli(['setup', '--es', url])).code).toBe(0);
  });
  afterAll(async () => {
    await HapbeatProcess.killAll();
    await lab?.stop();
  });

  it.runIf(nobodyReadsRepo)(
    'the spool directory is not writable at start: the agent says so (and test output too), keeps polling and delivers from memory, losing nothing',
    async () => {
      const parent = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-rootonly-'));
      chmodSync(parent, 0o755); // root's, so nobody cannot create the spool in it
      const spool = path.join(parent, 'spool');
      const ns = 'unwritablestart';
      const hb = new HapbeatProcess(['-t', lab.masterSocket, '--es', url, '--namespace', ns, ...fast], nobodyDir(), { user: 'nobody', spool });
      await waitFor('the spool error', () => hb.said('is not writable (EACCES while opening it)').length > 0, 20_000);
      const rss = await pollsWithRss(hb, 10);
      const check: { code?: number; stdout: string } = await run('setpriv', [
        '--reuid=nobody',
        '--regid=nogroup',
        '--clear-groups',
        process.execPath,
        'bin/hapbeat.js',
        'test',
        'output',
        '--es',
        url,
        '-E',
        `queue.disk.path=${spool}`,
      ]).catch((e: { code: number; stdout: string }) => e);
      expect(check.code).toBe(1);
      expect(check.stdout).toContain(`FAIL  the spool directory ${spool} is not writable (EACCES while writing a test file)`);
      const c = await stopAndExpectAllIndexed(hb, ns);
      expect(c.output_spooled).toBe(0);
      expect(hb.said('is not writable').length).toBeLessThan(5); // rate-limited, not once per poll
      expect(Math.max(...rss)).toBeLessThan(300);
    },
  );

  it.runIf(nobodyReadsRepo)(
    'the spool directory becomes unwritable while running, then writable again: polling goes on, nothing is lost, the agent says when it recovers',
    async () => {
      const data = nobodyDir();
      const spool = path.join(data, 'spool');
      const ns = 'unwritablerun';
      const hb = new HapbeatProcess(['-t', lab.masterSocket, '--es', url, '--namespace', ns, ...fast, '-E', 'queue.disk.segment_bytes=64KiB'], data, {
        user: 'nobody',
        spool,
      });
      await hb.waitPolls(3);
      chmodSync(spool, 0o555);
      await waitFor('the spool error', () => hb.said('is not writable (EACCES').length > 0, 30_000);
      const rss = await pollsWithRss(hb, 5);
      chmodSync(spool, 0o755);
      await waitFor('the recovery', () => hb.said('the spool accepts documents again').length > 0, 30_000);
      await hb.waitPolls(hb.polled().polls + 3);
      const c = await stopAndExpectAllIndexed(hb, ns);
      expect(c.output_spool_errors).toBeGreaterThan(0);
      expect(Math.max(...rss)).toBeLessThan(300);
    },
  );

  it.runIf(isRoot)(
    'the disk fills up (a 256 KiB tmpfs) during an outage: no crash, every loss counted in documents, everything the disk held delivered',
    async () => {
      const mnt = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-tmpfs-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
      let up = false;
      const proxy = new FaultProxy(url, () => (up ? { kind: 'pass' } : { kind: 'status', status: 503 }));
      await proxy.start();
      try {
        const ns = 'diskfull';
        const hb = new HapbeatProcess(
          [
            '-t',
            lab.masterSocket,
            '--es',
            proxy.url,
            '--namespace',
            ns,
            ...fast,
            '-E',
            'queue.disk.segment_bytes=64KiB',
            '-E',
            'queue.disk.max_bytes=64MiB',
            '-E',
            'queue.max_events=200',
          ],
          undefined,
          { spool: path.join(mnt, 'spool') },
        );
        await waitFor('the disk to fill', () => hb.said('is full (ENOSPC').length > 0, 60_000);
        await waitFor('the memory overflow to fill too', () => hb.said('of the newest poll not kept').length > 0, 60_000);
        const pid = hb.proc.pid;
        up = true;
        await waitFor('the backlog to be delivered', () => hb.said('backlog delivered').length > 0, 120_000);
        await hb.waitPolls(hb.polled().polls + 3);
        expect(hb.proc.pid).toBe(pid); // one process all along: no crash, no restart
        expect(await hb.stop()).toBe(0);
        const c = hb.lastCounters()!;
        const es = await indexed(ns);
        const p = produced(hb);
        expect(c.output_queued).toBe(p.stat + p.info + c.lifecycle_events!);
        expect(c.output_dropped).toBeGreaterThan(0);
        expect(c.output_pending).toBe(0);
        expect(es.stat + es.info + es.process + c.output_dropped!).toBe(c.output_queued);
        expect(c.output_spool_errors).toBeGreaterThan(0);
      } finally {
        await HapbeatProcess.killAll();
        await proxy.stop();
        execFileSync('umount', [mnt]);
      }
    },
  );

  it('a flipped byte in a middle record of the spool: that record is skipped and counted, every other record is delivered', async () => {
    const proxy = new FaultProxy(url, () => ({ kind: 'status', status: 503 }));
    await proxy.start();
    const ns = 'flipped';
    const a = new HapbeatProcess(['-t', lab.masterSocket, '--es', proxy.url, '--namespace', ns, ...fast]);
    await a.waitPolls(8);
    expect(await a.stop()).toBe(0);
    await proxy.stop();
    const spool = path.join(a.dir, 'spool');
    const seg = path.join(
      spool,
      readdirSync(spool)
        .filter((f) => f.endsWith('.seg'))
        .sort()[0]!,
    );
    const buf = readFileSync(seg);
    const starts: number[] = [];
    for (let off = 0; off < buf.length;) {
      const h = readHeader(buf, off);
      if (typeof h !== 'object') throw new Error(`no record at ${off}`);
      starts.push(off);
      off += RECORD_HEADER_BYTES + h.length;
    }
    expect(starts.length).toBeGreaterThanOrEqual(8);
    const victim = starts[3]!;
    const h = readHeader(buf, victim) as { length: number; count: number; compressed: boolean };
    const lost = decodePayload(buf.subarray(victim + RECORD_HEADER_BYTES, victim + RECORD_HEADER_BYTES + h.length), h.compressed);
    buf[victim + RECORD_HEADER_BYTES + Math.floor(h.length / 2)]! ^= 0x04;
    writeFileSync(seg, buf);
    const b = new HapbeatProcess(['-t', lab.masterSocket, '--es', url, '--namespace', ns, ...fast], a.dir);
    await waitFor('the backlog to be delivered', () => b.said('backlog delivered').length > 0, 60_000);
    await b.waitPolls(b.polled().polls + 2);
    expect(await b.stop()).toBe(0);
    const c = b.lastCounters()!;
    expect(c.output_quarantined).toBe(h.count);
    expect(c.output_dropped).toBe(h.count);
    expect(b.said('a damaged record was skipped')).toHaveLength(1);
    expect(readdirSync(path.join(spool, 'quarantine'))).toHaveLength(1);
    const p = produced(a, b);
    const es = await indexed(ns);
    expect(es.stat).toBe(p.stat - lost.filter((e) => e.dataset === 'haproxy.stat').length);
    expect(es.info).toBe(p.info - lost.filter((e) => e.dataset === 'haproxy.info').length);
  });

  it('two agents on one spool directory: the second refuses to start, naming the first', async () => {
    const a = new HapbeatProcess(['-t', lab.masterSocket, '--es', url, '--namespace', 'twoagents', ...fast]);
    await a.waitPolls(2);
    const b = await hapbeatCli(['run', '-t', lab.masterSocket, '--es', url, '-E', `queue.disk.path=${path.join(a.dir, 'spool')}`]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(
      `the spool directory ${path.join(a.dir, 'spool')} is in use by another hapbeat (pid ${a.proc.pid} on ${os.hostname()}): give each agent its own queue.disk.path`,
    );
    expect(await a.stop()).toBe(0);
  });
});
