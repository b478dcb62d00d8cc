/**
 * Benchmark for issue 11's goal 5: how fast a restarted hapbeat replays the spool an outage left behind into
 * the real Elasticsearch, against the indexing rate (section 2). Timed by hapbeat's own log, from "the spool
 * holds N document(s)" to "backlog delivered", so that nothing queries Elasticsearch meanwhile; then every
 * backlog document is counted in Elasticsearch. The replaying agent polls once an hour: its one poll is
 * appended behind the backlog and delivered within the same window, which only understates the rate.
 */
import type { HaproxyLab } from '../lab/haproxy.js';
import { waitFor } from '../lab/ports.js';
import { eachLine, spawnHapbeat, stopProcess } from './proc.js';

export interface ReplayResult {
  /** Documents in the backlog. */
  backlog: number;
  /** From startup (the backlog found) to the backlog delivered. */
  seconds: number;
  docsPerSec: number;
}

async function countDocs(url: string, pattern: string): Promise<number> {
  await fetch(`${url}/${pattern}/_refresh`, { method: 'POST' });
  const r = await fetch(`${url}/${pattern}/_count`);
  return ((await r.json()) as { count?: number }).count ?? 0;
}

/** Replays `spoolDir` (which it consumes) into the data streams of namespace `ns`. */
export async function benchReplay(lab: HaproxyLab, esUrl: string, spoolDir: string, backlog: number, ns = 'replay'): Promise<ReplayResult> {
  const hb = spawnHapbeat(['run', '-t', lab.masterSocket, '--period', '1h', '--es', esUrl, '--namespace', ns, '-E', `queue.disk.path=${spoolDir}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let found: number | undefined;
  let delivered: number | undefined;
  eachLine(hb.stderr!, (l) => {
    if (l.includes('"msg":"the spool holds ')) found = Date.parse((JSON.parse(l) as { time: string }).time);
    if (l.includes('"msg":"backlog delivered')) delivered = Date.parse((JSON.parse(l) as { time: string }).time);
  });
  try {
    await waitFor('the backlog delivered', () => delivered !== undefined, 600_000, 100);
  } finally {
    await stopProcess(hb);
  }
  if (found === undefined) throw new Error('replay: hapbeat did not report a backlog in its spool');
  const indexed = await countDocs(esUrl, `metrics-haproxy.*-${ns}`);
  if (indexed < backlog) throw new Error(`replay: ${indexed} documents indexed, the backlog held ${backlog}`);
  const seconds = (delivered! - found) / 1000;
  return { backlog, seconds, docsPerSec: backlog / seconds };
}
