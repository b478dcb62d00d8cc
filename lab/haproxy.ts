import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startBlackhole, startHttpBackend, type Backend } from './backends.js';
import { freePorts, waitFor } from './ports.js';

/** How to run one HAProxy build: the system one, or one unpacked by lab/fetch-haproxy-versions.sh. */
export interface HaproxyBinary {
  path: string;
  env?: Record<string, string>;
}

export interface MatrixBinary extends HaproxyBinary {
  /** 2.2, 2.6, 3.0, 3.2 */
  major: string;
  version: string;
}

/**
 * The HAProxy versions under test: the system's 2.6 and those unpacked by lab/fetch-haproxy-versions.sh
 * (bash .ci/run runs it). A version that is missing fails loudly rather than being skipped.
 */
export function matrixBinaries(): MatrixBinary[] {
  const manifest = path.resolve('.cache', 'haproxy-versions', 'versions.json');
  if (!existsSync(manifest)) throw new Error(`${manifest} is missing: run "bash lab/fetch-haproxy-versions.sh"`);
  const others = JSON.parse(readFileSync(manifest, 'utf8')) as { major: string; version: string; path: string; env: Record<string, string> }[];
  const sys = systemHaproxy();
  const sysVersion = /version (\S+)/.exec(execFileSync(sys.path, ['-v']).toString())![1]!;
  return [
    ...others.map((o) => ({ major: o.major, version: o.version, path: o.path, env: o.env })),
    { major: sysVersion.split('.').slice(0, 2).join('.'), version: sysVersion, ...sys },
  ].sort((a, b) => a.major.localeCompare(b.major, undefined, { numeric: true }));
}

export function systemHaproxy(): HaproxyBinary {
  const p = process.env.HAPBEAT_TEST_HAPROXY ?? ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy', '/usr/bin/haproxy'].find((x) => existsSync(x));
  if (!p) {
    throw new Error('haproxy is not installed: run "apt-get install -y haproxy" (bash .ci/run does), or set HAPBEAT_TEST_HAPROXY');
  }
  return { path: p };
}

export interface LabOptions {
  binary?: HaproxyBinary;
  /** nbproc (HAProxy 2.4 and older only). */
  nbproc?: number;
  /** Extra lines for the global section. */
  globalExtra?: string[];
  /** Add a stats page frontend (for direct http mode tests). */
  statsPage?: boolean;
  /**
   * Add values that need CSV quoting: a global description with a comma, and be_quirk/q1 whose HTTP check
   * gets a reason phrase with a comma and quotes.
   */
  quirks?: boolean;
  /** Replace the generated configuration (the bench's 2,000 servers); then only the master is waited for. */
  config?: (lab: HaproxyLab) => string;
  /** Let other users reach the master CLI (-S <path>,mode,666 and a traversable lab directory). */
  masterSocketForAll?: boolean;
}

/**
 * A real HAProxy in master-worker mode (-W -S) on free loopback ports, with a generated configuration:
 *   fe_main   → be_app  (app1, app2: Node HTTP servers that are up; down1: a closed port, DOWN)
 *             → be_slow (slow1: accepts and never answers) for paths under /slow
 *   li_both   a listen section (FRONTEND + t1 tracking be_app/app1 + BACKEND)
 * Everything it starts (HAProxy master, workers seen, backends) is stopped by pid in stop().
 */
export class HaproxyLab {
  readonly dir: string;
  readonly masterSocket: string;
  readonly workerSocket: string;
  readonly configFile: string;
  readonly logFile: string;
  ports!: { fe: number; li: number; app1: number; app2: number; down: number; slow: number; stats: number; quirk: number };
  backends: Backend[] = [];
  master?: ChildProcess;
  /** Every worker pid seen, so that stop() can make sure they are gone. */
  readonly seenPids = new Set<number>();
  private readonly opts: LabOptions;
  readonly binary: HaproxyBinary;

