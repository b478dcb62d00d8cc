/** npm run bench: prints hapbeat's speed and memory figures against the real HAProxy and Elasticsearch. Numbers only. */
import { HaproxyLab } from '../lab/haproxy.js';
import { EsServer } from '../lab/elasticsearch.js';
import { benchStatCpu, config2000 } from './stat-cpu.js';
import { benchIndexing } from './indexing.js';
import { benchOutageRss } from './outage-rss.js';
import { benchReplay, type ReplayResult } from './replay.js';
import { benchPeer } from './peer.js';
import { benchMany, benchScale } from './scale.js';
import { benchDocSize } from './doc-size.js';
import { lineChartPng } from './png-chart.js';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LAUNCH_ENV, NODE_FLAGS } from '../src/launch-settings.js';

const f = (n: number, d = 2) => n.toFixed(d).padStart(8);
const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);
/** Rounds of section 2's indexing, and as many tries of section 3's replay that is compared with it. */
const indexingRounds = Number(process.env.HAPBEAT_BENCH_INDEXING_ROUNDS ?? 4);

const lab = await HaproxyLab.start({ config: config2000 });
/** hapbeat's RSS while shipping to Elasticsearch (section 4, median and peak), the reference for the outage's (section 3). */
let steady: { medianMb: number; peakMb: number } | undefined;
/** hapbeat's indexing rate (section 2), the goal for replaying a backlog (section 3). */
let indexingDocsPerSec: number | undefined;
try {
  const r = await benchStatCpu(lab);
  if (want('cpu')) {
    console.log('== 1. show stat: 2,000 servers in 20 backends, HAProxy 2.6, no health checks');
    console.log(`rows per sample:                                   ${r.rows}`);
    console.log(`show stat answer / NDJSON written:                 ${r.bytes} / ${r.outBytes} bytes`);
    console.log(`HAProxy @1 show stat round trip    median ${f(r.haproxyMs)} ms   min ${f(r.haproxyMinMs)} ms`);
    console.log(`hapbeat CPU parse+documents+serialize median ${f(r.hapbeatCpuMs)} ms   min ${f(r.hapbeatCpuMinMs)} ms`);
    console.log(
      `whole poll as run does it (parse, rates, totals, documents: ${r.fullDocs} documents): median ${f(r.fullCpuMs)} ms   min ${f(r.fullCpuMinMs)} ms`,
    );
    const minRatio = r.hapbeatCpuMinMs / r.haproxyMinMs;
    console.log(
      `ratio hapbeat / HAProxy: medians ${r.ratio.toFixed(2)}x, minimums ${minRatio.toFixed(2)}x (target: at most 3x) ${r.ratio <= 3 ? 'OK' : minRatio <= 3 ? "OK at the minimums; the medians carry this machine's noise" : 'ABOVE TARGET'}`,
    );
  }
  if (want('indexing') || want('rss') || want('peer') || want('size')) {
    // The outage (rss) runs without Elasticsearch; its backlog is then replayed into this one.
    const es = await EsServer.start({ heapMb: 1024 });
    try {
      if (want('indexing')) {
        const ix = await benchIndexing(es.url, { stat: r.text, info: r.infoText }, indexingRounds);
        indexingDocsPerSec = ix.hapbeatDocsPerSec;
        console.log(
          `\n== 2. indexing into the local Elasticsearch ${es.version} (TSDB data streams, bulk 1600, 2 requests at once, ${ix.documents} documents per run, as run makes them, best of ${ix.rates.hb.length} rounds)`,
        );
        const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(1)}%`;
        const verdict = (a: number, b: number) => (a / b >= 0.95 ? 'OK' : 'BELOW GOAL');
        console.log(`raw _bulk loop, gzip bodies:          ${f(ix.baselineGzipDocsPerSec, 0)} docs/s`);
        console.log(
          `hapbeat, gzip on (the default):       ${f(ix.hapbeatDocsPerSec, 0)} docs/s   ${pct(ix.hapbeatDocsPerSec, ix.baselineGzipDocsPerSec)} of the gzip loop (goal: at least 95%) ${verdict(ix.hapbeatDocsPerSec, ix.baselineGzipDocsPerSec)}`,
        );
        console.log(`raw _bulk loop, plain bodies:         ${f(ix.baselineDocsPerSec, 0)} docs/s`);
        console.log(
          `hapbeat, compression off:             ${f(ix.hapbeatNoCompressionDocsPerSec, 0)} docs/s   ${pct(ix.hapbeatNoCompressionDocsPerSec, ix.baselineDocsPerSec)} of the plain loop (goal: at least 95%) ${verdict(ix.hapbeatNoCompressionDocsPerSec, ix.baselineDocsPerSec)}`,
        );
        console.log(
          `hapbeat, gzip on, queue.type memory:  ${f(ix.hapbeatMemoryQueueDocsPerSec, 0)} docs/s   ${pct(ix.hapbeatMemoryQueueDocsPerSec, ix.baselineGzipDocsPerSec)} of the gzip loop (no write-ahead spool: what durability costs)`,
        );
        const byRound = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
        console.log(
          `by round, docs/s: gzip loop ${byRound(ix.rates.rawGzip)}; hapbeat ${byRound(ix.rates.hb)}; plain loop ${byRound(ix.rates.raw)}; hapbeat plain ${byRound(ix.rates.hbPlain)}`,
        );
      }
      if (want('size')) {
        const z = await benchDocSize(es.url);
        const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`;
        const ok = (good: boolean) => (good ? 'OK' : 'ABOVE GOAL');
        console.log(
          `\n== 7. documents of a one-worker poll (2,000 servers with traffic through each), today and in the previous design (the worker's set, then the totals)`,
        );
        for (const [name, x] of [
          ['today', z.now],
          ['before', z.before],
        ] as const) {
          console.log(
            `${name.padEnd(7)} ${String(x.docsPerPoll).padStart(5)} documents, ${(x.bytesPerPoll / 1e6).toFixed(2)} MB per poll = ${(x.bytesPerPoll / z.oneSetBytes).toFixed(2)}x one document set (goal: at most 1.15x) ${ok(x.bytesPerPoll / z.oneSetBytes <= 1.15)}`,
          );
          console.log(
            `        haproxy.stat document as sent: ${kb(x.statSourceBytes)} JSON (goal: at most 1 KB) ${ok(x.statSourceBytes <= 1024)}; ${kb(x.statBulkBytes)} with the bulk action line; ${x.gzipBytesPerDoc.toFixed(0)} bytes per document gzip'ed (on the wire by default)`,
          );
          const sp = x.statParts;
          console.log(
            `        of which: envelope ${sp.envelope.toFixed(0)} B (ECS fields and the process's identity), show stat columns under Metricbeat's names ${sp.columns.toFixed(0)} B, derived rates, ratios and labels ${sp.derived.toFixed(0)} B`,
          );
          console.log(
            `        floor with every field and name kept and each value shortened to one character: ${kb(x.bounds.floor)} a document, ${kb(x.bounds.statFloor)} for the haproxy.stat object alone${x.bounds.floor > 1024 ? ': no encoding of the values meets the goal, only fewer fields or shorter names (README, "Document size")' : ''}; with every 0 left out: ${kb(x.bounds.withoutZeros)}`,
          );
          console.log(
            `        Elasticsearch store after a force merge (TSDB): ${x.storeBytesPerDoc.toFixed(0)} bytes per stat document, ${(x.storeBytesPerPoll / 1024).toFixed(0)} KB per poll`,
          );
        }
      }
      if (want('peer')) {
        const mb = (n: number) => `${n.toFixed(0)} MB`;
        const seconds = Number(process.env.HAPBEAT_BENCH_PEER_SECONDS ?? 50);
        const rounds = Number(process.env.HAPBEAT_BENCH_PEER_ROUNDS ?? 3);
        const p = await benchPeer(lab, es.url, seconds, rounds);
        console.log(
          `\n== 4. against a peer in the same run: Debian's prometheus-haproxy-exporter scraped once a second, and hapbeat run polling once a second into Elasticsearch (${seconds} s each, ${p.rounds.length} rounds; medians over the rounds)`,
        );
        console.log(
          `exporter: ${f(p.exporter.cpuMsPerScrape)} ms CPU per scrape (${p.exporter.scrapes} scrapes), RSS ${p.exporter.rssMb.toFixed(0)} MB (${mb(p.exporter.anonMb)} anonymous + ${mb(p.exporter.fileMb)} file-backed), ${(p.exporter.bytesPerScrape / 1e6).toFixed(2)} MB of exposition per scrape`,
        );
        console.log(
          `hapbeat:  ${f(p.hapbeat.cpuMsPerPoll)} ms CPU per poll (${p.hapbeat.polls} polls, ${p.hapbeat.docsPerPoll} documents each), RSS median ${p.hapbeat.rssMb.toFixed(0)} MB (goal: at most 120 MB) ${p.hapbeat.rssMb <= 120 ? 'OK' : 'ABOVE GOAL'}, peak ${p.hapbeat.peakRssMb.toFixed(0)} MB`,
        );
        const idle = p.hapbeat.idle;
        console.log(
          `          RSS median = ${mb(p.hapbeat.anonMb)} anonymous (V8's heap, malloc, buffers) + ${mb(p.hapbeat.fileMb)} file-backed (chiefly node's own binary, shared by every node process); the floor, hapbeat idle after one poll at a 1 minute period: ${mb(idle.rssMb)} (${mb(idle.anonMb)} + ${mb(idle.fileMb)})`,
        );
        console.log(
          `ratio hapbeat / exporter CPU: ${p.ratio.toFixed(2)}x, the median of ${p.rounds.length} rounds (goal: at most 0.35x) ${p.ratio <= 0.35 ? 'OK' : 'ABOVE GOAL'}; by round: ${p.rounds.map((r) => `${r.hapbeatMs.toFixed(1)} / ${r.exporterMs.toFixed(1)} ms = ${r.ratio.toFixed(2)}x, RSS ${mb(r.rssMb)}`).join('; ')}`,
        );
        console.log(
          `hapbeat is started as its systemd unit and image start it, with ${[...Object.entries(LAUNCH_ENV).map(([k, v]) => `${k}=${v}`), ...NODE_FLAGS].join(' ')} (src/launch-settings.ts). Without them (node bin/hapbeat.js, one round): ${f(p.plain.cpuMsPerPoll)} ms CPU per poll (${(p.plain.cpuMsPerPoll / p.exporter.cpuMsPerScrape).toFixed(2)}x the exporter's median), RSS median ${mb(p.plain.rssMb)}, peak ${mb(p.plain.peakRssMb)}`,
        );
        steady = { medianMb: p.hapbeat.rssMb, peakMb: p.hapbeat.peakRssMb };
      }
      if (want('rss')) {
        const seconds = Number(process.env.HAPBEAT_BENCH_OUTAGE_SECONDS ?? 120);
        const o = await benchOutageRss(lab, seconds);
        console.log(`\n== 3. memory during a ${o.seconds} s Elasticsearch outage, 2,000 servers polled every 1 s`);
        const at = (t: number) => o.samples.find((s) => s.t >= t)?.rssMb ?? NaN;
        const marks = [10, 30, 60, 90, 120].filter((t) => t <= o.seconds);
        console.log(`RSS at ${marks.map((t) => `${t}s ${at(t).toFixed(0)} MB`).join(', ')}; peak ${o.peakRssMb.toFixed(0)} MB`);
        console.log(`polls ${o.polls}; spool grew to ${(o.spoolBytes / 1048576).toFixed(1)} MB on disk`);
        if (steady !== undefined) {
          // The heap saws up and down between full collections in both runs: compare medians, and peaks.
          const medianRatio = o.medianRssMb / steady.medianMb;
          const peakRatio = o.peakRssMb / steady.peakMb;
          const ok = (x: number) => (x <= 1.2 ? 'OK' : 'ABOVE GOAL');
          console.log(
            `outage over steady RSS while shipping (section 4): median ${o.medianRssMb.toFixed(0)} / ${steady.medianMb.toFixed(0)} MB = ${medianRatio.toFixed(2)}x ${ok(medianRatio)}; peak ${o.peakRssMb.toFixed(0)} / ${steady.peakMb.toFixed(0)} MB = ${peakRatio.toFixed(2)}x ${ok(peakRatio)} (goal: at most 1.2x)`,
          );
        }
        // Best of as many tries as section 2 has rounds (4), so that neither side gets more draws: the same
        // backlog replayed from copies into new namespaces. A single run moves a lot: three replays of one
        // 60,660-document spool into a fresh Elasticsearch ran at 3,865, 7,930 and 10,651 docs/s, with hapbeat's
        // CPU the same each time.
        const runs: ReplayResult[] = [];
        for (let k = 0; k < indexingRounds; k++) {
          const dir = k === indexingRounds - 1 ? o.spoolDir : `${o.spoolDir}-${k}`;
          if (dir !== o.spoolDir) cpSync(o.spoolDir, dir, { recursive: true });
          runs.push(await benchReplay(lab, es.url, dir, o.pending, `replay${k}`));
        }
        rmSync(path.dirname(o.spoolDir), { recursive: true, force: true });
        const rp = runs.reduce((a, b) => (b.docsPerSec > a.docsPerSec ? b : a));
        const goal = indexingDocsPerSec;
        console.log(
          `replay after restarting into Elasticsearch, best of ${runs.length} (${runs.map((r) => `${r.docsPerSec.toFixed(0)}`).join(', ')} docs/s): ${o.pending} documents of backlog in ${rp.seconds.toFixed(1)} s = ${f(rp.docsPerSec, 0)} docs/s${goal ? `, ${((rp.docsPerSec / goal) * 100).toFixed(0)}% of hapbeat's indexing rate in section 2 (${goal.toFixed(0)} docs/s; goal: at least 100%) ${rp.docsPerSec >= goal ? 'OK' : 'BELOW GOAL'}` : ''}`,
        );
      }
    } finally {
      await es.destroy();
    }
  }
  if (want('scale')) {
    const points = await benchScale();
    console.log('\n== 5. scale: CPU per poll and RSS of hapbeat run (documents to stdout, one poll every 5 s, 100 servers per backend)');
    console.log('servers   CPU ms/poll   per 1,000 servers   RSS median   RSS peak');
    for (const p of points) {
      console.log(
        `${String(p.servers).padStart(7)}   ${f(p.cpuMsPerPoll, 1)}      ${f((p.cpuMsPerPoll / p.servers) * 1000, 1)}        ${f(p.rssMb, 0)} MB   ${f(p.peakRssMb, 0)} MB`,
      );
    }
    const first = points[0]!;
    const last = points.at(-1)!;
    const growth = last.cpuMsPerPoll / last.servers / (first.cpuMsPerPoll / first.servers);
    console.log(`CPU per server at ${last.servers} over at ${first.servers}: ${growth.toFixed(2)}x (linear growth: about 1x or less)`);
    const file = 'bench/scale.png';
    writeFileSync(
      file,
      lineChartPng(
        [
          { name: 'cpu ms per poll', color: [200, 40, 40], points: points.map((p) => ({ x: p.servers, y: p.cpuMsPerPoll })) },
          { name: 'rss MB median', color: [40, 80, 200], points: points.map((p) => ({ x: p.servers, y: p.rssMb })) },
        ],
        'servers',
      ),
    );
    console.log(`chart: ${file}`);
    const many = await benchMany();
    console.log(
      `\n== 6. one agent, ${many.instances} HAProxy of 2,000 servers each, every 10 s for ${many.periods} periods: ${many.polls} polls, ${many.missedTicks} missed ticks (goal: 0) ${many.missedTicks === 0 ? 'OK' : 'MISSED'}; CPU ${f(many.cpuMsPerPeriod, 0)} ms per 10 s period (${((many.cpuMsPerPeriod / 10_000) * 100).toFixed(1)}% of one core); RSS peak ${many.peakRssMb.toFixed(0)} MB`,
    );
  }
} finally {
  await lab.stop();
}
