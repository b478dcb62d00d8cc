import { docOf, perProcess } from '../documents.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseShowInfo } from '../../src/parse/show-info.js';
import { parseShowStat } from '../../src/parse/show-stat.js';
import { statEvents } from '../../src/documents/stat-documents.js';
import { infoEvent } from '../../src/documents/info-document.js';
import type { SampleContext } from '../../src/documents/envelope.js';
import { STAT_FIELDS } from '../../src/fields/stat-fields.js';
import { INFO_FIELDS } from '../../src/fields/info-fields.js';
import { serializeEvent } from '../../src/output/output.js';
import { parseTarget } from '../../src/haproxy/target.js';
import type { TargetPoll } from '../../src/haproxy/source.js';
import { fixture, V26 } from '../fixtures.js';
import { PollTransform } from '../../src/pipeline/transform.js';
import { tableRows } from '../../src/parse/stat-table.js';

const agent = { name: 'test-agent', version: '0.1.0', id: '11111111-2222-3333-4444-555555555555', hostname: 'lab' };
const ctx = (over: Partial<SampleContext> = {}): SampleContext => ({
  target: { name: 'lb1', address: '/run/haproxy-master.sock' },
  agent,
  process: { pid: 4818, num: 1, old: false, stopping: false, reloads: 0, startTime: 1795217509, version: '2.6.12-1+deb12u4' },
  sampledAt: Date.UTC(2026, 10, 20, 12, 0, 0, 250),
  periodMs: 10000,
  namespace: 'default',
  ...over,
});

type Doc = Record<string, any>;

