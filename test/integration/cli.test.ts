import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HaproxyLab } from '../../lab/haproxy.js';
import { waitFor } from '../../lab/ports.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/hapbeat.js');

async function hapbeat(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('the hapbeat command', () => {
  let lab: HaproxyLab;
  let data: string;
  beforeAll(async () => {
    if (!existsSync('dist/cli/main.js')) throw new Error('run "npm run build" first (npm ci does it)');
    lab = await HaproxyLab.start({ statsPage: true });
    data = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-cli-'));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('--help teaches: commands, examples, and the master CLI setup', async () => {
    const r = await hapbeat(['--help']);
    expect(r.code).toBe(0);
    for (const s of ['run', 'once', 'test', 'Examples:', 'haproxy -W -S /run/haproxy-master.sock']) expect(r.stdout).toContain(s);
    const runHelp = await hapbeat(['run', '--help']);
    expect(runHelp.stdout).toContain('--target <address>');
    expect(runHelp.stdout).toContain('haproxy.timeouts.read');
    expect(runHelp.stdout).toContain('HAPBEAT_PERIOD');
  });

  it('once --target prints one NDJSON document per row, without a config file (one worker: one document set, the totals)', async () => {
    const r = await hapbeat(['once', '--target', lab.masterSocket], { HAPBEAT_PATH_DATA: data });
    expect(r.code).toBe(0);
    const all = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(all.filter((d) => d.event.dataset === 'haproxy.stat')).toHaveLength(11); // 10 + the stats frontend
    expect(all.filter((d) => d.event.dataset === 'haproxy.info')).toHaveLength(1);
    const [pid] = (await lab.workers()).current;
    for (const d of all) expect(d.haproxy.process).toMatchObject({ scope: 'all', count: 1, pid, num: 1 });
    expect(new Set(all.map((d) => d['@metadata']._id)).size).toBe(12);
    const summary = JSON.parse(r.stderr.trim().split('\n').at(-1)!);
    expect(summary.counters).toMatchObject({ polls: 1, stat_docs: 11, info_docs: 1, aggregate_docs: 12, output_acked: 12, output_dropped: 0 });
    // One style for every log key: snake_case.
    for (const key of Object.keys(summary.counters)) expect(key).toMatch(/^[a-z0-9_]+$/);
  });

  it('once reads a worker stats socket and a stats page in direct mode', async () => {
    const sock = await hapbeat(['once', '--target', `socket:${lab.workerSocket}`], { HAPBEAT_PATH_DATA: data });
    expect(sock.code).toBe(0);
    const docs = sock.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((d) => d.haproxy.process.scope === 'all' && d.haproxy.process.count === 1);
    expect(docs).toHaveLength(12);
    expect(docs[0].process.pid).toBe((await lab.workers()).current[0]);
    const page = await hapbeat(['once', '--target', `http://admin:s3cret@127.0.0.1:${lab.ports.stats}/stats`], { HAPBEAT_PATH_DATA: data });
    expect(page.code).toBe(0);
    const pdocs = page.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((d) => d.haproxy.process.scope === 'all' && d.haproxy.process.count === 1);
    expect(pdocs).toHaveLength(11);
    expect(pdocs.every((d) => d.event.dataset === 'haproxy.stat' && d.haproxy.process.num === 1)).toBe(true);
    const denied = await hapbeat(['once', '--target', `http://127.0.0.1:${lab.ports.stats}/stats`], { HAPBEAT_PATH_DATA: data });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('answered HTTP 401');
    expect(denied.stderr).toContain('stats auth');
  });

  it('test haproxy lists the processes; bad input gives a clear error and exit code 2', async () => {
    const ok = await hapbeat(['test', 'haproxy', '-t', lab.masterSocket]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ok {4}worker @1: pid \d+, process #1, version 2\.6\.\S+, reloads 0: 11 stat row\(s\), info/);
    expect(ok.stdout).toContain('HAProxy OK');
    const missing = await hapbeat(['test', 'haproxy', '-t', '/nonexistent.sock']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('is HAProxy running in master-worker mode with "-S /nonexistent.sock"?');
    const worker = await hapbeat(['test', 'haproxy', '-t', lab.workerSocket]);
    expect(worker.stdout).toContain('this looks like a worker stats socket, not the master CLI');
    const noTarget = await hapbeat(['once'], { HAPBEAT_TARGETS: '' });
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain('no HAProxy target is configured: pass --target');
    const badPeriod = await hapbeat(['once', '-t', lab.masterSocket, '--period', 'soon']);
    expect(badPeriod.code).toBe(2);
    expect(badPeriod.stderr).toContain('haproxy.period: must be a duration');
    const badFlag = await hapbeat(['once', '--bogus']);
    expect(badFlag.code).toBe(2); // a usage error, like every configuration error
    expect(badFlag.stderr).toContain("unknown option '--bogus'");
    const cfg = await hapbeat(['test', 'config', '-c', 'config/hapbeat.yml']);
    expect(cfg.code).toBe(0);
    expect(cfg.stdout).toContain('Config OK (config/hapbeat.yml): 0 target(s)');
  });

  it('run keeps going while HAProxy is stopped, recovers when it is back, and exits 0 on SIGTERM', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-run-'));
    const child = spawn(
      process.execPath,
      [BIN, 'run', '-t', lab.masterSocket, '--period', '200ms', '--output', 'file', '--output-path', out, '--log-level', 'debug'],
      {
        env: { ...process.env, HAPBEAT_PATH_DATA: data },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number>((r) => child.on('exit', (c) => r(c ?? -1)));
    const lines = () =>
      existsSync(path.join(out, 'hapbeat.ndjson')) ? readFileSync(path.join(out, 'hapbeat.ndjson'), 'utf8').trim().split('\n').filter(Boolean) : [];
    await waitFor('documents from the running agent', () => lines().length >= 24, 20_000);
    await lab.stopHaproxy();
    await waitFor('an error log about the stopped HAProxy', () => stderr.includes('"level":"error"') && stderr.includes('cannot poll'), 20_000);
    const countWhileDown = lines().length;
    await lab.restart();
    const newPid = (await lab.workers()).current[0];
    await waitFor('documents from the restarted HAProxy', () => lines().some((l) => JSON.parse(l).process?.pid === newPid), 20_000);
    expect(stderr).toContain('answers again after');
    expect(child.exitCode).toBeNull(); // still running
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines().length).toBeGreaterThan(countWhileDown);
    expect(stderr).toContain('received SIGTERM');
    expect(stderr).toContain('hapbeat stopped');
    // Every poll logged at debug level with processes, documents and time.
    expect(stderr).toMatch(/"msg":"polled [^"]+".*|"documents":\{"haproxy.stat":11,"haproxy.info":1\}/);
    const ids = lines().map((l) => JSON.parse(l)['@metadata']._id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(readdirSync(out)).toEqual(['hapbeat.ndjson']);
  });
});
