import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliClient } from '../../src/haproxy/cli-client.js';
import {
  ConnectTimeoutError,
  EmptyResponseError,
  HaproxyUnreachableError,
  ProcessGoneError,
  ReadTimeoutError,
  ResponseTooLargeError,
  UnknownCommandError,
  CliPermissionError,
} from '../../src/haproxy/errors.js';
import { HaproxySource } from '../../src/haproxy/source.js';
import { perProcess } from '../documents.js';
import { parseTarget } from '../../src/haproxy/target.js';
import { fixture, V26 } from '../fixtures.js';
import { ownSockets } from '../harness/sockets.js';
import { fakeServer, type Behaviour } from '../harness/fake-socket.js';

const limits = { connectTimeoutMs: 500, readTimeoutMs: 300, maxResponseBytes: 100_000 };
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

async function withServer(behave: Behaviour) {
  const srv = await fakeServer(behave);
  cleanup.push(srv.close);
  return { srv, client: new CliClient({ kind: 'unix', path: srv.path }, { limits }) };
}

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('CliClient against a fake socket server', () => {
  it('sends one command and ;quit, keeps its write side open, and reads to EOF', async () => {
    let got = '';
    let halfClosedBeforeAnswer: boolean | undefined;
    const { srv, client } = await withServer((s, cmd) => {
      got = cmd;
      // Answer a moment later, so that a half-close sent with the command would have arrived by then.
      setTimeout(() => {
        halfClosedBeforeAnswer = s.readableEnded;
        s.end('Name: HAProxy\nPid: 1\n\n');
      }, 50);
    });
    const r = await client.run('@1 show info');
    expect(got).toBe('@1 show info');
    expect(srv.lines).toEqual(['@1 show info;quit']);
    // A half-close that comes with the command can leave the connection on HAProxy 3.x's master for good.
    expect(halfClosedBeforeAnswer).toBe(false);
    expect(r.text).toBe('Name: HAProxy\nPid: 1\n\n');
    expect(r.durationNs).toBeGreaterThan(0);
  });

  it('times out a server that never answers, and leaves no socket open on either side', async () => {
    const before = ownSockets();
    const { srv, client } = await withServer(() => undefined);
    const serverSockets = ownSockets() - before; // the listening socket
    const results = await Promise.allSettled([client.run('show proc'), client.run('show proc'), client.run('show proc')]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ReadTimeoutError);
      expect((r as PromiseRejectedResult).reason.message).toContain('no complete answer to "show proc"');
    }
    await settle();
    expect(await srv.open()).toBe(0);
    expect(ownSockets() - before).toBe(serverSockets);
  });

  it('caps a huge answer and closes the connection', async () => {
    const before = ownSockets();
    const { srv, client } = await withServer((s) => {
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        while (s.writable && s.write(chunk));
        if (s.writable) s.once('drain', pump);
      };
      pump();
    });
    const base = ownSockets() - before;
    await expect(client.run('@1 show stat')).rejects.toBeInstanceOf(ResponseTooLargeError);
    await settle();
    expect(await srv.open()).toBe(0);
    expect(ownSockets() - before).toBe(base);
  });

  it('turns HAProxy error answers into typed errors', async () => {
    const answers: Record<string, string> = {
      'show info': fixture(V26, 'master-unknown-command.txt'),
      '@9 show info': fixture(V26, 'unknown-target.txt'),
      'show proc': '',
      'set x': 'Permission denied\n\n',
    };
    const { client } = await withServer((s, cmd) => s.end(answers[cmd] ?? ''));
    await expect(client.run('show info')).rejects.toBeInstanceOf(UnknownCommandError);
    await expect(client.run('show info')).rejects.toThrow('this looks like a worker stats socket, not the master CLI');
    await expect(client.run('@9 show info')).rejects.toBeInstanceOf(ProcessGoneError);
    await expect(client.run('show proc')).rejects.toBeInstanceOf(EmptyResponseError);
    await expect(client.run('set x')).rejects.toBeInstanceOf(CliPermissionError);
  });

  it('does not wait for an EOF after "Can\'t find the target PID" (3.x keeps the connection open)', async () => {
    const { srv, client } = await withServer((s) => s.write("Can't find the target PID matching the prefix '@!123'\n"));
    const err = await client.run('@!123 show info').catch((e) => e);
    expect(err).toBeInstanceOf(ProcessGoneError);
    expect(err.prefix).toBe('@!123');
    await settle();
    expect(await srv.open()).toBe(0);
  });

  it('names the socket and the -S flag when the socket is missing or refused', async () => {
    const missing = new CliClient({ kind: 'unix', path: '/nonexistent/master.sock' }, { limits });
    const e1 = await missing.run('show proc').catch((e) => e);
    expect(e1).toBeInstanceOf(HaproxyUnreachableError);
    expect(e1.message).toBe(
      'cannot connect to /nonexistent/master.sock (the socket file does not exist): is HAProxy running in master-worker mode with "-S /nonexistent/master.sock"?',
    );
    const worker = new CliClient({ kind: 'tcp', host: '127.0.0.1', port: 1 }, { limits, mode: 'socket' });
    const e2 = await worker.run('show info').catch((e) => e);
    expect(e2.message).toContain('connection refused');
    expect(e2.message).toContain('stats socket ipv4@127.0.0.1:1 level admin');
  });

  it('says which user needs access when the socket file is not accessible', async () => {
    if (process.getuid?.() === 0) {
      // root ignores file modes; check the hint builder on a plain file that is not a socket instead
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-perm-'));
      const f = path.join(dir, 'not-a-socket');
      writeFileSync(f, '');
      chmodSync(f, 0o600);
      const e = await new CliClient({ kind: 'unix', path: f }, { limits }).run('show proc').catch((x) => x);
      expect(e).toBeInstanceOf(HaproxyUnreachableError);
      expect(e.message).toContain('connection refused');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('times out a connect that never completes', async () => {
    // 10.255.255.1 is never used: a non-routable address would leave loopback, so use a full listen backlog instead.
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen({ port: 0, host: '127.0.0.1', backlog: 0 }, () => r()));
    srv.on('connection', () => undefined);
    const port = (srv.address() as net.AddressInfo).port;
    const c = new CliClient({ kind: 'tcp', host: '127.0.0.1', port }, { limits: { ...limits, connectTimeoutMs: 100 } });
    const r = await c.run('show proc').catch((e) => e);
    // Linux accepts into the backlog anyway, so either the connect or the read times out: both are typed.
    expect(r instanceof ConnectTimeoutError || r instanceof ReadTimeoutError).toBe(true);
    srv.close();
  });

  it('never runs more than the allowed connections at once (default 2)', async () => {
    let open = 0;
    let peak = 0;
    const { client } = await withServer((s) => {
      open++;
      peak = Math.max(peak, open);
      setTimeout(() => {
        open--;
        s.end('Name: x\nPid: 1\n\n');
      }, 30);
    });
    await Promise.all(Array.from({ length: 8 }, () => client.run('@1 show info')));
    expect(peak).toBe(2);
  });
});

