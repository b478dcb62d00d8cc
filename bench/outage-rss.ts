/**
 * Benchmark 3: hapbeat's memory during a 2-minute Elasticsearch outage, polling HAProxy with 2,000 servers
 * every second. The spool should grow, the resident memory should not.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HaproxyLab } from '../lab/haproxy.js';
import { median, rssMb, spawnHapbeat } from './proc.js';
import { freePort } from '../lab/ports.js';

export interface OutageRssResult {
  seconds: number;
  samples: { t: number; rssMb: number }[];
  peakRssMb: number;
  /** Median of the samples after the first 10 s (the spool and the heap settle in). */
  medianRssMb: number;
  spoolBytes: number;
  polls: number;
  /** Documents kept in the spool when hapbeat stopped (the backlog a restart replays). */
  pending: number;
  /** The spool directory, left in place for benchReplay. */
  spoolDir: string;
}

export async function benchOutageRss(lab: HaproxyLab, seconds = 120): Promise<OutageRssResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-rss-'));
  const deadPort = await freePort(); // nothing listens there: Elasticsearch is "down" for the whole run
  const hb = spawnHapbeat(
    [
      'run',
      '-t',
      lab.masterSocket,
      '--period',
      '1s',
      '--es',
      `http://127.0.0.1:${deadPort}`,
      '--log-level',
      'info',
      '-E',
      `queue.disk.path=${path.join(dir, 'spool')}`,
      '-E',
      'queue.disk.max_bytes=4GiB',
      '-E',
      'output.elasticsearch.backoff.max=5s',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { HAPBEAT_PATH_DATA: dir } },
  );
  let logs = '';
  hb.stderr!.on('data', (d) => (logs = (logs + d).slice(-200_000)));
  const out: OutageRssResult['samples'] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    out.push({ t: Math.round((Date.now() - t0) / 1000), rssMb: rssMb(hb.pid!) });
  }
  hb.kill('SIGTERM');
  await new Promise((r) => hb.on('exit', r));
  const status = logs
    .split('\n')
    .filter((l) => l.includes('"counters"'))
    .at(-1);
  const counters = status ? (JSON.parse(status).counters as Record<string, number>) : {};
  return {
    seconds,
    samples: out,
    peakRssMb: Math.max(...out.map((s) => s.rssMb)),
    medianRssMb: median(out.filter((s) => s.t > 10).map((s) => s.rssMb)),
    spoolBytes: counters.output_spool_bytes ?? 0,
    polls: counters.polls ?? 0,
    pending: counters.output_pending ?? 0,
    spoolDir: path.join(dir, 'spool'),
  };
}
