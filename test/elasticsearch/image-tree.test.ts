import { execFile } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HaproxyLab } from '../../lab/haproxy.js';
import { count, HapbeatProcess } from './helpers.js';

const run = promisify(execFile);
const url = inject('esUrl');
const isRoot = process.getuid?.() === 0;

/**
 * The container image's final stage, without Docker: the same file tree (package.json, `npm ci --omit=dev`,
 * dist/, bin/, config/, kibana/) in a temporary directory, run as a non-root user against a real HAProxy and
 * the real Elasticsearch, then stopped with SIGTERM. It must poll, ship and exit 0 without the dev dependencies.
 * npm ci runs --offline, from the cache the setup's npm ci filled: the test sends nothing beyond loopback.
 */
describe.runIf(isRoot)('the image file tree, run as a non-root user', () => {
  let tree: string;
  let lab: HaproxyLab;
  beforeAll(async () => {
    tree = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-image-'));
    chmodSync(tree, 0o755);
    for (const f of ['package.json', 'package-lock.json']) cpSync(f, path.join(tree, f));
    await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--offline'], { cwd: tree, maxBuffer: 16 << 20 });
    for (const d of ['dist', 'bin', 'config', 'kibana']) cpSync(d, path.join(tree, d), { recursive: true });
    lab = await HaproxyLab.start({ masterSocketForAll: true });
  }, 300_000);
  afterAll(async () => {
    await HapbeatProcess.killAll();
    await lab?.stop();
    if (tree) rmSync(tree, { recursive: true, force: true });
  });

  it('holds the production dependencies only', () => {
    const modules = readdirSync(path.join(tree, 'node_modules'));
    for (const dev of ['vitest', 'typescript', 'tsx', 'eslint', 'prettier', 'typescript-eslint', 'fast-check']) expect(modules, dev).not.toContain(dev);
    for (const prod of ['@elastic', 'commander', 'convict', 'csv-parse', 'p-queue', 'pino', 'yaml']) expect(modules, prod).toContain(prod);
    expect(existsSync(path.join(tree, 'src'))).toBe(false);
  });

  it('polls, ships, reports healthy, and exits 0 on SIGTERM with everything indexed', async () => {
    const data = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-image-data-'));
    chownSync(data, Number((await run('id', ['-u', 'nobody'])).stdout), Number((await run('id', ['-g', 'nobody'])).stdout));
    const ns = 'imagetree';
    const hb = new HapbeatProcess(['-t', lab.masterSocket, '--es', url, '--namespace', ns, '--period', '300ms'], data, {
      user: 'nobody',
      bin: path.join(tree, 'bin', 'hapbeat.js'),
    });
    await hb.waitPolls(5);
    const health = await run(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, path.join(tree, 'bin', 'hapbeat.js'), 'health'],
      {
        env: { ...process.env, HAPBEAT_PATH_DATA: data },
      },
    );
    expect(health.stdout).toMatch(/^healthy: polling: last poll \d+ s ago/);
    expect(await hb.stop()).toBe(0);
    const c = hb.lastCounters()!;
    expect(c.output_dropped).toBe(0);
    expect(c.output_acked).toBe(c.output_queued);
    const p = hb.polled();
    expect(await count(url, `metrics-haproxy.stat-${ns}`)).toBe(p.stat);
    expect(await count(url, `metrics-haproxy.info-${ns}`)).toBe(p.info);
    expect(hb.said('hapbeat stopped')).toHaveLength(1);
    // Once stopped, the health check fails, and says why.
    const after = await run(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, path.join(tree, 'bin', 'hapbeat.js'), 'health'],
      {
        env: { ...process.env, HAPBEAT_PATH_DATA: data },
      },
    ).catch((e: { code: number; stdout: string }) => e);
    expect(after).toMatchObject({ code: 1 });
    expect(after.stdout).toMatch(/^unhealthy: hapbeat \(pid \d+\) stopped \d+ s ago/);
    rmSync(data, { recursive: true, force: true });
  });
});