  constructor(opts: LabOptions = {}) {
    this.opts = opts;
    this.binary = opts.binary ?? systemHaproxy();
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-lab-'));
    this.masterSocket = path.join(this.dir, 'master.sock');
    this.workerSocket = path.join(this.dir, 'worker.sock');
    this.configFile = path.join(this.dir, 'haproxy.cfg');
    this.logFile = path.join(this.dir, 'haproxy.log');
  }

  /** The server that accepts and never answers (be_slow/slow1). */
  get blackhole(): Backend {
    return this.backends[2]!;
  }

  get masterPid(): number {
    return this.master!.pid!;
  }

  static async start(opts: LabOptions = {}): Promise<HaproxyLab> {
    const lab = new HaproxyLab(opts);
    try {
      await lab.boot();
    } catch (err) {
      await lab.stop();
      throw err;
    }
    return lab;
  }

  private async boot(): Promise<void> {
    const [fe, li, app1, app2, down, slow, stats, quirk] = await freePorts(8);
    this.ports = { fe: fe!, li: li!, app1: app1!, app2: app2!, down: down!, slow: slow!, stats: stats!, quirk: quirk! };
    this.backends.push(await startHttpBackend(this.ports.app1), await startHttpBackend(this.ports.app2), await startBlackhole(this.ports.slow));
    if (this.opts.quirks) this.backends.push(await startHttpBackend(this.ports.quirk, 'maint', 503, 'Down, for "maint"'));
    this.writeConfig(this.opts.config ? this.opts.config(this) : this.configText());
    await this.spawnMaster();
    await this.waitReady(!this.opts.config);
  }

  configText(): string {
    const p = this.ports;
    const g = [
      'global',
      `  stats socket ${this.workerSocket} mode 600 level admin`,
      ...(this.opts.nbproc ? [`  nbproc ${this.opts.nbproc}`] : []),
      ...(this.opts.quirks ? ['  description "Lab node, with comma"'] : []),
      ...(this.opts.globalExtra ?? []).map((l) => `  ${l}`),
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 60s',
      '  timeout server 60s',
      'frontend fe_main',
      `  bind 127.0.0.1:${p.fe}`,
      '  use_backend be_slow if { path_beg /slow }',
      '  default_backend be_app',
      'backend be_app',
      '  balance roundrobin',
      `  server app1 127.0.0.1:${p.app1} check inter 200ms`,
      `  server app2 127.0.0.1:${p.app2} check inter 200ms`,
      `  server down1 127.0.0.1:${p.down} check inter 200ms fall 1`,
      'backend be_slow',
      `  server slow1 127.0.0.1:${p.slow}`,
      'listen li_both',
      `  bind 127.0.0.1:${p.li}`,
      `  server t1 127.0.0.1:${p.app1} track be_app/app1`,
    ];
    if (this.opts.quirks) {
      g.push('backend be_quirk', '  option httpchk GET /health', `  server q1 127.0.0.1:${p.quirk} check inter 200ms`);
    }
    if (this.opts.statsPage) {
      g.push('frontend fe_stats', `  bind 127.0.0.1:${p.stats}`, '  stats enable', '  stats uri /stats', '  stats auth admin:s3cret');
    }
    return `${g.join('\n')}\n`;
  }

  writeConfig(text = this.configText()): void {
    writeFileSync(this.configFile, text);
  }

  private async spawnMaster(): Promise<void> {
    const log = openSync(this.logFile, 'a');
    if (this.opts.masterSocketForAll) chmodSync(this.dir, 0o755);
    const master = this.opts.masterSocketForAll ? `${this.masterSocket},mode,666` : this.masterSocket;
    this.master = spawn(this.binary.path, ['-W', '-S', master, '-f', this.configFile], {
      stdio: ['ignore', log, log],
      env: { ...process.env, ...this.binary.env },
    });
    this.master.once('exit', () => undefined);
  }

