import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.js';

export const ES_VERSION = readFileSync(new URL('./ES_VERSION', import.meta.url), 'utf8').trim();
/** The 9.x release also tested (needs Java 21 or later: the Temurin JDK beside the default one). */
export const ES9_VERSION = readFileSync(new URL('./ES9_VERSION', import.meta.url), 'utf8').trim();

/** The unpacked distribution (scripts/fetch-elasticsearch.sh fetches it; bash .ci/run runs that). */
export function esHome(version = ES_VERSION): string {
  const home = path.resolve('.cache', 'elasticsearch', `elasticsearch-${version}`);
  if (!existsSync(path.join(home, 'bin', 'elasticsearch'))) {
    throw new Error(`Elasticsearch ${version} is not unpacked at ${home}: run "bash scripts/fetch-elasticsearch.sh ${version}"`);
  }
  return home;
}

/** A JDK for this Elasticsearch: 17 for 8.x, 21 or later for 9.x (from /usr/lib/jvm, or ES_JAVA_HOME). */
export function javaHomeFor(version: string): string {
  if (process.env.ES_JAVA_HOME) return process.env.ES_JAVA_HOME;
  const major = Number(version.split('.')[0]);
  const jdks = readdirSync('/usr/lib/jvm')
    .map((d) => path.join('/usr/lib/jvm', d))
    .filter((d) => existsSync(path.join(d, 'bin', 'java')) && existsSync(path.join(d, 'release')))
    .map((d) => ({ d, v: Number(/JAVA_VERSION="(\d+)/.exec(readFileSync(path.join(d, 'release'), 'utf8'))?.[1] ?? 0) }));
  const pick = major >= 9 ? jdks.filter((j) => j.v >= 21).sort((a, b) => a.v - b.v)[0] : jdks.find((j) => j.v === 17);
  if (!pick) throw new Error(`no JDK for Elasticsearch ${version} (needs ${major >= 9 ? '21 or later' : '17'}) in /usr/lib/jvm; set ES_JAVA_HOME`);
  return pick.d;
}

/**
 * As root, Elasticsearch runs as "nobody", which must reach the distribution. A repository under a private
 * directory (a clone in /root, or in a mktemp -d folder) is out of its reach: then the distribution is copied
 * once to /tmp/hapbeat-es-dist/<version> (about 120 MB), where it can, and reused by later runs.
 */
function homeRunnableByNobody(home: string): string {
  if (process.getuid?.() !== 0) return home;
  const reachable = (() => {
    try {
      execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'test', '-x', path.join(home, 'bin', 'elasticsearch')]);
      return true;
    } catch {
      return false;
    }
  })();
  if (reachable) return home;
  const copy = path.join('/tmp', 'hapbeat-es-dist', path.basename(home));
  const ready = path.join(copy, '.hapbeat-ready');
  if (!existsSync(ready)) {
    mkdirSync(path.dirname(copy), { recursive: true, mode: 0o755 });
    chmodSync(path.dirname(copy), 0o755);
    rmSync(copy, { recursive: true, force: true });
    cpSync(home, copy, { recursive: true });
    chmodSync(copy, 0o755);
    writeFileSync(ready, home);
  }
  return copy;
}

export interface EsOptions {
  version?: string;
  port?: number;
  /** Keep data across stop()/start() (outage tests). */
  dataDir?: string;
  heapMb?: number;
  /**
   * Security on (plain HTTP, no TLS), with this superuser in the file realm; without it, security is off. The
   * health wait and `request()` authenticate as this user.
   */
  superuser?: { username: string; password: string };
  /**
   * More file-realm users, with roles defined in roles.yml (file roles need no .security index, which this
   * distribution cannot create: it lacks the analysis module that index's mapping uses).
   */
  users?: { username: string; password: string; roles: string[] }[];
  roles?: Record<string, { cluster: string[]; indices: { names: string[]; privileges: string[] }[] }>;
}

/**
 * A real single-node Elasticsearch on a free loopback port: security off, a small heap, a temporary data
 * path. Elasticsearch refuses to run as root, so as root it runs as "nobody" (setpriv). Stopped by pid.
 */
export class EsServer {
  readonly version: string;
  readonly dir: string;
  port = 0;
  private proc?: ChildProcess;
  private readonly opts: EsOptions;

  constructor(opts: EsOptions = {}) {
    this.opts = opts;
    this.version = opts.version ?? ES_VERSION;
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-es-'));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  static async start(opts: EsOptions = {}): Promise<EsServer> {
    const es = new EsServer(opts);
    await es.start();
    return es;
  }

  async start(): Promise<void> {
    const home = homeRunnableByNobody(esHome(this.version));
    if (!this.port) this.port = this.opts.port ?? (await freePort());
    const conf = path.join(this.dir, 'config');
    const data = this.opts.dataDir ?? path.join(this.dir, 'data');
    const logs = path.join(this.dir, 'logs');
    if (!existsSync(conf)) cpSync(path.join(home, 'config'), conf, { recursive: true });
    mkdirSync(data, { recursive: true });
    mkdirSync(logs, { recursive: true });
    const asRoot = process.getuid?.() === 0;
    if (asRoot) for (const d of [this.dir, conf, data, logs]) chownTree(d);
    const transport = await freePort();
    const su = this.opts.superuser;
    if (su) {
      // The file realm's users: written with Elasticsearch's own tool, before the node starts.
      const users = [{ ...su, roles: ['superuser'] }, ...(this.opts.users ?? [])];
      for (const u of users) {
        execFileSync(path.join(home, 'bin', 'elasticsearch-users'), ['useradd', u.username, '-p', u.password, '-r', u.roles.join(',')], {
          env: { ...process.env, ES_PATH_CONF: conf, ES_JAVA_HOME: javaHomeFor(this.version) },
          stdio: 'ignore',
        });
      }
      // roles.yml is YAML; JSON is YAML, one role per line.
      const roles = Object.entries(this.opts.roles ?? {}).map(([name, r]) => `${name}: ${JSON.stringify(r)}`);
      writeFileSync(path.join(conf, 'roles.yml'), `${roles.join('\n')}\n`);
      if (asRoot) chownTree(conf);
    }
    const security = su
      ? [
          '-Expack.security.enabled=true',
          '-Expack.security.http.ssl.enabled=false',
          '-Expack.security.transport.ssl.enabled=false',
          '-Expack.security.authc.api_key.enabled=true',
        ]
      : ['-Expack.security.enabled=false'];
    const args = [
      `-Ediscovery.type=single-node`,
      ...security,
      `-Ehttp.host=127.0.0.1`,
      `-Ehttp.port=${this.port}`,
      `-Etransport.host=127.0.0.1`,
      `-Etransport.port=${transport}`,
      `-Epath.data=${data}`,
      `-Epath.logs=${logs}`,
      `-Ecluster.routing.allocation.disk.threshold_enabled=false`,
      `-Enode.name=hapbeat-test`,
    ];
    const env = {
      ...process.env,
      HOME: this.dir,
      ES_PATH_CONF: conf,
      ES_JAVA_HOME: javaHomeFor(this.version),
      ES_JAVA_OPTS: `-Xms${this.opts.heapMb ?? 512}m -Xmx${this.opts.heapMb ?? 512}m`,
    };
    const bin = path.join(home, 'bin', 'elasticsearch');
    const out = openSync(path.join(this.dir, 'stdout.log'), 'a');
    this.proc = asRoot
      ? spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', bin, ...args], { env, stdio: ['ignore', out, out] })
      : spawn(bin, args, { env, stdio: ['ignore', out, out] });
    const proc = this.proc;
    let exited = false;
    proc.once('exit', () => (exited = true));
    await waitFor(
      `Elasticsearch ${this.version} on port ${this.port} (log: ${path.join(this.dir, 'stdout.log')})`,
      async () => {
        if (exited) throw new Error(`Elasticsearch exited during startup: ${this.tail()}`);
        const res = await fetch(`${this.url}/_cluster/health?wait_for_status=yellow&timeout=1s`, { headers: this.authHeaders() }).catch(() => undefined);
        if (!res?.ok) return false;
        const body = (await res.json()) as { status?: string };
        return body.status === 'green' || body.status === 'yellow';
      },
      120_000,
      250,
    );
  }

  /** Basic authentication as the superuser, when security is on. */
  authHeaders(): Record<string, string> {
    const su = this.opts.superuser;
    return su ? { authorization: `Basic ${Buffer.from(`${su.username}:${su.password}`).toString('base64')}` } : {};
  }

  /** One JSON request as the superuser; throws with the answer on a non-2xx status. */
  async request<T = Record<string, unknown>>(method: string, p: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${p}`, {
      method,
      headers: { ...this.authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** Stops Elasticsearch (by the pid we started), keeping the data directory for a later start(). */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(t);
    this.proc = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  tail(lines = 20): string {
    try {
      return readFileSync(path.join(this.dir, 'stdout.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

function chownTree(dir: string): void {
  const ids = execFileSync('id', ['-u', 'nobody']).toString().trim();
  const gid = execFileSync('id', ['-g', 'nobody']).toString().trim();
  chownSync(dir, Number(ids), Number(gid));
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p);
    else chownSync(p, Number(ids), Number(gid));
  }
}
