/** What the benches read of a process from /proc (its CPU time and its resident memory), and how they start hapbeat. */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { LAUNCH_ENV, NODE_FLAGS } from '../src/launch-settings.js';

/**
 * `hapbeat <args>` started as the systemd unit and the container image start it: node with hapbeat's launch
 * settings (src/launch-settings.ts). With `plain`, without them, as `node bin/hapbeat.js` starts it.
 */
export function spawnHapbeat(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; stdio: StdioOptions; plain?: boolean }): ChildProcess {
  const flags = opts.plain ? [] : NODE_FLAGS;
  const env = { ...process.env, ...(opts.plain ? {} : LAUNCH_ENV), ...opts.env };
  if (opts.plain) for (const k of Object.keys(LAUNCH_ENV)) delete env[k];
  return spawn(process.execPath, [...flags, 'bin/hapbeat.js', ...args], { stdio: opts.stdio, env });
}

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/** utime + stime of a process, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** Resident memory, in MB. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/**
 * Resident memory from one read of /proc, in MB: the total (VmRSS) and its two kinds, anonymous (the
 * process's own: heaps, buffers, stacks) and file-backed (mapped files, chiefly the program's own binary, whose
 * pages every process running it shares). The total is their sum, plus shared memory (none here).
 */
export function rssParts(pid: number): { rssMb: number; anonMb: number; fileMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { rssMb: kb('VmRSS'), anonMb: kb('RssAnon'), fileMb: kb('RssFile') };
}

/** Calls `each` with every complete line a stream writes (a process's JSON log on stderr). */
export function eachLine(stream: NodeJS.ReadableStream, each: (line: string) => void): void {
  let tail = '';
  stream.on('data', (d: Buffer) => {
    const lines = (tail + d.toString()).split('\n');
    tail = lines.pop()!;
    for (const l of lines) each(l);
  });
}

/** SIGTERM to a process we started, and its exit. */
export async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await exited;
}

/** The median of some samples (NaN for none). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
