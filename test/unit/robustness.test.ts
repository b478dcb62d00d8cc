import { afterEach, describe, expect, it } from 'vitest';
import { HaproxySource } from '../../src/haproxy/source.js';
import { parseTarget } from '../../src/haproxy/target.js';
import { PollTransform } from '../../src/pipeline/transform.js';
import { ParseError } from '../../src/parse/errors.js';
import { parseShowProc } from '../../src/parse/show-proc.js';
import { fixture } from '../fixtures.js';
import { fakeServer } from '../harness/fake-socket.js';

const V26 = '2.6.12-1+deb12u4';
const agent = { name: 'it', version: '0', id: 'a', hostname: 'h' };
const limits = { connectTimeoutMs: 1000, readTimeoutMs: 20_000, maxResponseBytes: 256 << 20 };

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers) await c();
  closers = [];
});

/** A scripted master that records every command it receives. */
async function master(answer: (cmd: string) => string) {
  const received: string[] = [];
  const srv = await fakeServer((sock, cmd) => {
    received.push(cmd);
    sock.end(answer(cmd));
  });
  closers.push(srv.close);
  const source = new HaproxySource(parseTarget(srv.path), { limits, concurrency: 2, includeOldWorkers: true });
  return { source, received };
}

/** Every command hapbeat may send: nothing else, ever (HAProxy's master CLI is an admin interface). */
const ALLOWED = /^(show proc|@\d+ show (info|stat)|@!\d+ show (info|stat)( typed)?)$/;

describe('a 200,000-row show stat (about 40 MB on a real HAProxy)', () => {
  it('is processed without a stack overflow: one document per row (one process: its documents are the totals)', { timeout: 120_000 }, async () => {
    const header = '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,status,pid,iid,sid,type,';
    const rows = ['be,BACKEND,0,0,1,2,,3,4,5,UP,1,3,0,1,'];
    for (let i = 1; i <= 199_999; i++) rows.push(`be,s${i},0,0,1,2,,3,4,5,UP,1,3,${i},2,`);
    const stat = `${header}\n${rows.join('\n')}\n\n`;
    const { source } = await master((cmd) => {
      if (cmd === 'show proc') return fixture(V26, 'show-proc.txt');
      if (cmd.endsWith('show info')) return fixture(V26, 'show-info.txt');
      if (cmd.endsWith('show stat')) return stat;
      return fixture(V26, cmd.endsWith('stat typed') ? 'show-stat-typed.txt' : 'show-info-typed.txt');
    });
    const n = new PollTransform({ agent, periodMs: 1000, namespace: 'd' }).run(await source.poll());
    expect(n.derived.errors).toEqual([]);
    expect(n.events.filter((e) => e.dataset === 'haproxy.stat').length).toBe(200_000);
  });
});

describe('numbers that go into commands are validated', () => {
  it('a 30-digit Pid in show info is refused: no command is built from it, and the poll says why', async () => {
    const { source, received } = await master((cmd) => {
      if (cmd === 'show proc') return fixture(V26, 'show-proc.txt');
      if (cmd === '@1 show info') return fixture(V26, 'show-info.txt').replace(/^Pid: \d+$/m, 'Pid: 123456789012345678901234567890');
      return fixture(V26, 'show-stat.txt');
    });
    const poll = await source.poll();
    for (const c of received) expect(c).toMatch(ALLOWED);
    expect(received.some((c) => c.includes('e+'))).toBe(false);
    const errors = poll.samples.flatMap((s) => s.errors.map((e) => e.error.message));
    expect(errors.some((m) => m.includes('invalid Pid "123456789012345678901234567890"'))).toBe(true);
  });

  it.each([
    ['a pid with a command after it', '1;shutdown'],
    ['a pid with a new line', '1\nshutdown sessions'],
    ['a pid too large', '99999999999999999999'],
  ])('a crafted show proc (%s) never turns into another command', async (_what, pid) => {
    const proc = fixture(V26, 'show-proc.txt').replace(/^(\d+)(\s+worker)/m, `${pid}$2`);
    const { source, received } = await master((cmd) => (cmd === 'show proc' ? proc : fixture(V26, cmd.endsWith('info') ? 'show-info.txt' : 'show-stat.txt')));
    await source.poll();
    for (const c of received) expect(c).toMatch(ALLOWED);
  });

  it.each([
    ['a Pid with a command after it', '12; show env'],
    ['a Pid with a prefix of its own', '@!1 show env'],
    ['a negative Pid', '-1'],
  ])('a crafted Pid in show info (%s) never turns into another command', async (_what, pid) => {
    const info = fixture(V26, 'show-info.txt').replace(/^Pid: \d+$/m, `Pid: ${pid}`);
    const { source, received } = await master((cmd) =>
      cmd === 'show proc' ? fixture(V26, 'show-proc.txt') : cmd.endsWith('info') ? info : fixture(V26, 'show-stat.txt'),
    );
    await source.poll();
    expect(received.length).toBeGreaterThan(1);
    for (const c of received) expect(c).toMatch(ALLOWED);
  });

  it('crafted configuration values (a target name or address with a new line) never reach a command', async () => {
    const { received } = await master(() => fixture(V26, 'show-proc.txt'));
    expect(() => parseTarget('/run/m.sock\nshow env')).toThrow();
    const srv = await fakeServer((sock, cmd) => {
      received.push(cmd);
      sock.end(cmd === 'show proc' ? fixture(V26, 'show-proc.txt') : fixture(V26, cmd.endsWith('info') ? 'show-info.txt' : 'show-stat.txt'));
    });
    closers.push(srv.close);
    const target = { ...parseTarget(srv.path), name: 'edge\nshow env; shutdown frontend fe' };
    await new HaproxySource(target, { limits, concurrency: 2, includeOldWorkers: true }).poll();
    expect(received.length).toBeGreaterThan(1);
    for (const c of received) expect(c).toMatch(ALLOWED);
  });
});

describe('garbage bytes from a socket are escaped before they reach a message or a log', () => {
  it.each([
    ['an escape sequence', '\x1b[2J\x1b[31mred'],
    ['C1 controls and DEL', '\x9b31m\x7f\x85'],
    ['NUL and a bell', 'a\x00b\x07c'],
  ])('%s in a show proc line', (_what, junk) => {
    let err: unknown;
    try {
      parseShowProc(`${junk}\n`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParseError);
    expect((err as Error).message).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });

  it('in an answer naming a process that is gone', async () => {
    const { source } = await master((cmd) => {
      if (cmd === 'show proc') return fixture(V26, 'show-proc.txt');
      return "Can't find the target PID matching the prefix '\x1b]0;pwned\x07'\n";
    });
    const poll = await source.poll();
    const text = JSON.stringify(poll.skipped) + poll.samples.flatMap((s) => s.errors.map((e) => e.error.message)).join(' ');
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });
});
