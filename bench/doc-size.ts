/**
 * Benchmarks for issue 11's goals 2 and 3, on a 2,000-server HAProxy (one worker) with traffic through every
 * server, so that counters, times and rates hold the values a busy HAProxy has rather than zeros:
 * - bytes written per poll against one document set (goal: at most 1.15x);
 * - bytes per haproxy.stat document as sent: the NDJSON source line, the bulk action line, and gzip on the wire
 *   (goal: at most 1 KB per document, the source line);
 * - the floor under that size: the same documents with every value shortened to one character, every field and
 *   name kept (what no encoding of the values can go below);
 * - Elasticsearch's store size after a force merge to one segment, in the TSDB data stream `hapbeat setup`
 *   installs, per document and per poll.
 * Each figure is given for today's documents and for the previous design, in which a lone worker's documents
 * were written twice (per process, then as the instance's totals): both are built from the same derived polls.
 */
import { gzipSync } from 'node:zlib';
import { HaproxyLab, rawCommand } from '../lab/haproxy.js';
import { sendRequests, startHttpBackend, type Backend } from '../lab/backends.js';
import { freePort } from '../lab/ports.js';
import { configWith } from './scale.js';
import { recordedPoll } from '../lab/recorded-poll.js';
import type { DerivedPoll } from '../src/derive/derive-poll.js';
import type { DocumentSettings, SampleContext } from '../src/documents/envelope.js';
import type { HapbeatEvent } from '../src/documents/event.js';
import { infoEvent } from '../src/documents/info-document.js';
import { statEvents } from '../src/documents/stat-documents.js';
import { PollTransform } from '../src/pipeline/transform.js';
import { loadConfig } from '../src/config/load.js';
import { createClient } from '../src/output/elasticsearch/client.js';
import { runSetup } from '../src/elastic/setup.js';
import { bulkBody } from '../src/output/elasticsearch/bulk.js';

const POLLS = 12;

export interface SizeFigures {
  docsPerPoll: number;
  statDocsPerPoll: number;
  bytesPerPoll: number;
  /** Mean bytes of a haproxy.stat document's JSON (the bulk source line, without its newline). */
  statSourceBytes: number;
  /**
   * Where a stat document's bytes go, on average: the envelope (everything outside `haproxy.stat`: ECS fields,
   * the process's identity, shared by every row of a sample), the fields read from `show stat` columns (under
   * Metricbeat's names), and the fields hapbeat derives (per-second rates, ratios, and the component and state
   * labels).
   */
  statParts: StatParts;
  /** What the stat documents' size is bounded by: their names (the floor), and their zeros. */
  bounds: SizeBounds;
  /** The same with the bulk action line (`{"create":{"_index":...}}`) and the two newlines. */
  statBulkBytes: number;
  /** Gzip'ed bulk body bytes per document (what crosses the wire with compression on, the default). */
  gzipBytesPerDoc: number;
  /** Store size after a force merge to one segment, per document and per poll. */
  storeBytesPerDoc: number;
  storeBytesPerPoll: number;
}

export interface StatParts {
  envelope: number;
  columns: number;
  derived: number;
}

/**
 * A field hapbeat derives, in a document's JSON with its value and separator: a `*_per_s` rate, a `*_ratio`,
 * or the labels read from columns (`component` from type, `state` from status).
 */
const DERIVED_MEMBER = /,?"(?:[a-z0-9_]+_(?:per_s|ratio)":[^,{}]+|component":"[a-z]+"|state":\{[^{}]*\})/g;

/** Splits a haproxy.stat document's JSON bytes into StatParts (ASCII documents: length is bytes). */
export function statParts(json: string): StatParts {
  const at = json.indexOf(',"stat":{', json.indexOf('"haproxy":'));
  if (at < 0) throw new Error(`not a haproxy.stat document: ${json.slice(0, 120)}`);
  // The stat object runs from its brace to the two that close haproxy and the document.
  const stat = json.slice(at + ',"stat":'.length, -2);
  let derived = 0;
  for (const m of stat.matchAll(DERIVED_MEMBER)) derived += m[0].length;
  return { envelope: json.length - stat.length, columns: stat.length - derived, derived };
}

/** Every leaf of a JSON value replaced by 0: the shortest a document with the same fields and names can be. */
function floorOf(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return 0;
  if (Array.isArray(v)) return v.map(floorOf);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, floorOf(x)]));
}

