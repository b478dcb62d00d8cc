import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { HaproxyLab, matrixBinaries, minimalProxyLines, type MatrixBinary } from '../../lab/haproxy.js';
import { freePorts, waitFor } from '../../lab/ports.js';

const run = promisify(execFile);
const ES_VERSION = readFileSync('lab/ES_VERSION', 'utf8').trim();

type Compose = { services: Record<string, Record<string, any>>; volumes: Record<string, unknown> };
let resolved: Promise<Compose> | undefined;
/** The effective compose file, as Debian's docker-compose resolves and validates it (no engine needed); read once. */
function composeConfig(): Promise<Compose> {
  resolved ??= run('docker-compose', ['-f', 'docker-compose.yml', 'config']).then(({ stdout }) => YAML.parse(stdout) as Compose);
  return resolved;
}

/** `haproxy -c -f`: exit 0 and no ALERT; warnings (names that resolve only inside Docker) are allowed. */
async function haproxyCheck(bin: MatrixBinary, file: string, extra: string[] = []): Promise<string> {
  const r = await run(bin.path, [...extra, '-c', '-f', file], { env: { ...process.env, ...bin.env } }).catch(
    (e: { stdout: string; stderr: string; code: number }) => {
      throw new Error(`haproxy ${bin.version} -c -f ${file} failed (${e.code}): ${e.stdout}${e.stderr}`);
    },
  );
  expect(r.stdout + r.stderr).not.toMatch(/\[ALERT\]/);
  return r.stdout + r.stderr;
}

