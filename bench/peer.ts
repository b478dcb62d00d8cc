/**
 * Benchmark 4: hapbeat run against a peer in the same run, on the same HAProxy: Debian's
 * prometheus-haproxy-exporter (Go), run directly on a loopback port and scraped once a second, its process's CPU
 * read from /proc. hapbeat polls the same HAProxy once a second and ships to the local Elasticsearch; its CPU
 * covers everything run does (collection, documents, rates, totals, serialization, the spool and the output).
 * Absolute times on these shared 2-core machines are noisy: the ratio is the figure.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HaproxyLab } from '../lab/haproxy.js';
import { cpuMs, eachLine, median, rssParts, spawnHapbeat, stopProcess } from './proc.js';
import { freePort, waitFor } from '../lab/ports.js';

export interface PeerResult {
  seconds: number;
  exporter: { scrapes: number; cpuMsPerScrape: number; rssMb: number; anonMb: number; fileMb: number; bytesPerScrape: number };
  hapbeat: {
    polls: number;
    cpuMsPerPoll: number;
    /** Median of one sample a second, and the medians of its anonymous and file-backed parts. */
    rssMb: number;
    anonMb: number;
    fileMb: number;
    peakRssMb: number;
    docsPerPoll: number;
    /** hapbeat with everything loaded, 5 s after its one poll of a minute: the floor under the steady figure. */
    idle: { rssMb: number; anonMb: number; fileMb: number };
  };
  /** hapbeat's CPU per poll over the exporter's CPU per scrape: the median of the rounds' ratios. */
  ratio: number;
  /** Each round (the exporter, then hapbeat): the figures above are the medians of these. */
  rounds: { exporterMs: number; hapbeatMs: number; ratio: number; rssMb: number }[];
  /**
   * One more round of hapbeat started as `node bin/hapbeat.js`, without its launch settings (src/launch-settings.ts),
   * which every other figure has: what they change.
   */
  plain: { cpuMsPerPoll: number; rssMb: number; peakRssMb: number };
}

const EXPORTER = '/usr/bin/prometheus-haproxy-exporter';

/** The exporter on the worker's stats socket, scraped once a second for `seconds` after 5 warm-up scrapes. */
async function measureExporter(lab: HaproxyLab, seconds: number): Promise<PeerResult['exporter']> {
  if (!existsSync(EXPORTER)) throw new Error(`${EXPORTER} is missing: apt-get install -y prometheus-haproxy-exporter (scripts/setup.sh does)`);
  const port = await freePort();
  const p = spawn(EXPORTER, [`--web.listen-address=127.0.0.1:${port}`, `--haproxy.scrape-uri=unix:${lab.workerSocket}`, '--log.level=warn'], {
    stdio: 'ignore',
  });
  try {
    const url = `http://127.0.0.1:${port}/metrics`;
    await waitFor(
      'the exporter',
      () =>
        fetch(url).then(
          (r) => r.ok,
          () => false,
        ),
      10_000,
    );
    for (let i = 0; i < 5; i++) await (await fetch(url)).text();
    const c0 = cpuMs(p.pid!);
    let bytes = 0;
    let scrapes = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < seconds * 1000) {
      const started = Date.now();
      const body = await (await fetch(url)).text();
      if (!body.includes('haproxy_server_')) throw new Error('the exporter did not see the servers: check its scrape URI');
      bytes += body.length;
      scrapes++;
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
    }
    return { scrapes, cpuMsPerScrape: (cpuMs(p.pid!) - c0) / scrapes, ...rssParts(p.pid!), bytesPerScrape: bytes / scrapes };
  } finally {
    await stopProcess(p);
  }
}

/** hapbeat run into Elasticsearch, every `period`; its stderr lines go to `onLine`. */
function startHapbeat(lab: HaproxyLab, esUrl: string, period: string, dir: string, onLine: (l: string) => void, plain = false) {
  const p = spawnHapbeat(['run', '-t', lab.masterSocket, '--period', period, '--es', esUrl, '--namespace', 'peer', '--log-level', 'debug'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { HAPBEAT_PATH_DATA: dir },
    plain,
  });
  eachLine(p.stderr!, onLine);
  return p;
}