describe('statEvents on the recorded 2.6 show stat', () => {
  const table = parseShowStat(fixture(V26, 'show-stat.txt'));
  const r = statEvents(table, ctx(), 123456);
  const docs = r.events.map((e) => docOf(e) as Doc);
  const csv = (px: string, sv: string, c: string) => tableRows(table).find((x) => x[0] === px && x[1] === sv)![table.header.indexOf(c)]!;
  const doc = (px: string, sv: string): Doc => docs.find((d) => d.haproxy.stat.proxy.name === px && d.haproxy.stat.service_name === sv)!;

  it('emits one document per row, with no problems and no unknown columns', () => {
    expect(r.events).toHaveLength(12);
    expect(r.problems).toEqual([]);
    expect(r.unknownColumns).toEqual([]);
    expect(r.rejectedRows).toBe(0);
  });

  it('fills the ECS and process identity fields', () => {
    const d = doc('fe_main', 'FRONTEND');
    expect(d['@timestamp']).toBe('2026-11-20T12:00:00.250Z');
    expect(d.event).toEqual({ module: 'haproxy', dataset: 'haproxy.stat', duration: 123456 });
    expect(d.metricset).toEqual({ name: 'stat', period: 10000 });
    expect(d.data_stream).toEqual({ type: 'metrics', dataset: 'haproxy.stat', namespace: 'default' });
    expect(d.service).toEqual({ type: 'haproxy', address: '/run/haproxy-master.sock', name: 'lb1' });
    expect(d.host).toEqual({ name: 'lab' });
    expect(d.agent).toEqual({ type: 'hapbeat', version: '0.1.0', name: 'test-agent', id: agent.id });
    expect(d.process).toEqual({ pid: 4818 });
    expect(d.haproxy.version).toBe('2.6.12-1+deb12u4');
    expect(d.haproxy.process).toEqual({
      scope: 'process',
      old: false,
      num: 1,
      pid: 4818,
      reloads: 0,
      stopping: false,
      start_time: '2026-11-20T23:31:49.000Z',
    });
  });

  it('maps frontend values with Metricbeat names, numbers kept numeric', () => {
    const s = doc('fe_main', 'FRONTEND').haproxy.stat;
    expect(s.component_type).toBe(0);
    expect(s.component).toBe('frontend');
    expect(s.status).toBe('OPEN');
    expect(s.state).toEqual({ name: 'OPEN' });
    expect(s.response.http['2xx']).toBe(7);
    expect(s.request.total).toBe(7);
    expect(s.session.total).toBe(7);
    expect(s.connection.total).toBe(7);
    expect(s.in.bytes).toBe(364);
    expect(s.out.bytes).toBe(875);
    expect(s.proxy).toEqual({ name: 'fe_main', id: 2, mode: 'http' });
    expect(s.server.id).toBe(0);
    expect(s.request.queued).toBeUndefined(); // empty on FRONTEND rows: left out, not 0
  });

  it('maps server values and the Metricbeat fixes', () => {
    const app1 = doc('be_app', 'app1').haproxy.stat;
    expect(app1.component).toBe('server');
    expect(app1.session.total).toBe(4);
    expect(app1.response.http['2xx']).toBe(4);
    expect(app1.check.status).toBe(csv('be_app', 'app1', 'check_status'));
    const down = doc('be_app', 'down1').haproxy.stat;
    expect(down.status).toBe('DOWN');
    expect(down.session.last_age).toBeUndefined(); // -1 sentinel: never had a session
    expect(down.agent.check.fall).toBe(1); // Metricbeat never fills check_fall
    const q1 = doc('be_quirk', 'q1').haproxy.stat;
    expect(q1.check.health.last).toBe('Down, for "maint"');
    expect(q1.check.code).toBe(503);
    const t1 = doc('li_both', 't1').haproxy.stat;
    expect(t1.tracked).toEqual({ name: 'be_app/app1' }); // a name, not Metricbeat's numeric tracked.id
    const slow = doc('be_slow', 'slow1').haproxy.stat;
    expect(slow.state).toEqual({ name: 'no check' });
    const be = doc('be_app', 'BACKEND').haproxy.stat;
    expect(be.agg).toEqual({ server_status: 0, server_check_status: 0, check_status: 0 });
    expect(be.load_balancing_algorithm).toBe('roundrobin');
    expect(be.ssl).toEqual({ sess: 0, reused_sess: 0, failed_handshake: 0 });
    expect(be.h2.headers_rcvd).toBe(0);
    expect(be.h1.bytes_in).toBe(Number(csv('be_app', 'BACKEND', 'h1_bytes_in')));
    expect(be.h1.bytes_in).toBeGreaterThan(0);
  });

  it('gives every row a distinct deterministic id, including the two rows of a listen section', () => {
    const ids = r.events.map((e) => e.id);
    expect(new Set(ids).size).toBe(12);
    const again = statEvents(table, ctx(), 1).events.map((e) => e.id);
    expect(again).toEqual(ids); // same sample → same ids, whatever the duration
    const later = statEvents(table, ctx({ sampledAt: ctx().sampledAt + 1 }), 1).events.map((e) => e.id);
    expect(later.filter((id) => ids.includes(id))).toEqual([]);
    const otherProcess = statEvents(table, ctx({ process: { ...ctx().process, pid: 4824 } }), 1).events.map((e) => e.id);
    expect(otherProcess.filter((id) => ids.includes(id))).toEqual([]);
  });

  it('reports values of the wrong shape and keeps the rest of the document', () => {
    const bad = parseShowStat(fixture(V26, 'show-stat.txt').replace('fe_main,FRONTEND,,,0,1,', 'fe_main,FRONTEND,,,zero,1,'));
    const rr = statEvents(bad, ctx(), 1);
    expect(rr.events).toHaveLength(12);
    expect(rr.problems).toEqual([{ dataset: 'haproxy.stat', field: 'scur', value: 'zero', reason: 'expected long', row: 'fe_main/FRONTEND' }]);
    const fe = docOf(rr.events[0]!) as Doc;
    expect(fe.haproxy.stat.session.current).toBeUndefined();
    expect(fe.haproxy.stat.session.max).toBe(1);
  });

  it('skips rows whose identity is unusable, and counts them', () => {
    const bad = parseShowStat('# pxname,svname,iid,sid,type,scur,\n,FRONTEND,1,0,0,1,\nfe,FRONTEND,x,0,0,1,\nfe,FRONTEND,1,0,9,1,\nfe,FRONTEND,1,0,0,1,\n\n');
    const rr = statEvents(bad, ctx(), 1);
    expect(rr.events).toHaveLength(1);
    expect(rr.rejectedRows).toBe(3);
  });

  it('ignores and reports unknown columns, and reads stats-module columns after "-"', () => {
    const rr = statEvents(parseShowStat('# pxname,svname,iid,sid,type,scur,brand_new,-,quic_rxbuf_full,foo_bar,\nfe,FRONTEND,1,0,0,1,9,-,5,7,\n\n'), ctx(), 1);
    expect(rr.unknownColumns).toEqual(['brand_new', 'foo_bar']);
    const s = (docOf(rr.events[0]!) as Doc).haproxy.stat;
    expect(s.quic).toEqual({ rxbuf_full: 5 });
    expect(s.brand_new).toBeUndefined();
  });
});