describe('a source polling a fake master that answers garbage', () => {
  it.each([
    ['garbage show proc', { 'show proc': 'hello world\n\n' }, 'cannot parse "show proc" output at line 1'],
    [
      'truncated show stat',
      { 'show proc': fixture(V26, 'show-proc.txt'), '@1 show info': fixture(V26, 'show-info.txt'), 'show stat': fixture(V26, 'show-stat.txt').slice(0, 3000) },
      'cannot parse "show stat" output',
    ],
    [
      'garbage show info',
      { 'show proc': fixture(V26, 'show-proc.txt'), '@1 show info': '<html>nope</html>\n\n', 'show stat': fixture(V26, 'show-stat.txt') },
      'cannot parse "show info" output',
    ],
  ])('%s: a clear error, no crash, no leaked connection', async (_name, answers: Record<string, string>, message) => {
    const before = ownSockets();
    const srv = await fakeServer((s, cmd) => {
      const key = Object.keys(answers).find((k) => cmd === k || (k === 'show stat' && cmd.endsWith('show stat')));
      s.end(key ? answers[key]! : '');
    });
    cleanup.push(srv.close);
    const base = ownSockets() - before;
    const source = new HaproxySource(parseTarget(srv.path), { limits, concurrency: 2, includeOldWorkers: true });
    const poll = await source.poll();
    const n = perProcess(poll);
    const messages = [poll.error?.message, ...n.derived.errors.map((e) => e.error.message)].filter(Boolean).join(' | ');
    expect(messages).toContain(message);
    await settle();
    expect(await srv.open()).toBe(0);
    expect(ownSockets() - before).toBe(base);
  });
});

describe('a source polling a fake master whose old worker exits before its turn', () => {
  it('skips and counts the process, with no error', async () => {
    const procs = fixture(V26, 'show-proc-after-reload.txt');
    const oldPid = /# old workers\n(\d+)/.exec(procs)![1];
    const currentPid = /# workers\n(\d+)/.exec(procs)![1];
    const info = fixture(V26, 'show-info.txt').replace(/^Pid: \d+$/m, `Pid: ${currentPid}`);
    const srv = await fakeServer((s, cmd) => {
      if (cmd === 'show proc') s.end(procs);
      else if (cmd === '@1 show info') s.end(info);
      else if (cmd === `@!${currentPid} show stat`) s.end(fixture(V26, 'show-stat.txt'));
      else s.write(`Can't find the target PID matching the prefix '${cmd.split(' ')[0]}'\n`); // 3.x style: stays open
    });
    cleanup.push(srv.close);
    const source = new HaproxySource(parseTarget(srv.path), { limits, concurrency: 2, includeOldWorkers: true });
    const poll = await source.poll();
    expect(poll.error).toBeUndefined();
    expect(poll.samples.map((s) => s.ref.prefix)).toEqual(['@1']);
    expect(poll.skipped).toEqual([{ prefix: `@!${oldPid}`, pid: Number(oldPid), command: 'show info' }]);
    const n = perProcess(poll);
    expect(n.derived.errors).toEqual([]);
    expect(n.events).toHaveLength(13);
    expect(await srv.open()).toBe(0);
  });
});

describe('the permission hint', () => {
  it('points at -S <path>,mode,660,group,<g> for the master socket, and at haproxy.cfg for a worker socket', async () => {
    const { permissionHint } = await import('../../src/haproxy/cli-client.js');
    const srv = await fakeServer((s) => s.end());
    cleanup.push(srv.close);
    const master = await permissionHint({ kind: 'unix', path: srv.path }, 'master');
    expect(master).toContain(`start it with "-S ${srv.path},mode,660,group,<group>"`);
    expect(master).not.toContain('haproxy.cfg');
    const worker = await permissionHint({ kind: 'unix', path: srv.path }, 'socket');
    expect(worker).toContain('"stats socket" line in haproxy.cfg');
  });
});
