/**
 * Records real answers from real HAProxy binaries into test/fixtures/haproxy-<version>/, for the unit tests.
 *   npm run record-fixtures            every version of the matrix (system 2.6, and 2.2, 3.0, 3.2 from
 *                                      test/haproxy/fetch-versions.sh)
 *   npm run record-fixtures -- 3.2     one version
 * Each file is exactly the bytes HAProxy sent. A reload with a request held open produces an old worker.
 * HAProxy 2.2 runs with nbproc 3, and each process's answers are recorded.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HaproxyLab, matrixBinaries, type MatrixBinary } from '../lab/haproxy.js';
import { holdRequest, sendRequests } from '../lab/backends.js';
import { waitFor } from '../lab/ports.js';

async function record(binary: MatrixBinary): Promise<void> {
  const nbproc = binary.major === '2.2' ? 3 : undefined;
  const lab = await HaproxyLab.start({ quirks: true, binary, nbproc });
  try {
    const dir = path.join('test', 'fixtures', `haproxy-${binary.version}`);
    mkdirSync(dir, { recursive: true });
    const save = (name: string, text: string) => writeFileSync(path.join(dir, name), text);
    await waitFor('q1 DOWN with its reason', async () => (await lab.command('@1 show stat')).includes('Down, for'), 15_000);
    await sendRequests(lab.ports.fe, 7);
    await sendRequests(lab.ports.li, 3);
    save('show-proc.txt', await lab.command('show proc'));
    save('show-proc-debug.txt', await lab.command('show proc debug'));
    save('show-info.txt', await lab.command('@1 show info'));
    save('show-stat.txt', await lab.command('@1 show stat'));
    save('show-stat-typed.txt', await lab.command('@1 show stat typed'));
    save('show-info-typed.txt', await lab.command('@1 show info typed'));
    save('show-schema-json.txt', await lab.command('@1 show schema json'));
    for (let n = 2; n <= (nbproc ?? 1); n++) {
      save(`show-info-at${n}.txt`, await lab.command(`@${n} show info`));
      save(`show-stat-at${n}.txt`, await lab.command(`@${n} show stat`));
    }
    save('master-unknown-command.txt', await lab.command('show info'));
    save('unknown-target.txt', await lab.command('@9 show info'));
    save('worker-socket-show-proc.txt', await lab.command('show proc', lab.workerSocket));
    // A reload while a request is in flight: the old worker stays, stopping, until the request ends.
    const held = holdRequest(lab.ports.fe, '/slow/held');
    await held.connected;
    await waitFor(
      'the held request at slow1',
      async () => {
        for (let n = 1; n <= (nbproc ?? 1); n++) if (/\nbe_slow,slow1,(?:[^,]*,){2}1,/.test(await lab.command(`@${n} show stat`))) return true;
        return false;
      },
      10_000,
    );
    const before = (await lab.workers()).current;
    await lab.reload();
    save('show-proc-after-reload.txt', await lab.command('show proc'));
    const old = (await lab.workers()).old;
    const oldPid = old.find((p) => before.includes(p)) ?? old[0];
    if (oldPid === undefined) throw new Error('no old worker after the reload');
    save('old-worker-show-info.txt', await lab.command(`@!${oldPid} show info`));
    save('old-worker-show-stat.txt', await lab.command(`@!${oldPid} show stat`));
    held.abort();
    lab.blackhole.dropConnections();
    save('VERSION', `${binary.version}\n`);
    console.log(`recorded ${dir}`);
  } finally {
    await lab.stop();
  }
}

const only = process.argv.slice(2);
for (const b of matrixBinaries()) {
  if (only.length === 0 || only.includes(b.major)) await record(b);
}