  /** Waits until the master answers and every worker reports its servers' first health-check results. */
  async waitReady(healthChecks = true): Promise<void> {
    await waitFor('the master CLI socket', () => existsSync(this.masterSocket), 15_000);
    await waitFor(
      'a worker listed by show proc',
      async () => {
        const procs = await this.workers();
        return procs.current.length > 0;
      },
      15_000,
    );
    if (!healthChecks) return;
    await waitFor(
      'health checks (app1 UP, down1 DOWN)',
      async () => {
        const csv = await this.command('@1 show stat');
        return /,app1,.*?,UP,/.test(csv) && /,down1,.*?,DOWN,/.test(csv);
      },
      15_000,
      100,
    );
  }

  /** One master CLI command, the plain way (independent of hapbeat's client). */
  command(cmd: string, socketPath = this.masterSocket, timeoutMs = 5000): Promise<string> {
    return rawCommand(socketPath, cmd, timeoutMs);
  }

  /** Current and old worker pids from show proc (either grammar). */
  async workers(): Promise<{ current: number[]; old: number[] }> {
    const text = await this.command('show proc');
    const out = { current: [] as number[], old: [] as number[] };
    let section = '';
    for (const line of text.split('\n').slice(1)) {
      if (line.startsWith('#')) {
        section = line.trim();
        continue;
      }
      const m = /^(\d+)\s+worker\s/.exec(line);
      if (!m) continue;
      const pid = Number(m[1]);
      this.seenPids.add(pid);
      if (section === '# workers') out.current.push(pid);
      else if (section === '# old workers') out.old.push(pid);
    }
    return out;
  }

  /** Soft reload by SIGUSR2; resolves with the new current worker pids once they are listed. */
  async reload(): Promise<number[]> {
    const before = new Set((await this.workers()).current);
    process.kill(this.masterPid, 'SIGUSR2');
    return waitFor(
      'new workers after reload',
      async () => {
        const w = await this.workers();
        const fresh = w.current.filter((p) => !before.has(p));
        return fresh.length > 0 && fresh.length === w.current.length ? fresh : undefined;
      },
      15_000,
    );
  }

  /** Stops HAProxy (master, then any worker still alive) and the backends. Only our own pids. */
  async stop(): Promise<void> {
    await this.stopHaproxy();
    await Promise.all(this.backends.map((b) => b.close()));
    this.backends = [];
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops only HAProxy, keeping the backends and the directory (to start it again with restart()). */
  async stopHaproxy(): Promise<void> {
    const m = this.master;
    if (m && m.exitCode === null && m.signalCode === null) {
      try {
        await this.workers();
      } catch {
        /* the socket may be gone already */
      }
      const exited = new Promise<void>((r) => m.once('exit', () => r()));
      m.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (m.exitCode === null && m.signalCode === null) {
        m.kill('SIGKILL');
        await exited;
      }
    }
    for (const pid of this.seenPids) {
      if (isAlive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    this.master = undefined;
    rmSync(this.masterSocket, { force: true });
  }

  async restart(): Promise<void> {
    await this.spawnMaster();
    await this.waitReady(!this.opts.config);
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still "exists": check /proc for state Z.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** connect, write cmd\n, half-close, read to EOF, with a timeout. */
export function rawCommand(socketPath: string, cmd: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ path: socketPath });
    const chunks: Buffer[] = [];
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`timeout on "${cmd}"`));
    }, timeoutMs);
    s.on('connect', () => s.end(`${cmd}\n`));
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => {
      clearTimeout(t);
      s.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/**
 * The smallest HAProxy configuration that starts (3.x refuses one without a listener): http defaults and one
 * frontend on a unix socket in `dir`, answering 200. Without the `global` section, for callers to prepend theirs.
 */
export function minimalProxyLines(dir: string): string[] {
  return [
    'defaults',
    '  mode http',
    '  timeout client 5s',
    '  timeout server 5s',
    '  timeout connect 1s',
    'frontend f',
    `  bind unix@${dir}/f.sock`,
    '  http-request return status 200',
  ];
}
