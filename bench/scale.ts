/**
 * Benchmark 5: how hapbeat run's cost grows with HAProxy's size, and one agent on many HAProxy instances.
 * - The curve: 500, 2,000, 8,000 and 32,000 servers (100 per backend), one poll every 5 s, documents written
 *   to stdout (discarded) so that the figure is hapbeat's own work: collection, documents, rates, totals and
 *   serialization. CPU per poll from /proc over 6 polls after 2 warm-up polls; RSS sampled every second.
 * - Many instances: one agent polling 20 HAProxy of 2,000 servers each every 10 s; missed ticks are counted
 *   from run's own log ("skipped N tick(s)").
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HaproxyLab } from '../lab/haproxy.js';
import { waitFor } from '../lab/ports.js';
import { cpuMs, eachLine, rssMb, spawnHapbeat, stopProcess } from './proc.js';

/** What a generated configuration adds to its 2,000-style layout. */
export interface ConfigOptions {
  /** The worker's own stats socket too (for a peer that reads one socket). */
  statsSocket?: boolean;
  /**
   * The port of server `s` (its index in its backend); by default 30900 + s, where nothing listens (the
   * servers take no traffic).
   */
  serverPort?: (s: number) => number;
  /** fe_main sends `/be_<n>/...` to backend be_<n> (otherwise everything goes to be_0). */
  routeByPath?: boolean;
}

/** A HAProxy configuration with `servers` servers, 100 per backend, no health checks. */
export function configWith(servers: number, opts: ConfigOptions = {}): (lab: HaproxyLab) => string {
  const port = opts.serverPort ?? ((s: number) => 30900 + s);
  return (lab) => {
    const lines = [
      'global',
      '  nbthread 2',
      ...(opts.statsSocket ? [`  stats socket ${lab.workerSocket} mode 600 level admin`] : []),
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 10s',
      '  timeout server 10s',
      'frontend fe_main',
      `  bind 127.0.0.1:${lab.ports.fe}`,
      ...(opts.routeByPath ? ['  use_backend %[path,field(2,/)]'] : []),
      '  default_backend be_0',
    ];
    for (let b = 0; b < Math.ceil(servers / 100); b++) {
      lines.push(`backend be_${b}`);
      for (let s = 0; s < Math.min(100, servers - b * 100); s++) lines.push(`  server s${s} 127.0.0.1:${port(s)}`);
    }
    return `${lines.join('\n')}\n`;
  };
}

/** hapbeat run on these targets with documents to stdout (discarded); counts polls and missed ticks from its log. */
function startRun(targets: string[], periodS: number, dir: string): { p: ChildProcess; polls: () => number; missed: () => number } {
  const p = spawnHapbeat(['run', ...targets.flatMap((t) => ['-t', t]), '--period', `${periodS}s`, '--output', 'console', '--log-level', 'debug'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { HAPBEAT_PATH_DATA: dir },
  });
  let polls = 0;
  let missed = 0;
  eachLine(p.stderr!, (l) => {
    if (l.includes('"msg":"polled ')) polls++;
    const m = /"missed_ticks":(\d+)/.exec(l);
    if (m) missed += Number(m[1]);
  });
  return { p, polls: () => polls, missed: () => missed };
}

export interface ScalePoint {
  servers: number;
  cpuMsPerPoll: number;
  rssMb: number;
  peakRssMb: number;
}

/** CPU per poll and RSS at one size. */
async function measureSize(servers: number): Promise<ScalePoint> {
  const lab = await HaproxyLab.start({ config: configWith(servers) });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-scale-'));
  const run = startRun([lab.masterSocket], 5, dir);
  try {
    await waitFor('2 warm-up polls', () => run.polls() >= 2, 120_000);
    const c0 = cpuMs(run.p.pid!);
    const p0 = run.polls();
    const rss: number[] = [];
    while (run.polls() < p0 + 6) {
      await new Promise((r) => setTimeout(r, 1000));
      rss.push(rssMb(run.p.pid!));
    }
    const sorted = [...rss].sort((a, b) => a - b);
    return { servers, cpuMsPerPoll: (cpuMs(run.p.pid!) - c0) / (run.polls() - p0), rssMb: sorted[Math.floor(sorted.length / 2)]!, peakRssMb: sorted.at(-1)! };
  } finally {
    await stopProcess(run.p);
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchScale(sizes = [500, 2000, 8000, 32000]): Promise<ScalePoint[]> {
  const out: ScalePoint[] = [];
  for (const n of sizes) out.push(await measureSize(n));
  return out;
}

export interface ManyResult {
  instances: number;
  periods: number;
  polls: number;
  missedTicks: number;
  cpuMsPerPeriod: number;
  peakRssMb: number;
}

/** One agent, `instances` HAProxy of 2,000 servers each, polled every 10 s for `periods` periods. */
export async function benchMany(instances = 20, periods = 6): Promise<ManyResult> {
  const labs: HaproxyLab[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-many-'));
  try {
    for (let i = 0; i < instances; i++) labs.push(await HaproxyLab.start({ config: configWith(2000) }));
    const run = startRun(
      labs.map((l) => l.masterSocket),
      10,
      dir,
    );
    try {
      await waitFor('one poll of every instance', () => run.polls() >= instances, 120_000);
      const c0 = cpuMs(run.p.pid!);
      const p0 = run.polls();
      const m0 = run.missed();
      let peak = 0;
      const t0 = Date.now();
      while (Date.now() - t0 < periods * 10_000) {
        await new Promise((r) => setTimeout(r, 1000));
        peak = Math.max(peak, rssMb(run.p.pid!));
      }
      return {
        instances,
        periods,
        polls: run.polls() - p0,
        missedTicks: run.missed() - m0,
        cpuMsPerPeriod: (cpuMs(run.p.pid!) - c0) / periods,
        peakRssMb: peak,
      };
    } finally {
      await stopProcess(run.p);
    }
  } finally {
    for (const l of labs) await l.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
