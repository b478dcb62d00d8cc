import { afterEach, describe, expect, it } from 'vitest';
import { HaproxySource } from '../../src/haproxy/source.js';
import { parseTarget } from '../../src/haproxy/target.js';
import { PollTransform } from '../../src/pipeline/transform.js';
import { fixture } from '../fixtures.js';
import { fakeServer } from '../harness/fake-socket.js';

const V32 = '3.2.26-1';
const OLD = 25147;
const NEW = 25150;
const info = (pid: number, stopping: 0 | 1) =>
  fixture(V32, 'show-info.txt')
    .replace(/^Pid: \d+$/m, `Pid: ${pid}`)
    .replace(/^Stopping: \d$/m, `Stopping: ${stopping}`);
const agent = { name: 'it', version: '0', id: 'a', hostname: 'h' };

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers) await c();
  closers = [];
});

/**
 * A master caught in the middle of a reload, as HAProxy 3.2 shows it on a busy machine: `show proc` already
 * lists the new worker under `# workers` and the old one under `# old workers`, but `@1` still reaches the old
 * worker, which has not been told to stop yet. Then the reload completes.
 */
type Phase = 'before' | 'unready' | 'mid' | 'settled';

async function masterMidReload(state: { phase: Phase }) {
  const srv = await fakeServer((sock, cmd) => {
    const answer = (() => {
      if (cmd === 'show proc') return fixture(V32, state.phase === 'before' ? 'show-proc.txt' : 'show-proc-after-reload.txt');
      if (cmd === '@1 show info') return state.phase === 'settled' ? info(NEW, 0) : info(OLD, 0);
      if (cmd === `@!${NEW} show info`) return state.phase === 'unready' ? fixture(V32, 'unknown-target.txt').replace("'@9'", `'@!${NEW}'`) : info(NEW, 0);
      if (cmd === `@!${OLD} show info`) return info(OLD, state.phase === 'settled' ? 1 : 0);
      if (/^@!\d+ show stat$/.test(cmd)) return fixture(V32, 'show-stat.txt');
      if (/show (stat|info) typed$/.test(cmd)) return fixture(V32, cmd.endsWith('stat typed') ? 'show-stat-typed.txt' : 'show-info-typed.txt');
      return `Unknown command: '${cmd}'\n`;
    })();
    sock.end(`${answer}\n`);
  });
  closers.push(srv.close);
  return new HaproxySource(parseTarget(srv.path), {
    limits: { connectTimeoutMs: 1000, readTimeoutMs: 2000, maxResponseBytes: 10 << 20 },
    concurrency: 2,
    includeOldWorkers: true,
  });
}

describe('a reload between show proc and @1 (HAProxy 3.2 on a busy machine)', () => {
  it('samples every listed worker once, each with its own listing, when @1 answers from the old worker', async () => {
    expect(fixture(V32, 'show-proc-after-reload.txt')).toMatch(new RegExp(`# workers\\n${NEW} .*\\n# old workers\\n${OLD} `));
    const source = await masterMidReload({ phase: 'mid' as Phase });
    const poll = await source.poll();
    expect(poll.error).toBeUndefined();
    const got = poll.samples.map((s) => [s.ref.prefix, s.ref.section, s.ref.row?.pid]);
    expect(got).toEqual([
      ['@1', 'oldWorkers', OLD], // @1 reached the old worker: it keeps its own row
      [`@!${NEW}`, 'workers', NEW], // the listed new worker is still sampled, by pid
    ]);
  });

  it('lifecycle: the new worker starts as process 1, and the old one is reported stopping once it says so', async () => {
    const state: { phase: Phase } = { phase: 'before' };
    const source = await masterMidReload(state);
    const processor = new PollTransform({ agent, periodMs: 1000, namespace: 'default' });
    const events = async () =>
      processor
        .run(await source.poll())
        .events.filter((e) => e.dataset === 'haproxy.process')
        .map((e) => JSON.parse(e.json.toString()) as { event: { action: string }; process?: { pid: number }; haproxy: { process: { num?: number } } })
        .map((d) => [d.event.action, d.process?.pid, d.haproxy.process.num]);
    expect(await events()).toEqual([]); // the baseline: one worker
    state.phase = 'mid';
    expect(await events()).toEqual([['worker-started', NEW, 1]]); // the old worker still says Stopping: 0
    state.phase = 'settled';
    expect(await events()).toEqual([['worker-stopping', OLD, 1]]);
    const parts = processor.run(await source.poll()).derived.processes.map((p) => [p.identity.pid, p.identity.num, p.identity.old]);
    expect(parts).toEqual([
      [NEW, 1, false],
      [OLD, 1, true],
    ]);
  });
});

describe('a new worker listed before it answers the CLI', () => {
  it('is reported started as process 1 (the only worker number on 2.5 and later), and counted as skipped', async () => {
    const state: { phase: Phase } = { phase: 'before' };
    const source = await masterMidReload(state);
    const processor = new PollTransform({ agent, periodMs: 1000, namespace: 'default' });
    await source.poll().then((p) => processor.run(p));
    state.phase = 'unready';
    const poll = await source.poll();
    expect(poll.skipped.map((s) => s.pid)).toEqual([NEW]);
    const events = processor
      .run(poll)
      .events.filter((e) => e.dataset === 'haproxy.process')
      .map((e) => JSON.parse(e.json.toString()) as { event: { action: string }; process: { pid: number }; haproxy: { process: { num?: number } } });
    expect(events.map((d) => [d.event.action, d.process.pid, d.haproxy.process.num])).toEqual([['worker-started', NEW, 1]]);
  });
});
