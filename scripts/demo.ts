/**
 * hapbeat demo: a real HAProxy in master-worker mode with traffic, a reload while a request is held open (so
 * an old worker keeps draining), and hapbeat `run` polling it every second with file output. Prints the
 * processes hapbeat saw and the documents per dataset.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { HaproxyLab } from '../lab/haproxy.js';
import { EsServer } from '../lab/elasticsearch.js';
import { holdRequest, sendRequests } from '../lab/backends.js';

const SECONDS = Number(process.env.HAPBEAT_DEMO_SECONDS ?? 12);
/** --keep: leave Elasticsearch running at the end, with its URL, until Ctrl-C. */
const KEEP = process.argv.includes('--keep');
const outDir = path.resolve('data/demo');

async function main(): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  console.log('hapbeat demo: starting a local HAProxy in master-worker mode (haproxy -W -S) and Elasticsearch ...');
  const [lab, es] = await Promise.all([
    HaproxyLab.start(),
    EsServer.start().catch((err: Error) => {
      console.log(`  no Elasticsearch (${err.message.split('\n')[0]}): falling back to file output`);
      return undefined;
    }),
  ]);
  const traffic = { answered: 0, failed: 0 };
  let stopTraffic = false;
  const held: { abort(): void }[] = [];
  try {
    const version = (await lab.command('@1 show info')).match(/^Version: (.*)$/m)?.[1];
    console.log(`  HAProxy ${version}, master pid ${lab.masterPid}, master CLI ${lab.masterSocket}`);
    const outputArgs = es
      ? [
          '--es',
          es.url,
          '-E',
          `queue.disk.path=${path.join(outDir, 'spool')}`,
          '-E',
          `output.elasticsearch.dead_letter.path=${path.join(outDir, 'dead-letter.ndjson')}`,
        ]
      : ['--output', 'file', '--output-path', outDir];
    if (es) {
      console.log(`  Elasticsearch ${es.version} at ${es.url}; installing the index templates: hapbeat setup`);
      const setup = spawn(process.execPath, ['bin/hapbeat.js', 'setup', '--es', es.url], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      setup.stdout.on('data', (d) => (out += d));
      const code = await new Promise<number>((r) => setup.on('exit', (c) => r(c ?? 1)));
      for (const l of out.trim().split('\n')) console.log(`    ${l}`);
      if (code !== 0) throw new Error('hapbeat setup failed');
    } else {
      console.log('  hapbeat writes NDJSON files (output.type: file)');
    }
    const load = (async () => {
      while (!stopTraffic) {
        for (let i = 0; i < 5; i++) {
          await sendRequests(lab.ports.fe, 1).then(
            () => traffic.answered++,
            () => traffic.failed++,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const hb = spawn(process.execPath, ['bin/hapbeat.js', 'run', '--target', lab.masterSocket, '--period', '1s', ...outputArgs], {
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, HAPBEAT_PATH_DATA: path.resolve('data') },
    });
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
    await load;
    if (code !== 0) {
      console.error(logs);
      throw new Error(`hapbeat exited with ${code}`);
    }
    const sent = `${traffic.answered} requests answered${traffic.failed ? ` (${traffic.failed} failed)` : ''}`;
    if (es) await reportElasticsearch(es.url, sent, logs);
    else report(sent, logs);
    if (es && KEEP) {
      console.log('');
      console.log(`Elasticsearch stays up at ${es.url} (--keep); explore it, for example:`);
      console.log(`  curl -s '${es.url}/metrics-haproxy.stat-default/_search?size=1&pretty'`);
      console.log('Press Ctrl-C to stop it.');
      await new Promise<void>((r) => process.once('SIGINT', () => r()));
    }
  } finally {
    for (const h of held) h.abort();
    lab.blackhole.dropConnections();
    await Promise.all([lab.stop(), es?.destroy()]);
  }
}

async function reportElasticsearch(url: string, sent: string, logs: string): Promise<void> {
  const q = async (index: string, body: unknown) =>
    (await (
      await fetch(`${url}/${index}/_search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    ).json()) as any;
  await fetch(`${url}/metrics-haproxy.*/_refresh`, { method: 'POST' });
  const r = await q('metrics-haproxy.*', {
    size: 0,
    aggs: {
      dataset: { terms: { field: 'event.dataset' } },
      process: {
        terms: { field: 'haproxy.process.pid', size: 20 },
        aggs: {
          samples: { cardinality: { field: '@timestamp' } },
          per_dataset: { terms: { field: 'event.dataset' } },
          fe2xx: { filter: { term: { 'haproxy.stat.proxy.name': 'fe_main' } }, aggs: { v: { max: { field: 'haproxy.stat.response.http.2xx' } } } },
          ever_old: { filter: { term: { 'haproxy.process.old': true } } },
        },
      },
      totals: {
        filter: { term: { 'haproxy.process.scope': 'all' } },
        aggs: {
          samples: { cardinality: { field: '@timestamp' } },
          per_dataset: { terms: { field: 'event.dataset' } },
          fe2xx: { filter: { term: { 'haproxy.stat.proxy.name': 'fe_main' } }, aggs: { v: { max: { field: 'haproxy.stat.response.http.2xx' } } } },
        },
      },
    },
  });
  const errors = logs.split('\n').filter((l) => l.includes('"level":"error"')).length;
  console.log('');
  console.log(
    `Indexed into Elasticsearch at ${url} (data streams metrics-haproxy.stat-default, metrics-haproxy.info-default, metrics-haproxy.process-default)`,
  );
  console.log(`  traffic through HAProxy: ${sent}; hapbeat logged ${errors} error(s)`);
  console.log('Documents per dataset:');
  for (const b of r.aggregations.dataset.buckets) console.log(`  ${String(b.key).padEnd(14)} ${b.doc_count}`);
  console.log('Documents per process:');
  for (const b of r.aggregations.process.buckets) {
    const ds = Object.fromEntries(b.per_dataset.buckets.map((x: { key: string; doc_count: number }) => [x.key, x.doc_count]));
    const role = b.ever_old.doc_count > 0 ? 'current, then old after the reload' : 'current (started by the reload)';
    console.log(
      `  pid ${String(b.key).padEnd(7)} ${role.padEnd(34)} samples ${String(b.samples.value).padStart(3)}  stat ${String(ds['haproxy.stat'] ?? 0).padStart(4)}  info ${String(ds['haproxy.info'] ?? 0).padStart(3)}  fe_main 2xx ${b.fe2xx.v.value ?? 0}`,
    );
  }
  const t = r.aggregations.totals;
  const tds = Object.fromEntries(t.per_dataset.buckets.map((x: { key: string; doc_count: number }) => [x.key, x.doc_count]));
  console.log(
    `  ${'all (scope: all, the instance)'.padEnd(45)} samples ${String(t.samples.value).padStart(3)}  stat ${String(tds['haproxy.stat'] ?? 0).padStart(4)}  info ${String(tds['haproxy.info'] ?? 0).padStart(3)}  fe_main 2xx ${t.fe2xx.v.value ?? 0}`,
  );
}

function report(sent: string, logs: string): void {
  const file = path.join(outDir, 'hapbeat.ndjson');
  const docs = existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
  const byDataset = new Map<string, number>();
  const procs = new Map<number, { old: boolean; everOld: boolean; num: number; stat: number; info: number; polls: Set<string>; req2xx: number }>();
  const totals = { stat: 0, info: 0, polls: new Set<string>(), req2xx: 0 };
  for (const d of docs) {
    byDataset.set(d.event.dataset, (byDataset.get(d.event.dataset) ?? 0) + 1);
    if (d.haproxy.process?.scope === 'all') {
      totals.polls.add(d['@timestamp']);
      if (d.event.dataset === 'haproxy.stat') {
        totals.stat++;
        const s = d.haproxy.stat;
        if (s.proxy.name === 'fe_main' && s.service_name === 'FRONTEND') totals.req2xx = Math.max(totals.req2xx, s.response.http['2xx'] ?? 0);
      } else if (d.event.dataset === 'haproxy.info') totals.info++;
      if (d.haproxy.process.count !== 1) continue; // with one process, the totals are also its documents
    }
    if (d.event.dataset === 'haproxy.process') continue;
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
  console.log(`  traffic through HAProxy: ${sent}; hapbeat logged ${errors} error(s)`);
  console.log('Processes seen:');
  for (const [pid, p] of procs) {
    const role = p.everOld ? 'current, then old after the reload' : 'current (started by the reload)';
    console.log(
      `  pid ${String(pid).padEnd(7)} process #${p.num}  ${role.padEnd(30)} samples ${String(p.polls.size).padStart(3)}  stat docs ${String(p.stat).padStart(4)}  info docs ${String(p.info).padStart(3)}  fe_main 2xx ${p.req2xx}`,
    );
  }
  console.log(
    `  ${'all (scope: all, the instance)'.padEnd(58)} samples ${String(totals.polls.size).padStart(3)}  stat docs ${String(totals.stat).padStart(4)}  info docs ${String(totals.info).padStart(3)}  fe_main 2xx ${totals.req2xx}`,
  );
  console.log('Documents per dataset:');
  for (const [ds, n] of byDataset) console.log(`  ${ds.padEnd(16)} ${n}`);
  console.log('');
  console.log('Look at one: head -n 1 data/demo/hapbeat.ndjson | python3 -m json.tool');
}

main().catch((err) => {
  console.error(`demo failed: ${(err as Error).message}`);
  process.exit(1);
});