/** hapbeat's memory with everything loaded and one poll shipped, 5 s later, at a 1 minute period. */
async function measureIdle(lab: HaproxyLab, esUrl: string): Promise<PeerResult['hapbeat']['idle']> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-idle-'));
  let polls = 0;
  const p = startHapbeat(lab, esUrl, '60s', dir, (l) => {
    if (l.includes('"msg":"polled ')) polls++;
  });
  try {
    await waitFor('the first poll', () => polls >= 1, 60_000);
    await new Promise((r) => setTimeout(r, 5000));
    return rssParts(p.pid!);
  } finally {
    await stopProcess(p);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** hapbeat run, polling every second into Elasticsearch, for `seconds` after 5 warm-up polls. */
async function measureHapbeat(lab: HaproxyLab, esUrl: string, seconds: number, plain = false): Promise<Omit<PeerResult['hapbeat'], 'idle'>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-peer-'));
  let polls = 0;
  let docs = 0;
  const p = startHapbeat(
    lab,
    esUrl,
    '1s',
    dir,
    (l) => {
      if (l.includes('"msg":"polled ')) {
        polls++;
        const m = JSON.parse(l) as { documents: Record<string, number> };
        docs = Object.values(m.documents).reduce((a, x) => a + x, 0);
      }
    },
    plain,
  );
  try {
    await waitFor('5 warm-up polls', () => polls >= 5, 60_000);
    const c0 = cpuMs(p.pid!);
    const p0 = polls;
    const rss: number[] = [];
    const anon: number[] = [];
    const file: number[] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < seconds * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      const parts = rssParts(p.pid!);
      rss.push(parts.rssMb);
      anon.push(parts.anonMb);
      file.push(parts.fileMb);
    }
    const n = polls - p0;
    return {
      polls: n,
      cpuMsPerPoll: (cpuMs(p.pid!) - c0) / n,
      rssMb: median(rss),
      anonMb: median(anon),
      fileMb: median(file),
      peakRssMb: Math.max(...rss),
      docsPerPoll: docs,
    };
  } finally {
    await stopProcess(p);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The median of each figure over the rounds. */
function medians<T extends Record<string, number>>(rows: readonly T[]): T {
  const out: Record<string, number> = {};
  for (const k of Object.keys(rows[0]!)) out[k] = median(rows.map((r) => r[k]!));
  return out as T;
}

/**
 * `rounds` rounds, each the exporter then hapbeat for `seconds`: CPU, RSS and the ratio are the medians over
 * the rounds (one round's figures move by a quarter on these shared machines), the peak is the highest.
 */
export async function benchPeer(lab: HaproxyLab, esUrl: string, seconds = 50, rounds = 3): Promise<PeerResult> {
  const ex: PeerResult['exporter'][] = [];
  const hb: Omit<PeerResult['hapbeat'], 'idle'>[] = [];
  for (let i = 0; i < rounds; i++) {
    ex.push(await measureExporter(lab, seconds));
    hb.push(await measureHapbeat(lab, esUrl, seconds));
  }
  const exporter: PeerResult['exporter'] = { ...medians(ex), scrapes: ex.reduce((a, x) => a + x.scrapes, 0) };
  const hapbeat: PeerResult['hapbeat'] = {
    ...medians(hb),
    polls: hb.reduce((a, x) => a + x.polls, 0),
    peakRssMb: Math.max(...hb.map((x) => x.peakRssMb)),
    idle: await measureIdle(lab, esUrl),
  };
  const perRound = hb.map((h, i) => ({
    exporterMs: ex[i]!.cpuMsPerScrape,
    hapbeatMs: h.cpuMsPerPoll,
    ratio: h.cpuMsPerPoll / ex[i]!.cpuMsPerScrape,
    rssMb: h.rssMb,
  }));
  const p = await measureHapbeat(lab, esUrl, seconds, true);
  const plain = { cpuMsPerPoll: p.cpuMsPerPoll, rssMb: p.rssMb, peakRssMb: p.peakRssMb };
  return { seconds, exporter, hapbeat, ratio: median(perRound.map((r) => r.ratio)), rounds: perRound, plain };
}