/** The row's identity (TSDB dimensions): kept even when 0. */
const IDENTITY = new Set(['proxy.id', 'server.id', 'component_type']);

/** An object without its members that are the number 0 (identity fields kept), and without objects left empty. */
function withoutZeros(o: Record<string, unknown>, path = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const p = path ? `${path}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const inner = withoutZeros(v as Record<string, unknown>, p);
      if (Object.keys(inner).length > 0) out[k] = inner;
    } else if (v !== 0 || IDENTITY.has(p)) out[k] = v;
  }
  return out;
}

export interface SizeBounds {
  /** Every field and name kept, each value shortened to one character (`0`): the document, its stat object. */
  floor: number;
  statFloor: number;
  /** The documents with every 0 in their haproxy.stat object left out (what omitting zeros would send). */
  withoutZeros: number;
}

/** Means over haproxy.stat documents' JSON (ASCII names: length is bytes). */
export function sizeBounds(jsons: string[]): SizeBounds {
  let floor = 0;
  let statFloor = 0;
  let zeros = 0;
  for (const j of jsons) {
    const o = JSON.parse(j) as { haproxy: { stat: Record<string, unknown> } };
    floor += JSON.stringify(floorOf(o)).length;
    statFloor += JSON.stringify(floorOf(o.haproxy.stat)).length;
    zeros += JSON.stringify({ ...o, haproxy: { ...o.haproxy, stat: withoutZeros(o.haproxy.stat) } }).length;
  }
  const n = jsons.length;
  return { floor: floor / n, statFloor: statFloor / n, withoutZeros: zeros / n };
}

export interface DocSizeResult {
  /** Bytes of one document set of a poll (the worker's stat and info documents, once). */
  oneSetBytes: number;
  now: SizeFigures;
  before: SizeFigures;
}

/** The previous design's documents for a one-worker poll: the worker's own set, then the totals (no pid). */
function previousDesign(d: DerivedPoll, settings: DocumentSettings): HapbeatEvent[] {
  const p = d.processes[0]!;
  const inst = d.instance!;
  const own: SampleContext = { ...settings, target: d.target, process: p.identity, sampledAt: p.sampledAt };
  const all: SampleContext = { ...settings, target: d.target, process: { old: false, version: inst.version }, sampledAt: d.startedAt, scope: 'all' };
  return [
    infoEvent(p.info!, own, p.infoDurationNs).event,
    ...statEvents(p.table!, own, p.statDurationNs, p.rates).events,
    ...statEvents(inst.table!, all, d.durationNs, inst.rates).events,
    infoEvent(inst.info!, all, d.durationNs).event,
  ];
}

async function storeSize(url: string, ns: string, polls: HapbeatEvent[][]): Promise<{ perDoc: number; perPoll: number }> {
  const index = (e: HapbeatEvent) => `metrics-${e.dataset}-${ns}`;
  for (const events of polls) {
    for (let i = 0; i < events.length; i += 2000) {
      const res = await fetch(`${url}/_bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: bulkBody(events.slice(i, i + 2000), index, false) as unknown as BodyInit,
      });
      const j = (await res.json()) as { errors: boolean; items: { create: { error?: unknown } }[] };
      if (j.errors) throw new Error(`bulk errors: ${JSON.stringify(j.items.find((x) => x.create.error))}`);
    }
  }
  const ds = `metrics-haproxy.stat-${ns}`;
  await fetch(`${url}/${ds}/_refresh`, { method: 'POST' });
  await fetch(`${url}/${ds}/_forcemerge?max_num_segments=1`, { method: 'POST' });
  const stats = (await (await fetch(`${url}/${ds}/_stats/store,docs`)).json()) as {
    _all: { primaries: { store: { size_in_bytes: number }; docs: { count: number } } };
  };
  const { store, docs } = stats._all.primaries;
  const expected = polls.flat().filter((e) => e.dataset === 'haproxy.stat').length;
  if (docs.count !== expected) throw new Error(`${ds} holds ${docs.count} documents, ${expected} were sent`);
  return { perDoc: store.size_in_bytes / docs.count, perPoll: store.size_in_bytes / polls.length };
}

function meanParts(parts: StatParts[]): StatParts {
  const sum = (k: keyof StatParts) => parts.reduce((a, p) => a + p[k], 0) / parts.length;
  return { envelope: sum('envelope'), columns: sum('columns'), derived: sum('derived') };
}

