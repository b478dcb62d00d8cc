import { afterEach, describe, expect, it } from 'vitest';
import { HaproxyLab, matrixBinaries } from '../../lab/haproxy.js';
import { holdRequest } from '../../lab/backends.js';
import { waitFor } from '../../lab/ports.js';
import { PollTransform } from '../../src/pipeline/transform.js';
import { agent, masterSource } from './helpers.js';

let lab: HaproxyLab | undefined;
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});

// [failed: N] exists from 2.5 on.
describe.each(
  matrixBinaries()
    .filter((b) => b.major !== '2.2')
    .map((b) => [b.major, b] as const),
)('HAProxy %s lifecycle events', (_major, binary) => {
  it('worker started, worker stopping, worker exited, reload failed', async () => {
    lab = await HaproxyLab.start({ binary });
    const source = masterSource(lab.masterSocket);
    const processor = new PollTransform({ agent, periodMs: 1000, namespace: 'default' });
    const events = async () =>
      processor
        .run(await source.poll())
        .events.filter((e) => e.dataset === 'haproxy.process')
        .map((e) => JSON.parse(e.json.toString()))
        .map((d) => [d.event.action, d.process?.pid, d.haproxy.process.num, d.haproxy.version]);
    const [first] = (await lab.workers()).current;
    expect(await events()).toEqual([]); // baseline
    const held = holdRequest(lab.ports.fe, '/slow/held');
    await held.connected;
    await new Promise((r) => setTimeout(r, 200));
    const [second] = await lab.reload();
    // On a busy machine the old worker may still say Stopping: 0 in the first poll after the reload, and say
    // it in the next one: gather the events of successive polls.
    const afterReload: unknown[] = [];
    await waitFor('both reload events', async () => (afterReload.push(...(await events())), afterReload.length >= 2), 15_000, 200);
    expect(afterReload).toEqual([
      ['worker-started', second, 1, binary.version],
      ['worker-stopping', first, 1, binary.version],
    ]);
    held.abort();
    lab.blackhole.dropConnections();
    await waitFor('the old worker to exit', async () => (await lab!.workers()).old.length === 0, 15_000);
    expect(await events()).toEqual([['worker-exited', first, 1, binary.version]]);
    lab.writeConfig(`${lab.configText()}\nnot a valid line\n`);
    process.kill(lab.masterPid, 'SIGUSR2');
    await waitFor('the failed reload', async () => /\[failed: 1\]/.test(await lab!.command('show proc')), 15_000);
    const failed = await events();
    expect(failed).toEqual([['reload-failed', undefined, undefined, binary.version]]); // and no spurious 'stopping': 3.2 lists the serving worker as old, but it answers Stopping: 0
  });
});
