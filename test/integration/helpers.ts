import { docOf, perProcess } from '../documents.js';
import { HaproxySource } from '../../src/haproxy/source.js';
import { parseTarget } from '../../src/haproxy/target.js';
import type { TransformedPoll } from '../../src/pipeline/transform.js';
import { type HapbeatEvent } from '../../src/documents/event.js';

export const agent = { name: 'it', version: '0.0.0', id: '00000000-0000-0000-0000-000000000001', hostname: 'lab' };

export function masterSource(socket: string, includeOldWorkers = true): HaproxySource {
  return new HaproxySource(parseTarget(socket), {
    limits: { connectTimeoutMs: 2000, readTimeoutMs: 5000, maxResponseBytes: 64 << 20 },
    concurrency: 2,
    includeOldWorkers,
  });
}

export async function pollOnce(source: HaproxySource): Promise<TransformedPoll & { error?: Error }> {
  const poll = await source.poll();
  return { ...perProcess(poll, { agent, periodMs: 1000, namespace: 'default' }), error: poll.error };
}

type Doc = Record<string, any>;

/** The stat document of one row of one process. */
export function statDoc(events: HapbeatEvent[], pid: number, proxy: string, service: string): Doc {
  const e = events.find((x) => {
    const d = docOf(x) as Doc;
    return x.dataset === 'haproxy.stat' && d.process?.pid === pid && d.haproxy.stat.proxy.name === proxy && d.haproxy.stat.service_name === service;
  });
  if (!e) throw new Error(`no stat document for pid ${pid} ${proxy}/${service}`);
  return docOf(e) as Doc;
}

export function infoDoc(events: HapbeatEvent[], pid: number): Doc {
  const e = events.find((x) => x.dataset === 'haproxy.info' && (docOf(x) as Doc).process?.pid === pid);
  if (!e) throw new Error(`no info document for pid ${pid}`);
  return docOf(e) as Doc;
}