describe('infoEvent on the recorded 2.6 show info', () => {
  const info = parseShowInfo(fixture(V26, 'show-info.txt'));
  const r = infoEvent(info, ctx(), 99);
  const d = docOf(r.event) as Doc;

  it('maps with Metricbeat names and the fixes', () => {
    expect(r.problems).toEqual([]);
    expect(r.unknownKeys).toEqual([]);
    expect(r.event.dataset).toBe('haproxy.info');
    expect(d.event.dataset).toBe('haproxy.info');
    expect(d.metricset.name).toBe('info');
    const i = d.haproxy.info;
    expect(i.process_num).toBe(1);
    expect(i.processes).toBe(1);
    expect(i.threads).toBe(Number(info.Nbthread));
    expect(i.unstoppable_jobs).toBe(1);
    expect(i.idle.pct).toBe(Number(info.Idle_pct) / 100);
    expect(i.bytes.out.spliced_total).toBe(0); // read from the 2.6 typo key TotalSplicdedBytesOut
    expect(i.memory.max.bytes).toBe(0);
    expect(i.pool.allocated_bytes).toBe(Number(info.PoolAlloc_bytes));
    expect(i.requests.total).toBe(Number(info.CumReq));
    expect(i.tainted).toBe('0');
    expect(i.pid).toBeUndefined();
    expect(d.process.pid).toBe(4818);
  });

  it('converts Memmax_MB to bytes, and an empty Idle_pct does not fail the document', () => {
    const rr = infoEvent({ Name: 'HAProxy', Pid: '5', Memmax_MB: '512', Idle_pct: '' }, ctx(), 1);
    expect(rr.problems).toEqual([]);
    expect((docOf(rr.event) as Doc).haproxy.info.memory.max.bytes).toBe(512 * 1048576);
    expect((docOf(rr.event) as Doc).haproxy.info.idle).toBeUndefined();
  });

  it('serializes to one NDJSON line that carries the id in @metadata', () => {
    const line = serializeEvent(r.event);
    expect(line).not.toContain('\n');
    const back = JSON.parse(line);
    expect(back['@metadata']).toEqual({ _id: r.event.id, dataset: 'haproxy.info' });
    expect(back.haproxy.info.jobs).toBe(d.haproxy.info.jobs);
  });
});

describe('process identity', () => {
  const target = parseTarget('/run/m.sock');
  const poll = (section: 'workers' | 'oldWorkers', infoText: string | undefined, statText: string): TargetPoll => ({
    target,
    startedAt: 0,
    durationNs: 0,
    skipped: [],
    samples: [
      {
        ref: {
          prefix: section === 'workers' ? '@1' : '@!4818',
          section,
          row: { pid: 4818, type: 'worker', reloads: 1, uptimeSec: 30, version: '2.6.12-1+deb12u4' },
        },
        sampledAt: 1_800_000_000_000,
        info: infoText === undefined ? undefined : { text: infoText, durationNs: 1 },
        stat: { text: statText, durationNs: 1 },
        errors: [],
      },
    ],
  });

  it('flags an old worker from Stopping: 1', () => {
    const n = perProcess(poll('oldWorkers', fixture(V26, 'old-worker-show-info.txt'), fixture(V26, 'old-worker-show-stat.txt')), {
      agent,
      periodMs: 1000,
      namespace: 'default',
    });
    expect(n.derived.errors).toEqual([]);
    expect(n.processes).toHaveLength(1);
    expect(n.processes[0]!.identity).toMatchObject({ pid: 4818, num: 1, old: true, stopping: true, reloads: 1 });
    expect(n.events).toHaveLength(13);
  });

  it('trusts Stopping: 0 over the section (the serving worker after a failed reload)', () => {
    const n = perProcess(poll('oldWorkers', fixture(V26, 'show-info.txt'), fixture(V26, 'show-stat.txt')), { agent, periodMs: 1000, namespace: 'default' });
    expect(n.processes[0]!.identity.old).toBe(false);
  });

  it('derives the start time from uptime when Start_time_sec is missing (2.2), and reports parse errors without throwing', () => {
    const info = 'Name: HAProxy\nVersion: 2.2.9\nPid: 77\nProcess_num: 2\nUptime_sec: 100\nStopping: 0\n\n';
    const n = perProcess(poll('workers', info, 'garbage'), { agent, periodMs: 1000, namespace: 'default' });
    expect(n.processes[0]!.identity).toMatchObject({ pid: 77, num: 2, startTime: 1_800_000_000 - 100, version: '2.2.9' });
    expect(n.derived.errors).toHaveLength(1);
    expect(n.derived.errors[0]!.error.message).toContain('cannot parse "show stat" output');
    expect(n.events).toHaveLength(1);
  });
});

