import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HaproxyLab } from '../../lab/haproxy.js';
import { waitFor } from '../../lab/ports.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/hapbeat.js');
/** Unusual enough never to appear by chance; the lab's stats page accepts admin:s3cret. */
const SECRET = 's3cret';

async function hapbeat(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout + x.stderr };
  }
}

/**
 * Credentials written into a target URL (http://user:pw@host/stats) or an Elasticsearch URL never appear in
 * logs, command output, error messages or documents. Each test fails if the secret shows anywhere.
 */
describe('secrets in URLs never leak', () => {
  let lab: HaproxyLab;
  let data: string;
  let page: string;
  beforeAll(async () => {
    lab = await HaproxyLab.start({ statsPage: true });
    data = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-secrets-'));
    page = `http://admin:${SECRET}@127.0.0.1:${lab.ports.stats}/stats`;
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('documents (service.address, service.name) and logs of once', async () => {
    const r = await hapbeat(['once', '--target', page, '--log-level', 'debug'], { HAPBEAT_PATH_DATA: data });
    expect(r.code).toBe(0);
    const docs = r.out
      .split('\n')
      .filter((l) => l.startsWith('{"@metadata"'))
      .map((l) => JSON.parse(l) as { service: { address: string; name: string } });
    expect(docs.length).toBeGreaterThan(0);
    expect(docs[0]!.service.address).toBe(`http://127.0.0.1:${lab.ports.stats}/stats`);
    expect(docs[0]!.service.name).toBe(`http://127.0.0.1:${lab.ports.stats}/stats`);
    expect(r.out).not.toContain(SECRET);
  });

  it('error messages: a wrong password, an unreachable page, an invalid URL', async () => {
    const wrong = await hapbeat(['once', '--target', `http://admin:${SECRET}x@127.0.0.1:${lab.ports.stats}/stats`], { HAPBEAT_PATH_DATA: data });
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain('answered HTTP 401');
    const closed = await hapbeat(['once', '--target', `http://admin:${SECRET}@127.0.0.1:9/stats`], { HAPBEAT_PATH_DATA: data });
    expect(closed.code).toBe(1);
    const invalid = await hapbeat(['once', '--target', `http://admin:${SECRET}@/stats`], { HAPBEAT_PATH_DATA: data });
    expect(invalid.code).toBe(2);
    for (const r of [wrong, closed, invalid]) expect(r.out).not.toContain(SECRET);
  });

  it('test haproxy and test config (targets and Elasticsearch URLs)', async () => {
    const th = await hapbeat(['test', 'haproxy', '--target', page]);
    expect(th.code).toBe(0);
    const tc = await hapbeat(['test', 'config', '-E', `output.elasticsearch.hosts=http://elastic:${SECRET}@127.0.0.1:9200`, '-E', `haproxy.targets=${page}`]);
    expect(tc.code).toBe(0);
    expect(tc.out).toContain('http://***@127.0.0.1:9200'); // credentials are set, and not shown
    const to = await hapbeat(['test', 'output', '-E', `output.elasticsearch.hosts=http://elastic:${SECRET}@127.0.0.1:9`]);
    expect(to.code).toBe(1);
    for (const r of [th, tc, to]) expect(r.out).not.toContain(SECRET);
  });

  it('the logs of run, through a failing poll', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-secrets-run-'));
    const child = spawn(
      process.execPath,
      [
        BIN,
        'run',
        '-t',
        page,
        '-t',
        `http://admin:${SECRET}@127.0.0.1:9/stats`,
        '--period',
        '200ms',
        '--output',
        'file',
        '--output-path',
        out,
        '--log-level',
        'debug',
      ],
      {
        env: { ...process.env, HAPBEAT_PATH_DATA: data },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let logs = '';
    child.stderr.on('data', (d) => (logs += d));
    const exited = new Promise<number>((r) => child.on('exit', (c) => r(c ?? -1)));
    const file = path.join(out, 'hapbeat.ndjson');
    await waitFor('documents and a failed poll', () => existsSync(file) && logs.includes('cannot poll'), 20_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(logs).toContain('127.0.0.1:9/stats');
    expect(logs).not.toContain(SECRET);
    expect(readFileSync(file, 'utf8')).not.toContain(SECRET);
  });
});