function figures(polls: HapbeatEvent[][], store: { perDoc: number; perPoll: number }): SizeFigures {
  const last = polls.at(-1)!;
  const stat = last.filter((e) => e.dataset === 'haproxy.stat');
  const body = bulkBody(last, (e) => `metrics-${e.dataset}-default`, false);
  const statBody = bulkBody(stat, () => 'metrics-haproxy.stat-default', false);
  return {
    docsPerPoll: last.length,
    statDocsPerPoll: stat.length,
    bytesPerPoll: last.reduce((a, e) => a + e.json.length + 1, 0),
    statSourceBytes: stat.reduce((a, e) => a + e.json.length, 0) / stat.length,
    statParts: meanParts(stat.map((e) => statParts(e.json.toString()))),
    bounds: sizeBounds(stat.map((e) => e.json.toString())),
    statBulkBytes: statBody.length / stat.length,
    gzipBytesPerDoc: gzipSync(body).length / last.length,
    storeBytesPerDoc: store.perDoc,
    storeBytesPerPoll: store.perPoll,
  };
}

/**
 * The three HTTP servers behind the 2,000 servers: most answer 200, every fifth 404 and every tenth 503, so the
 * response-class counters differ from server to server.
 */
async function startServers(): Promise<{ backends: Backend[]; port: (s: number) => number }> {
  const backends: Backend[] = [];
  for (const status of [200, 404, 503]) backends.push(await startHttpBackend(await freePort(), 'x'.repeat(status === 200 ? 400 : 10), status));
  const [ok, notFound, unavailable] = backends.map((b) => b.port) as [number, number, number];
  return { backends, port: (s) => (s % 10 === 9 ? unavailable : s % 5 === 4 ? notFound : ok) };
}

/** `perServer` requests to every server: 20 concurrent streams, one per backend, round-robin inside each. */
async function traffic(lab: HaproxyLab, perServer: number): Promise<void> {
  await Promise.all(Array.from({ length: 20 }, (_, b) => sendRequests(lab.ports.fe, 100 * perServer, `/be_${b}/x`)));
}

export async function benchDocSize(esUrl: string): Promise<DocSizeResult> {
  const es = loadConfig({ env: {}, overrides: { 'output.elasticsearch.hosts': [esUrl] } }).output.elasticsearch;
  const client = createClient(es);
  await runSetup(client, es, false);
  await client.close();
  const settings: DocumentSettings = {
    agent: { name: 'bench', version: '0.1.0', id: '2b6f8a33-6c1b-4a59-9a0e-2f5c5e1b6d40', hostname: 'bench-host' },
    periodMs: 10_000,
    namespace: 'default',
  };
  const servers = await startServers();
  let lab: HaproxyLab | undefined;
  try {
    lab = await HaproxyLab.start({ config: configWith(2000, { serverPort: servers.port, routeByPath: true }) });
    await traffic(lab, 3);
    const transform = new PollTransform(settings);
    const now: HapbeatEvent[][] = [];
    const before: HapbeatEvent[][] = [];
    let oneSetBytes = 0;
    const t0 = Date.now() - POLLS * 10_000;
    for (let i = 0; i < POLLS; i++) {
      if (i > 0) await traffic(lab, 1);
      const at = t0 + i * 10_000;
      const [info, stat] = [await rawCommand(lab.masterSocket, '@1 show info', 10_000), await rawCommand(lab.masterSocket, '@1 show stat', 10_000)];
      const t = transform.run(recordedPoll(lab.masterSocket, at, { info, stat }));
      now.push(t.events);
      before.push(previousDesign(t.derived, settings));
      const p = t.derived.processes[0]!;
      const own: SampleContext = { ...settings, target: t.derived.target, process: p.identity, sampledAt: p.sampledAt };
      oneSetBytes = [infoEvent(p.info!, own, 1).event, ...statEvents(p.table!, own, 1, p.rates).events].reduce((a, e) => a + e.json.length + 1, 0);
    }
    return {
      oneSetBytes,
      now: figures(now, await storeSize(esUrl, 'sizenow', now)),
      before: figures(before, await storeSize(esUrl, 'sizebefore', before)),
    };
  } finally {
    await lab?.stop();
    for (const b of servers.backends) await b.close();
  }
}