describe('one process, one document set (haproxy.process.count)', () => {
  const target = parseTarget('/run/m.sock');
  const sample = (prefix: string, section: 'workers' | 'oldWorkers', pid: number, info: string, stat: string) => ({
    ref: { prefix, section, row: { pid, type: 'worker', reloads: section === 'workers' ? 1 : 0, uptimeSec: 30, version: '2.6.12-1+deb12u4' } },
    sampledAt: 1_800_000_000_100,
    info: { text: info.replace(/^Pid: \d+$/m, `Pid: ${pid}`), durationNs: 1 },
    stat: { text: stat, durationNs: 1 },
    errors: [],
  });
  const poll = (samples: TargetPoll['samples']): TargetPoll => ({ target, startedAt: 1_800_000_000_000, durationNs: 5, skipped: [], samples });
  const current = () => sample('@1', 'workers', 4818, fixture(V26, 'show-info.txt'), fixture(V26, 'show-stat.txt'));
  const old = () => sample('@!4000', 'oldWorkers', 4000, fixture(V26, 'old-worker-show-info.txt'), fixture(V26, 'old-worker-show-stat.txt'));
  const settings = { agent, periodMs: 1000, namespace: 'default' };

  it('a lone worker gets only the totals (12 stat + 1 info), which carry its identity and count 1', () => {
    const t = new PollTransform(settings).run(poll([current()]));
    expect(t.events).toHaveLength(13);
    const docs = t.events.map(docOf);
    for (const d of docs) {
      expect(d.haproxy.process).toEqual({ scope: 'all', count: 1, old: false, num: 1, pid: 4818, reloads: 1, stopping: false, start_time: expect.any(String) });
      expect(d.process).toEqual({ pid: 4818 });
    }
    expect(t.instanceDocs).toEqual({ 'haproxy.stat': 12, 'haproxy.info': 1 });
    expect(t.processes).toEqual([expect.objectContaining({ prefix: '@1', statDocs: 12, infoDocs: 1, sole: true })]);
    // The values are the process's own: the same as a per-process document of the same sample.
    const alone = statEvents(parseShowStat(fixture(V26, 'show-stat.txt')), ctx({ process: t.processes[0]!.identity }), 1).events.map(docOf);
    const fe = (ds: Doc[]) => ds.find((d) => d.haproxy.stat?.proxy.name === 'fe_main' && d.haproxy.stat.service_name === 'FRONTEND')!.haproxy.stat;
    expect(fe(docs)).toEqual({ ...fe(alone), session: { ...fe(alone).session, usage_ratio: 0 } }); // plus the derived ratio
    // And the info document keeps what the totals of several processes leave out (uptime, pid).
    const info = docs.find((d) => d.event.dataset === 'haproxy.info')!.haproxy.info;
    expect(info.uptime.sec).toBe(Number(/^Uptime_sec: (\d+)$/m.exec(fixture(V26, 'show-info.txt'))![1]));
  });

  it('a worker and an old worker: each its own set (scope process), and the totals with count 2 and no pid', () => {
    const t = new PollTransform(settings).run(poll([current(), old()]));
    const docs = t.events.map(docOf);
    const scoped = (s: string) => docs.filter((d) => d.haproxy.process.scope === s);
    expect(scoped('process')).toHaveLength(13 + 13);
    expect(scoped('all')).toHaveLength(13);
    for (const d of scoped('all')) {
      expect(d.haproxy.process).toEqual({ scope: 'all', count: 2, old: false });
      expect(d.process).toBeUndefined();
    }
    for (const d of scoped('process')) expect(d.haproxy.process.count).toBeUndefined();
    expect(t.processes.map((p) => p.sole)).toEqual([false, false]);
  });

  it('the per-process filter (scope process or count 1) finds each process once per poll, the instance filter the totals once', () => {
    const tr = new PollTransform(settings);
    const polls = [[current()], [current(), old()], [current()]].map((s, i) => tr.run({ ...poll(s), startedAt: 1_800_000_000_000 + i * 1000 }));
    const docs = polls
      .flatMap((p) => p.events.map(docOf))
      .filter((d) => d.haproxy.stat?.service_name === 'FRONTEND' && d.haproxy.stat.proxy.name === 'fe_main');
    const perProc = docs.filter((d) => d.haproxy.process.scope === 'process' || d.haproxy.process.count === 1);
    expect(perProc.map((d) => d.haproxy.process.pid)).toEqual([4818, 4818, 4000, 4818]);
    expect(docs.filter((d) => d.haproxy.process.scope === 'all')).toHaveLength(3);
  });
});

