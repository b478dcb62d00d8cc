import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../../lab/ports.js';
import { HaproxyLab } from '../../lab/haproxy.js';
import { FaultProxy } from '../../lab/fault-proxy.js';

const BIN = path.resolve('bin/hapbeat.js');
const run = promisify(execFile);

export async function hapbeatCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20, env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/** A running `hapbeat run`, its logs, and what it says it polled. */
export class HapbeatProcess {
  /** Every agent started and not yet exited: a failing test must not leave one running. */
  private static readonly running = new Set<HapbeatProcess>();

  /** Kills (SIGKILL, by pid) every agent still running; for afterAll/afterEach. */
  static async killAll(): Promise<void> {
    const left = [...HapbeatProcess.running];
    for (const p of left) p.proc.kill('SIGKILL');
    await Promise.all(left.map((p) => p.exited));
  }

  logs = '';
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(
    args: string[],
    readonly dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-run-')),
    opts: { user?: 'nobody'; spool?: string; bin?: string; env?: Record<string, string> } = {},
  ) {
    const argv = [
      opts.bin ?? BIN,
      'run',
      '--log-level',
      'debug',
      '-E',
      `queue.disk.path=${opts.spool ?? path.join(dir, 'spool')}`,
      '-E',
      `output.elasticsearch.dead_letter.path=${path.join(dir, 'dead.ndjson')}`,
      ...args,
    ];
    const env = { ...process.env, HAPBEAT_PATH_DATA: dir, ...opts.env };
    this.proc = opts.user
      ? spawn('setpriv', [`--reuid=${opts.user}`, '--regid=nogroup', '--clear-groups', process.execPath, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env })
      : spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'], env });
    this.proc.stderr!.on('data', (d) => (this.logs += d));
    HapbeatProcess.running.add(this);
    this.exited = new Promise((r) =>
      this.proc.on('exit', (c, sig) => {
        HapbeatProcess.running.delete(this);
        r(c ?? (sig ? -1 : null));
      }),
    );
  }

  lines(): Record<string, unknown>[] {
    return this.logs
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /**
   * Documents of the polls it logged as handed to the output (after the sink took them), per dataset (`stat`,
   * `info`), and of those, the instance's totals (`aggStat`, `aggInfo`; with one process, all of them).
   */
  polled(): { polls: number; stat: number; info: number; aggStat: number; aggInfo: number } {
    const ps = this.lines().filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('polled '));
    let stat = 0;
    let info = 0;
    let aggStat = 0;
    let aggInfo = 0;
    for (const p of ps) {
      const d = p.documents as Record<string, number>;
      const a = p.aggregate_documents as Record<string, number>;
      stat += d['haproxy.stat']!;
      info += d['haproxy.info']!;
      aggStat += a['haproxy.stat']!;
      aggInfo += a['haproxy.info']!;
    }
    return { polls: ps.length, stat, info, aggStat, aggInfo };
  }

  async waitPolls(n: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(`${n} polls`, () => this.polled().polls >= n, timeoutMs);
  }

  lastCounters(): Record<string, number> | undefined {
    const c = this.lines()
      .filter((l) => l.counters)
      .at(-1);
    return c?.counters as Record<string, number> | undefined;
  }

  /** Resident memory now, in MB (from /proc). */
  rssMb(): number {
    const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }

  /** Log lines whose message contains `text`. */
  said(text: string): Record<string, unknown>[] {
    return this.lines().filter((l) => typeof l.msg === 'string' && (l.msg as string).includes(text));
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.proc.kill(signal);
    return this.exited;
  }
}

export async function es<T = Record<string, unknown>>(url: string, p: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(`${url}${p}`, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: { 'content-type': 'application/json' },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  return (await res.json()) as T;
}

export async function count(url: string, index: string): Promise<number> {
  await es(url, `/${index}/_refresh`, { method: 'POST' });
  const r = await es<{ count?: number; error?: unknown }>(url, `/${index}/_count`);
  return r.count ?? 0;
}

/** Every document's _id and _source (up to 10,000). */
export async function all(url: string, index: string): Promise<{ _id: string; _source: any }[]> {
  await es(url, `/${index}/_refresh`, { method: 'POST' });
  const r = await es<{ hits: { hits: { _id: string; _source: any }[] } }>(url, `/${index}/_search`, {
    body: { size: 10_000, sort: [{ '@timestamp': 'asc' }] },
  });
  return r.hits.hits;
}

/** Identity of a stat document: one per (process, sample time, row). */
export function rowKey(s: any): string {
  const st = s.haproxy.stat;
  return [s.haproxy.process.pid, s['@timestamp'], st?.proxy?.id, st?.server?.id, st?.component_type].join('|');
}

/**
 * A real HAProxy and a fault-injecting proxy (passing everything) in front of the suite's Elasticsearch, with
 * hapbeat's templates installed; `stop` ends the agents left running, the proxy and HAProxy.
 */
export async function labBehindProxy(esUrl: string): Promise<{ lab: HaproxyLab; proxy: FaultProxy; stop: () => Promise<void> }> {
  const lab = await HaproxyLab.start();
  const proxy = new FaultProxy(esUrl, () => ({ kind: 'pass' }));
  await proxy.start();
  const setup = await hapbeatCli(['setup', '--es', esUrl]);
  if (setup.code !== 0) throw new Error(`hapbeat setup failed: ${setup.stdout}${setup.stderr}`);
  return {
    lab,
    proxy,
    stop: async () => {
      await HapbeatProcess.killAll();
      await proxy.stop();
      await lab.stop();
    },
  };
}
