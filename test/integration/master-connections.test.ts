import { afterEach, describe, expect, it } from 'vitest';
import { HaproxyLab, matrixBinaries } from '../../lab/haproxy.js';
import { waitFor } from '../../lab/ports.js';
import { CliClient } from '../../src/haproxy/cli-client.js';
import { ProcessGoneError } from '../../src/haproxy/errors.js';
import { masterConnections, ownSockets } from '../harness/sockets.js';

let lab: HaproxyLab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

/**
 * A worker that exits between `show proc` and `@!<pid> show info` is a normal race around reloads. HAProxy 3.0
 * and 3.2 answer "Can't find the target PID" and keep the connection open; if the client had already
 * half-closed, the master sometimes never notices the close, and that connection counts against its 10 forever
 * (until the next reload). Ten of them and the master CLI stops answering.
 */
describe.each(matrixBinaries().map((b) => [b.major, b] as const))('HAProxy %s: commands for a process that is gone', (_major, binary) => {
  it('150 of them leave no connection open on the master, which still answers', async () => {
    lab = await HaproxyLab.start({ binary });
    const client = new CliClient({ kind: 'unix', path: lab.masterSocket });
    const sockets0 = ownSockets();
    // The master's own pid is never a worker's: "Can't find the target PID matching the prefix '@!<pid>'".
    const gone = `@!${lab.masterPid} show info`;
    const results = await Promise.allSettled(Array.from({ length: 150 }, () => client.run(gone)));
    const failures = results.map((r) => (r.status === 'rejected' ? (r.reason as Error) : new Error('answered')));
    expect(failures.filter((e) => !(e instanceof ProcessGoneError)).map((e) => e.message)).toEqual([]);
    // A connection the client closed leaves the master's list within moments; an orphan never does.
    await waitFor('no master connection left', () => masterConnections(lab!.masterSocket) === 0, 10_000);
    const proc = await client.run('show proc');
    expect(proc.text).toContain(String(lab.masterPid));
    expect(ownSockets()).toBe(sockets0);
  });
});
