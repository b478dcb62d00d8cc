import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HaproxyLab, isAlive, matrixBinaries } from '../../lab/haproxy.js';
import { waitFor } from '../../lab/ports.js';
import { parseShowProc } from '../../src/parse/show-proc.js';
import { LAUNCH_ENV, NODE_FLAGS } from '../../src/launch-settings.js';

const BIN = path.resolve('bin/hapbeat.js');
const started: number[] = [];
afterAll(() => {
  for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL'); // hapbeat, if a test left it behind
});

/**
 * The `program` section the README shows, pointed at this lab's master socket and a file output: node with
 * hapbeat's launch settings, the variables given through env(1) (a program section has no environment of its own).
 */
function programSection(lab: HaproxyLab, out: string, data: string): string {
  const env = Object.entries(LAUNCH_ENV).map(([k, v]) => `${k}=${v}`);
  return [
    'program hapbeat',
    `  command /usr/bin/env ${env.join(' ')} ${process.execPath} ${NODE_FLAGS.join(' ')} ${BIN} run --target ${lab.masterSocket} --period 300ms --output file --output-path ${out} -E path.data=${data}`,
    '  no option start-on-reload',
    '',
  ].join('\n');
}

interface Doc {
  dataset: string;
  pid?: number;
  scope: string;
  count?: number;
}
function documents(out: string): Doc[] {
  const file = path.join(out, 'hapbeat.ndjson');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const d = JSON.parse(l) as { event: { dataset: string }; haproxy: { process: { pid?: number; scope: string; count?: number } } };
      return { dataset: d.event.dataset, pid: d.haproxy.process.pid, scope: d.haproxy.process.scope, count: d.haproxy.process.count };
    });
}

/**
 * hapbeat as a `program` of HAProxy's master (2.6, and 3.2 where the section needs expose-deprecated-directives):
 * the master starts it, lists it under "# programs", keeps it across reloads (no option start-on-reload), and
 * stops it with HAProxy; hapbeat collects from that same master and never takes the program for a worker.
 */
describe("hapbeat under HAProxy's process manager (program section)", () => {
  for (const bin of matrixBinaries().filter((b) => ['2.6', '3.2'].includes(b.major))) {
    it(`HAProxy ${bin.version}: started and stopped by the master, kept across a reload, never sampled as a worker`, async () => {
      const out = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-program-out-'));
      const data = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-program-data-'));
      const lab = await HaproxyLab.start({
        binary: bin,
        globalExtra: Number(bin.major) >= 3.1 ? ['expose-deprecated-directives'] : [],
        config: (l) => l.configText() + programSection(l, out, data),
      });
      try {
        const programPid = await waitFor(
          'hapbeat listed under # programs',
          async () => parseShowProc(await lab.command('show proc')).programs.find((p) => p.type === 'hapbeat')?.pid,
          15_000,
        );
        started.push(programPid);
        // env(1) replaced itself with node: the program's pid is hapbeat, started with its launch settings.
        const environ = readFileSync(`/proc/${programPid}/environ`, 'utf8').split('\0');
        const argv = readFileSync(`/proc/${programPid}/cmdline`, 'utf8').split('\0');
        expect(argv.slice(0, 2 + NODE_FLAGS.length)).toEqual([process.execPath, ...NODE_FLAGS, BIN]);
        for (const [k, v] of Object.entries(LAUNCH_ENV)) expect(environ).toContain(`${k}=${v}`);
        const [worker] = (await lab.workers()).current;
        await waitFor('stat documents from the worker', () => documents(out).some((d) => d.dataset === 'haproxy.stat' && d.pid === worker), 20_000);

        // A reload: a new worker, the same hapbeat (not restarted, not an old program).
        const [fresh] = await lab.reload();
        await waitFor('stat documents from the new worker', () => documents(out).some((d) => d.dataset === 'haproxy.stat' && d.pid === fresh), 20_000);
        // HAProxy lists a kept program under "# old programs" after a reload; it is the same process.
        const after = parseShowProc(await lab.command('show proc'));
        expect([...after.programs, ...after.oldPrograms].map((p) => p.pid)).toEqual([programPid]);
        expect(isAlive(programPid)).toBe(true);
        // The master sends SIGUSR1 to its programs at every reload: hapbeat ignores it and says why. Node's
        // default for SIGUSR1 would open a debugger on 127.0.0.1:9229 that any local user could use.
        await waitFor('the SIGUSR1 note', () => lab.log().includes('SIGUSR1'), 10_000);
        expect(lab.log()).not.toMatch(/Debugger listening/);
        expect(lab.log()).toMatch(/received SIGUSR1 .*ignored/);

        // Only workers are sampled: no document names the program's pid (or the master's).
        const pids = new Set(
          documents(out)
            .filter((d) => d.scope === 'process' || d.count === 1)
            .map((d) => d.pid),
        );
        expect(pids.has(worker) && pids.has(fresh)).toBe(true);
        expect(pids.has(programPid)).toBe(false);
        expect(pids.has(lab.masterPid)).toBe(false);
        expect([...pids].every((p) => p === worker || p === fresh)).toBe(true);

        // Stopping HAProxy stops hapbeat, which shuts down cleanly (its health file says so).
        await lab.stopHaproxy();
        await waitFor('hapbeat to exit with HAProxy', () => !isAlive(programPid), 15_000);
        const health = JSON.parse(readFileSync(path.join(data, 'health.json'), 'utf8')) as { state: string; pid: number };
        expect(health).toMatchObject({ state: 'stopped', pid: programPid });
        expect(lab.log()).toMatch(/hapbeat stopped/);
        // Every line of the file output is a whole document: nothing cut at exit.
        expect(() => documents(out)).not.toThrow();
      } finally {
        await lab.stop();
        rmSync(out, { recursive: true, force: true });
        rmSync(data, { recursive: true, force: true });
      }
    });
  }
});