const own: number[] = [];
afterAll(() => {
  for (const pid of own) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

describe('docker-compose.yml: the whole stack, validated without a Docker engine', () => {
  it('is valid for docker-compose and has every part of the story', async () => {
    const c = await composeConfig();
    expect(Object.keys(c.services).sort()).toEqual([
      'backends',
      'elasticsearch',
      'hapbeat',
      'hapbeat-setup',
      'haproxy',
      'haproxy-run-dir',
      'kibana',
      'loadgen',
    ]);
    expect(Object.keys(c.volumes).sort()).toEqual(['es-data', 'hapbeat-data', 'haproxy-run']);
    // The tested Elasticsearch, and the Kibana of the same version.
    expect(c.services.elasticsearch!.image).toBe(`elasticsearch:${ES_VERSION}`);
    expect(c.services.kibana!.image).toBe(`kibana:${ES_VERSION}`);
  });

  it('hapbeat ships to that Elasticsearch from the master socket, with a persistent spool, after setup', async () => {
    const h = (await composeConfig()).services.hapbeat!;
    expect(h.command).toEqual(['run']);
    expect(h.environment.HAPBEAT_ES_HOSTS).toBe('http://elasticsearch:9200');
    expect(h.environment.HAPBEAT_OUTPUT ?? 'auto').toBe('auto'); // auto: Elasticsearch, since hosts are set
    expect(h.environment.HAPBEAT_TARGETS).toBe('/run/haproxy/master.sock');
    // docker-compose 1.x prints short syntax ("name:/path:rw"), 2.x long syntax: compare source:target.
    const mounts = (h.volumes as (string | { source: string; target: string })[]).map((v) =>
      typeof v === 'string' ? v.split(':').slice(0, 2).join(':') : `${v.source}:${v.target}`,
    );
    expect(mounts.sort()).toEqual(['hapbeat-data:/var/lib/hapbeat', 'haproxy-run:/run/haproxy']);
    expect(h.depends_on).toEqual({ haproxy: { condition: 'service_healthy' }, 'hapbeat-setup': { condition: 'service_completed_successfully' } });
    const setup = (await composeConfig()).services['hapbeat-setup']!;
    expect(setup.command).toEqual(['setup', '--templates', '--dashboards']);
    expect(setup.depends_on).toEqual({ elasticsearch: { condition: 'service_healthy' }, kibana: { condition: 'service_healthy' } });
  });

  it('HAProxy creates the master socket with a mode and group the hapbeat user can use', async () => {
    const c = await composeConfig();
    const gid = /--gid (\d+) hapbeat/.exec(readFileSync('Dockerfile', 'utf8'))![1]!;
    const hp = c.services.haproxy!;
    const s = hp.command[hp.command.indexOf('-S') + 1] as string;
    expect(s).toBe(`/run/haproxy/master.sock,mode,660,gid,${gid}`);
    expect(hp.command).toContain('-W');
    expect(hp.group_add.map(String)).toEqual([gid]);
    expect(c.services['haproxy-run-dir']!.entrypoint.join(' ')).toContain(`chown 99:${gid} /run/haproxy && chmod 2770 /run/haproxy`);
    expect(hp.depends_on['haproxy-run-dir']).toEqual({ condition: 'service_completed_successfully' });
  });

  it('every long-running service has a health check, and the start order waits on them', async () => {
    const c = await composeConfig();
    for (const name of ['backends', 'haproxy', 'elasticsearch', 'kibana']) expect(c.services[name]!.healthcheck?.test?.length, name).toBeGreaterThan(1);
    // hapbeat's own comes from the image (HEALTHCHECK ... hapbeat health).
    expect(c.services.hapbeat!.healthcheck).toBeUndefined();
    expect(c.services.kibana!.depends_on).toEqual({ elasticsearch: { condition: 'service_healthy' } });
    expect(c.services.loadgen!.depends_on).toEqual({ haproxy: { condition: 'service_healthy' } });
  });

  for (const bin of matrixBinaries().filter((b) => ['2.6', '3.2'].includes(b.major))) {
    it(`haproxy ${bin.version} -c accepts every HAProxy configuration compose and the docs use`, async () => {
      for (const f of ['deploy/compose/haproxy.cfg', 'deploy/compose/backends.cfg', 'config/haproxy-example.cfg']) await haproxyCheck(bin, f);
      // The README's program section, in a configuration of its own (3.1+ needs expose-deprecated-directives;
      // the user and group it names do not exist here, so existing ones stand in).
      const readme = readFileSync('README.md', 'utf8');
      const snippet = /\n```\n(program hapbeat\n[\s\S]*?)```/.exec(readme)![1]!;
      expect(snippet).toContain('no option start-on-reload');
      const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-program-cfg-'));
      try {
        const global = ['global', ...(Number(bin.major) >= 3.1 ? ['  expose-deprecated-directives'] : [])].join('\n');
        const file = path.join(dir, 'haproxy.cfg');
        // 3.x refuses to start without a listener: one frontend on a socket of our own.
        const listener = minimalProxyLines(dir).join('\n');
        writeFileSync(file, `${global}\n${listener}\n${snippet.replace('user hapbeat', 'user nobody').replace('group hapbeat', 'group nogroup')}`);
        await haproxyCheck(bin, file, ['-W']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("the backends' and HAProxy's health-check commands pass against the real configurations", async () => {
    const c = await composeConfig();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-compose-'));
    try {
      // The demo backends, on free ports instead of 9001-9004, run by the real binary.
      const ports = await freePorts(4);
      let cfg = readFileSync('deploy/compose/backends.cfg', 'utf8');
      ['9001', '9002', '9003', '9004'].forEach((p, i) => (cfg = cfg.replace(`bind :${p}`, `bind 127.0.0.1:${ports[i]}`)));
      writeFileSync(path.join(dir, 'backends.cfg'), cfg);
      const hp = spawn('/usr/sbin/haproxy', ['-db', '-f', path.join(dir, 'backends.cfg')], { stdio: 'ignore' });
      own.push(hp.pid!);
      const test = (c.services.backends!.healthcheck.test as string[]).slice(1);
      expect(test[0]).toBe('bash');
      const script = test[2]!.replace('/dev/tcp/127.0.0.1/9004', `/dev/tcp/127.0.0.1/${ports[3]}`);
      await waitFor(
        'the backends health check',
        () =>
          run('bash', ['-c', script]).then(
            () => true,
            () => false,
          ),
        10_000,
      );
      // The flaky app answers 200 and 503.
      const codes = new Set<number>();
      for (let i = 0; i < 60; i++) codes.add((await fetch(`http://127.0.0.1:${ports[3]}/`)).status);
      expect([...codes].sort()).toEqual([200, 503]);
      hp.kill('SIGKILL');
      // HAProxy's check: the master socket exists and the frontend answers (a real master-worker HAProxy).
      const lab = await HaproxyLab.start();
      try {
        const hc = (c.services.haproxy!.healthcheck.test as string[]).slice(1);
        const check = hc[2]!.replace('/run/haproxy/master.sock', lab.masterSocket).replace('/dev/tcp/127.0.0.1/8080', `/dev/tcp/127.0.0.1/${lab.ports.fe}`);
        await run('bash', ['-c', check]);
        await expect(run('bash', ['-c', check.replace(lab.masterSocket, `${lab.masterSocket}.missing`)])).rejects.toThrow();
      } finally {
        await lab.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
