/**
 * hapbeat demo: a real HAProxy in master-worker mode with traffic, a reload while a request is held open (so
 * an old worker keeps draining), and hapbeat `run` polling it every second with file output. Prints the
 * processes hapbeat saw and the documents per dataset.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { HaproxyLab } from '../test/harness/haproxy.js';
import { holdRequest, sendRequests } from '../test/harness/backends.js';

const SECONDS = Number(process.env.HAPBEAT_DEMO_SECONDS ?? 12);
const outDir = path.resolve('data/demo');

async function main(): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  console.log('hapbeat demo: starting a local HAProxy in master-worker mode (haproxy -W -S) ...');
  const lab = await HaproxyLab.start();
  let sent = 0;
  let stopTraffic = false;
  const held: { abort(): void }[] = [];
  try {
    const version = (await lab.command('@1 show info')).match(/^Version: (.*)$/m)?.[1];
    console.log(`  HAProxy ${version}, master pid ${lab.masterPid}, master CLI ${lab.masterSocket}`);
    console.log('  no Elasticsearch in this demo yet: hapbeat writes NDJSON files (output.type: file)');
    const traffic = (async () => {
      while (!stopTraffic) {
        await sendRequests(lab.ports.fe, 5).catch(() => undefined);
        sent += 5;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const hb = spawn(
      process.execPath,
      ['bin/hapbeat.js', 'run', '--target', lab.masterSocket, '--period', '1s', '--output', 'file', '--output-path', outDir],
      { stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, HAPBEAT_PATH_DATA: path.resolve('data') } },
    );
    let logs = '';
    hb.stderr.on('data', (d) => (logs += d));
    const exited = new Promise<number>((r) => hb.on('exit', (c) => r(c ?? -1)));
    console.log(`  hapbeat run: polling every 1s for ${SECONDS}s; a reload comes at ${Math.round(SECONDS / 3)}s`);
    await new Promise((r) => setTimeout(r, (SECONDS / 3) * 1000));
    const h = holdRequest(lab.ports.fe, '/slow/demo');
    held.push(h);
    await h.connected;
    await new Promise((r) => setTimeout(r, 200));
    const fresh = await lab.reload();
    console.log(`  reloaded HAProxy: new worker pid ${fresh.join(', ')}; the old worker drains a held request`);
    await new Promise((r) => setTimeout(r, ((SECONDS * 2) / 3) * 1000));
    hb.kill('SIGTERM');
    const code = await exited;
    stopTraffic = true;
    await traffic;
    if (code !== 0) {
      console.error(logs);
      throw new Error(`hapbeat exited with ${code}`);
    }
    report(sent, logs);
  } finally {
    for (const h of held) h.abort();
    lab.blackhole.dropConnections();
    await lab.stop();
  }
}

function report(sent: number, logs: string): void {
  const file = path.join(outDir, 'hapbeat.ndjson');
  const docs = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const byDataset = new Map<string, number>();
  const procs = new Map<number, { old: boolean; everOld: boolean; num: number; stat: number; info: number; polls: Set<string>; req2xx: number }>();
  for (const d of docs) {
    byDataset.set(d.event.dataset, (byDataset.get(d.event.dataset) ?? 0) + 1);
    const pid = d.process?.pid as number;
    const p = procs.get(pid) ?? { old: false, everOld: false, num: d.haproxy.process.num, stat: 0, info: 0, polls: new Set<string>(), req2xx: 0 };
    p.old = d.haproxy.process.old;
    p.everOld ||= d.haproxy.process.old;
    p.polls.add(d['@timestamp']);
    if (d.event.dataset === 'haproxy.stat') {
      p.stat++;
      const s = d.haproxy.stat;
      if (s.proxy.name === 'fe_main' && s.service_name === 'FRONTEND') p.req2xx = Math.max(p.req2xx, s.response.http['2xx'] ?? 0);
    } else p.info++;
    procs.set(pid, p);
  }
  const errors = logs.split('\n').filter((l) => l.includes('"level":"error"')).length;
  console.log('');
  console.log(`Collected ${docs.length} documents into ${file}`);
  console.log(`  traffic sent through HAProxy: ${sent} requests; hapbeat logged ${errors} error(s)`);
  console.log('Processes seen:');
  for (const [pid, p] of procs) {
    const role = p.everOld ? 'current, then old after the reload' : 'current (started by the reload)';
    console.log(`  pid ${String(pid).padEnd(7)} process #${p.num}  ${role.padEnd(30)} samples ${String(p.polls.size).padStart(3)}  stat docs ${String(p.stat).padStart(4)}  info docs ${String(p.info).padStart(3)}  fe_main 2xx ${p.req2xx}`);
  }
  console.log('Documents per dataset:');
  for (const [ds, n] of byDataset) console.log(`  ${ds.padEnd(14)} ${n}`);
  console.log('');
  console.log('Look at one: head -n 1 data/demo/hapbeat.ndjson | python3 -m json.tool');
}

main().catch((err) => {
  console.error(`demo failed: ${(err as Error).message}`);
  process.exit(1);
});
