import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { minimalProxyLines, rawCommand } from '../../lab/haproxy.js';
import { waitFor } from '../../lab/ports.js';
import { LAUNCH_ENV, NODE_FLAGS } from '../../src/launch-settings.js';

const run = promisify(execFile);
const UNIT = 'deploy/systemd/hapbeat.service';
const DROPIN = 'deploy/systemd/haproxy.service.d/hapbeat-socket.conf';

/**
 * `systemd-analyze verify`: its exit code and everything it said. A unit passes only with exit 0 and nothing
 * said: it exits 0 on an unknown key, with a warning.
 */
async function verify(unitFile: string, unitPath?: string): Promise<{ code: number; said: string }> {
  const env = unitPath ? { ...process.env, SYSTEMD_UNIT_PATH: `${unitPath}:` } : process.env;
  const r = await run('systemd-analyze', ['verify', unitFile], { env }).catch((e: { code: number; stdout: string; stderr: string }) => e);
  return { code: 'code' in r ? r.code : 0, said: (r.stdout + r.stderr).trim() };
}
const clean = { code: 0, said: '' };

/** The unit's `Key=value` lines of one section. */
function directives(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

describe('systemd', () => {
  it('the hapbeat unit passes systemd-analyze verify, and a misspelt key would not', async () => {
    expect(await verify(UNIT)).toEqual(clean);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-unit-'));
    try {
      writeFileSync(path.join(dir, 'bad.service'), readFileSync(UNIT, 'utf8').replace('ProtectSystem=', 'ProtectSytem='));
      expect((await verify(path.join(dir, 'bad.service'))).said).toMatch(/Unknown key 'ProtectSytem'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs as a dedicated user with its state directory, restarts on failure, and drops every privilege', () => {
    const d = directives(readFileSync(UNIT, 'utf8'));
    const one = (k: string) => d.get(k)?.join(' | ');
    expect(one('User')).toBe('hapbeat');
    expect(one('Group')).toBe('hapbeat');
    expect(one('Restart')).toBe('on-failure');
    expect(one('StateDirectory')).toBe('hapbeat');
    expect(d.get('Environment')?.sort()).toEqual(['HAPBEAT_PATH_DATA=/var/lib/hapbeat', ...Object.entries(LAUNCH_ENV).map(([k, v]) => `${k}=${v}`)].sort());
    expect(one('ReadWritePaths')).toBe('/var/lib/hapbeat');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('CapabilityBoundingSet')).toBe(''); // empty: no capability at all
    // node starts with hapbeat's launch settings (src/launch-settings.ts), the flags before the script.
    expect(one('ExecStart')!.startsWith(`/usr/bin/node ${NODE_FLAGS.join(' ')} /opt/hapbeat/bin/hapbeat.js run `)).toBe(true);
    // The stop timeout leaves room for shutdown_timeout (10 s) before systemd kills.
    expect(Number(/^(\d+)s$/.exec(one('TimeoutStopSec')!)![1])).toBeGreaterThan(10);
  });

  it("the haproxy drop-in passes systemd-analyze verify with Debian's own haproxy.service", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-unit-'));
    try {
      mkdirSync(path.join(dir, 'haproxy.service.d'));
      cpSync('/lib/systemd/system/haproxy.service', path.join(dir, 'haproxy.service'));
      cpSync(DROPIN, path.join(dir, 'haproxy.service.d', 'hapbeat-socket.conf'));
      expect(await verify(path.join(dir, 'haproxy.service'), dir)).toEqual(clean);
      // The drop-in is read: a misspelt key in it is reported.
      writeFileSync(path.join(dir, 'haproxy.service.d', 'z.conf'), '[Service]\nEnvironmen="X=1"\n');
      expect((await verify(path.join(dir, 'haproxy.service'), dir)).said).toMatch(/Unknown key 'Environmen'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the drop-in's -S options give the socket mode 660 and the named group, on a real HAProxy", async () => {
    const extra = /EXTRAOPTS=(-S [^"]+)"/.exec(readFileSync(DROPIN, 'utf8'))![1]!;
    expect(extra).toBe('-S /run/haproxy-master.sock,mode,660,group,hapbeat');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-socket-'));
    // The same options with a group that exists here and a socket in our own directory.
    const group = 'daemon';
    const gid = Number((await run('getent', ['group', group])).stdout.split(':')[2]);
    const sock = path.join(dir, 'master.sock');
    const cfg = ['global', '  maxconn 100', ...minimalProxyLines(dir), ''];
    writeFileSync(path.join(dir, 'haproxy.cfg'), cfg.join('\n'));
    const args = [
      '-W',
      '-db',
      '-f',
      path.join(dir, 'haproxy.cfg'),
      ...extra.replace('/run/haproxy-master.sock', sock).replace(',group,hapbeat', `,group,${group}`).split(' '),
    ];
    const hp = spawn('/usr/sbin/haproxy', args, { stdio: 'ignore' });
    const exited = new Promise((r) => hp.once('exit', r));
    try {
      await waitFor(
        'the master socket',
        () =>
          rawCommand(sock, 'show proc').then(
            (t) => t.includes('master'),
            () => false,
          ),
        10_000,
      );
      const st = statSync(sock);
      expect({ mode: (st.mode & 0o777).toString(8), gid: st.gid }).toEqual({ mode: '660', gid });
    } finally {
      if (hp.exitCode === null) hp.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
