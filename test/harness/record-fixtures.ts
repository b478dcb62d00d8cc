/**
 * Records real answers from a real HAProxy into test/fixtures/haproxy-<version>/, for the parser unit tests.
 *   npm run record-fixtures                       (the system haproxy)
 *   HAPBEAT_TEST_HAPROXY=/path/to/haproxy npm run record-fixtures
 * Each file is exactly the bytes HAProxy sent. A reload with a request held open produces an old worker.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HaproxyLab } from './haproxy.js';
import { holdRequest, sendRequests } from './backends.js';
import { waitFor } from './ports.js';

async function main(): Promise<void> {
  const lab = await HaproxyLab.start({ quirks: true });
  try {
    const version = /version (\S+)/.exec(execFileSync(lab.binary.path, ['-v'], { env: { ...process.env, ...lab.binary.env } }).toString())![1]!;
    const dir = path.join('test', 'fixtures', `haproxy-${version}`);
    mkdirSync(dir, { recursive: true });
    const save = (name: string, text: string) => writeFileSync(path.join(dir, name), text);
    await waitFor('q1 DOWN with its reason', async () => (await lab.command('@1 show stat')).includes('Down, for'), 10_000);
    await sendRequests(lab.ports.fe, 7);
    await sendRequests(lab.ports.li, 3);
    save('show-proc.txt', await lab.command('show proc'));
    save('show-info.txt', await lab.command('@1 show info'));
    save('show-stat.txt', await lab.command('@1 show stat'));
    save('show-stat-typed.txt', await lab.command('@1 show stat typed'));
    save('show-info-typed.txt', await lab.command('@1 show info typed'));
    save('master-unknown-command.txt', await lab.command('show info'));
    save('unknown-target.txt', await lab.command('@9 show info'));
    save('worker-socket-show-proc.txt', await lab.command('show proc', lab.workerSocket));
    // A reload while a request is in flight: the old worker stays, stopping, until the request ends.
    const held = holdRequest(lab.ports.fe, '/slow/held');
    await held.connected;
    await waitFor('the held request reached slow1', async () => /,slow1,(?:[^,]*,){2}1,/.test(await lab.command('@1 show stat')), 10_000);
    const [oldPid] = (await lab.workers()).current;
    await lab.reload();
    save('show-proc-after-reload.txt', await lab.command('show proc'));
    save('old-worker-show-info.txt', await lab.command(`@!${oldPid} show info`));
    save('old-worker-show-stat.txt', await lab.command(`@!${oldPid} show stat`));
    held.abort();
    save('VERSION', `${version}\n`);
    console.log(`recorded ${dir}`);
  } finally {
    await lab.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