describe('field tables', () => {
  it('never map two fields so that one path is the parent of another (a mapping conflict)', () => {
    for (const [table, extra] of [
      [STAT_FIELDS, ['component', 'state.name', 'state.transition', 'state.reason', 'state.via']],
      [INFO_FIELDS, []],
    ] as const) {
      const paths = [...new Set([...table.filter((f) => !f.absolute).map((f) => f.field), ...extra])];
      for (const a of paths) for (const b of paths) if (a !== b) expect(b.startsWith(`${a}.`), `${a} vs ${b}`).toBe(false);
    }
  });

  it('document every field and never map one column twice', () => {
    const sources = STAT_FIELDS.flatMap((f) => [f.source, ...(f.aliases ?? [])]);
    expect(new Set(sources).size).toBe(sources.length);
    for (const f of [...STAT_FIELDS, ...INFO_FIELDS]) expect(f.doc.length).toBeGreaterThan(5);
  });
});

describe('document ids', () => {
  // Values are copied from the answer's text into the JSON, character by character, when they need no escape:
  // checked against JSON.stringify and the digits themselves on random values, through the real parser.
  it("a row's strings and integers come out of the document as they went in, escaped or not", () => {
    // What a CLI answer decoded from UTF-8 can hold: any character but a lone surrogate.
    const char = fc.oneof(
      fc.constantFrom('"', '\\', ',', ' ', '\u0001', '\u001f', '\u007f', 'é', '😀', '€'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    );
    const value = fc.string({ unit: char, maxLength: 16 }).filter((v) => !/[\r\n]/.test(v) && v !== '');
    const int = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String), fc.stringMatching(/^0[0-9]{1,3}$/), fc.constant('-1'));
    const quote = (v: string) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    fc.assert(
      fc.property(value, value, int, (addr, cookie, stot) => {
        const text = `# pxname,svname,iid,sid,type,addr,cookie,stot,\nbe,s1,3,1,2,${quote(addr)},${quote(cookie)},${stot},\n\n`;
        const [e] = statEvents(parseShowStat(text), ctx(), 1).events;
        const json = e!.json.toString();
        const d = JSON.parse(json) as Doc;
        expect(d.haproxy.stat.source.address).toBe(addr);
        expect(d.haproxy.stat.cookie).toBe(cookie);
        expect(json).toContain(`"session":{"total":${BigInt(stot).toString()}}`); // exact digits, beyond 2^53 too
      }),
      { numRuns: 1000 },
    );
  });

  it('documentIdsFor (hash state copied per row) equals documentId', async () => {
    const { documentId, documentIdsFor } = await import('../../src/documents/document-id.js');
    const f = documentIdsFor(['stat', '/run/m.sock', 12, undefined, 1, 1_800_000_000_000]);
    expect(f([3, 0, 1, 'be', 'BACKEND'])).toBe(documentId(['stat', '/run/m.sock', 12, undefined, 1, 1_800_000_000_000, 3, 0, 1, 'be', 'BACKEND']));
    expect(f([3, 0, 1, 'be', 'BACKEND'])).not.toBe(f([3, 0, 0, 'be', 'FRONTEND']));
  });

  it('ids are the SHA-1 of their parts, whichever hashing API this Node offers', async () => {
    const { createHash } = await import('node:crypto');
    const { documentId } = await import('../../src/documents/document-id.js');
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.integer(), fc.constant(undefined)), { maxLength: 8 }), (parts) => {
        const key = parts.map((p) => `${p === undefined ? '\u0001' : String(p)}\u0000`).join('');
        expect(documentId(parts)).toBe(createHash('sha1').update(key).digest('base64url'));
      }),
      { numRuns: 300 },
    );
  });
});
