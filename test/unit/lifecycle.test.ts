import { describe, expect, it } from 'vitest';
import { LifecycleTracker } from '../../src/derive/lifecycle.js';
import { parseShowProc } from '../../src/parse/show-proc.js';
import { parseTarget } from '../../src/haproxy/target.js';
import type { TargetPoll } from '../../src/haproxy/source.js';
import type { ProcessIdentity } from '../../src/derive/identity.js';
import { processEvent } from '../../src/documents/process-document.js';

type ParsedProcess = { identity: ProcessIdentity };
const settings = { agent: { name: 'a', version: '0', id: 'x', hostname: 'h' }, periodMs: 1000, namespace: 'default' };
/** The tracker's changes as the documents they become. */
const tracker = () => {
  const t = new LifecycleTracker();
  return { track: (p: TargetPoll, parts: ParsedProcess[]) => t.track(p, parts).map((c) => processEvent(c, p.target, settings)) };
};

const H = '#<PID>          <type>          <reloads>       <uptime>        <version>      ';
const proc = (failed: number, reloads: number, workers: string[], old: string[]) =>
  [
    H,
    `10 master ${reloads} [failed: ${failed}] 0d00h01m00s 3.2.26-1`,
    '# workers',
    ...workers.map((p) => `${p} worker 0 0d00h00m10s 3.2.26-1`),
    ...(old.length ? ['# old workers', ...old.map((p) => `${p} worker 1 0d00h01m00s 3.2.26-1`)] : []),
    '',
    '',
  ].join('\n');
const poll = (text: string, at: number): TargetPoll => ({
  target: parseTarget('/run/m.sock'),
  startedAt: at,
  durationNs: 1,
  samples: [],
  skipped: [],
  procList: parseShowProc(text),
});
const part = (pid: number, old: boolean): ParsedProcess => ({
  identity: { pid, num: 1, old, stopping: old, version: '3.2.26-1', startTime: 1_800_000_000 },
});

describe('LifecycleTracker', () => {
  it('reports workers starting, stopping and exiting, and failed reloads; the first poll is the baseline', () => {
    const t = tracker();
    const actions = (text: string, at: number, parts: ParsedProcess[]) =>
      t.track(poll(text, at), parts).map((e) => {
        const d = JSON.parse(e.json.toString());
        return [d.event.action, d.process?.pid, d.haproxy.master.failed_reloads];
      });
    expect(actions(proc(0, 0, ['100'], []), 1, [part(100, false)])).toEqual([]);
    // A reload: 200 starts, 100 becomes old.
    expect(actions(proc(0, 1, ['200'], ['100']), 2, [part(200, false), part(100, true)])).toEqual([
      ['worker-started', 200, 0],
      ['worker-stopping', 100, 0],
    ]);
    // The old worker exits.
    expect(actions(proc(0, 1, ['200'], []), 3, [part(200, false)])).toEqual([['worker-exited', 100, 0]]);
    // A failed reload: the count rises, the serving worker is still live (Stopping: 0), no other event.
    expect(actions(proc(1, 2, [], ['200']), 4, [part(200, false)])).toEqual([['reload-failed', undefined, 1]]);
    expect(actions(proc(1, 2, [], ['200']), 5, [part(200, false)])).toEqual([]);
  });

  it('events carry the process, its relative number and version, and unique ids', () => {
    const t = tracker();
    t.track(poll(proc(0, 0, ['100'], []), 1), [part(100, false)]);
    const ev = t.track(poll(proc(0, 1, ['200'], ['100']), 2), [part(200, false), part(100, true)]);
    const d = JSON.parse(ev[0]!.json.toString());
    expect(d.event).toEqual({ module: 'haproxy', dataset: 'haproxy.process', kind: 'event', action: 'worker-started' });
    expect(d.haproxy.process).toMatchObject({ pid: 200, num: 1, old: false });
    expect(d.haproxy.version).toBe('3.2.26-1');
    expect(new Set(ev.map((e) => e.id)).size).toBe(2);
    expect(ev[0]!.dataset).toBe('haproxy.process');
  });
});
