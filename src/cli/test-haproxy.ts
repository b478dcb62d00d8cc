import type { HapbeatConfig } from '../config/load.js';
import { HaproxySource } from '../haproxy/source.js';
import { PollTransform } from '../pipeline/transform.js';
import { agentVersion } from '../agent-info.js';
import os from 'node:os';

/**
 * `hapbeat test haproxy`: one poll of every target, reported for a person: the processes found (current and
 * old), what each answered, and for every failure what was wrong and how to fix it. Returns the exit code.
 */
export async function testHaproxy(config: HapbeatConfig, out: NodeJS.WritableStream): Promise<number> {
  let problems = 0;
  const agent = { name: 'hapbeat-test', version: agentVersion(), id: '00000000-0000-0000-0000-000000000000', hostname: os.hostname() };
  for (const t of config.targets) {
    out.write(`${t.name} (${t.mode} mode, ${t.address})\n`);
    const source = new HaproxySource(t, {
      limits: config.limits,
      concurrency: config.maxConnectionsPerTarget,
      includeOldWorkers: config.includeOldWorkers,
      httpAuth: { username: t.username, password: t.password },
    });
    const poll = await source.poll();
    if (poll.error) {
      problems++;
      out.write(`  FAIL  ${poll.error.message}\n`);
      continue;
    }
    if (poll.procList) {
      const m = poll.procList.master;
      const failed = m.failedReloads ? `, ${m.failedReloads} failed reload(s) since the last good one` : '';
      out.write(`  ok    master pid ${m.pid}, version ${m.version}, ${m.reloads} reload(s)${failed}\n`);
      out.write(`        show proc: ${poll.procList.workers.length} current worker(s), ${poll.procList.oldWorkers.length} old worker(s)\n`);
      if (m.failedReloads) problems++;
    }
    const n = new PollTransform({ agent, periodMs: config.periodMs, namespace: config.namespace }).run(poll);
    for (const p of n.processes) {
      const id = p.identity;
      const what = id.old ? 'old worker' : 'worker';
      out.write(
        `  ok    ${what} ${p.prefix || '(direct)'}: pid ${id.pid ?? '?'}, process #${id.num ?? '?'}, version ${id.version ?? '?'}` +
          `${id.reloads !== undefined ? `, reloads ${id.reloads}` : ''}: ${p.statDocs} stat row(s)${p.infoDocs ? ', info' : ''}\n`,
      );
    }
    for (const s of poll.skipped) out.write(`  note  ${s.prefix} exited before "${s.command}" (normal after a reload)\n`);
    for (const e of n.derived.errors) {
      problems++;
      out.write(`  FAIL  ${e.prefix || 'process'}: ${e.error.message}\n`);
    }
    if (n.processes.length === 0 && n.derived.errors.length === 0) {
      problems++;
      out.write('  FAIL  no process answered; is HAProxy starting or stopping?\n');
    }
    if (t.mode !== 'master') {
      out.write('  note  direct mode sees one process only; use the master CLI (-S) to see every worker\n');
    }
  }
  out.write(problems === 0 ? 'HAProxy OK\n' : `${problems} problem(s) found\n`);
  return problems === 0 ? 0 : 1;
}
