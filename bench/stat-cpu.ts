/**
 * Benchmark 1: HAProxy's own cost for one `@1 show stat` of 2,000 servers, against hapbeat's CPU to parse,
 * build documents and serialize that same sample. Target: hapbeat's CPU at most 3x HAProxy's dump time.
 */
import { HaproxyLab, rawCommand } from '../lab/haproxy.js';
import { recordedPoll } from '../lab/recorded-poll.js';
import { parseShowStat } from '../src/parse/show-stat.js';
import { statEvents } from '../src/documents/stat-documents.js';
import { serializeBatch } from '../src/output/output.js';
import { PollTransform } from '../src/pipeline/transform.js';
import { configWith } from './scale.js';

const SERVERS = 2000;
const RUNS = 100;

/** 2,000 servers in 20 backends, with the worker's stats socket for the peer (prometheus-haproxy-exporter). */
export const config2000 = configWith(SERVERS, { statsSocket: true });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

export interface StatCpuResult {
  haproxyMs: number;
  haproxyMinMs: number;
  hapbeatCpuMs: number;
  hapbeatCpuMinMs: number;
  ratio: number;
  rows: number;
  bytes: number;
  outBytes: number;
  /** The whole per-poll processing: per-process documents, rates and the instance's totals. */
  fullCpuMs: number;
  fullCpuMinMs: number;
  fullDocs: number;
}

export async function benchStatCpu(lab: HaproxyLab): Promise<StatCpuResult & { text: string; infoText: string }> {
  {
    const [pid] = (await lab.workers()).current;
    // HAProxy's own cost: one full round trip of @1 show stat through the master.
    const rtts: number[] = [];
    let text = '';
    for (let i = 0; i < RUNS + 5; i++) {
      const t0 = process.hrtime.bigint();
      text = await rawCommand(lab.masterSocket, '@1 show stat', 10_000);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (i >= 5) rtts.push(ms);
    }
    // hapbeat's own CPU for the same sample: parse + documents + serialize.
    const ctx = {
      target: { name: 'bench', address: lab.masterSocket },
      agent: { name: 'bench', version: '0', id: '00000000-0000-0000-0000-000000000000', hostname: 'bench' },
      process: { pid, num: 1, old: false, stopping: false, reloads: 0, startTime: 1_800_000_000, version: '2.6' },
      sampledAt: Date.now(),
      periodMs: 10_000,
      namespace: 'default',
    };
    const cpu: number[] = [];
    let rows = 0;
    let bytes = 0;
    for (let i = 0; i < RUNS + 5; i++) {
      const c0 = process.cpuUsage();
      const table = parseShowStat(text);
      const { events } = statEvents(table, { ...ctx, sampledAt: ctx.sampledAt + i }, 1000);
      const out = serializeBatch(events);
      const c = process.cpuUsage(c0);
      rows = events.length;
      bytes = out.length;
      if (i >= 5) cpu.push((c.user + c.system) / 1000);
    }
    // The whole processing of a poll, as `hapbeat run` does it: per-process documents, rates, totals.
    const infoText = await rawCommand(lab.masterSocket, '@1 show info', 10_000);
    const processor = new PollTransform({ agent: ctx.agent, periodMs: 10_000, namespace: 'default' });
    const full: number[] = [];
    let fullDocs = 0;
    for (let i = 0; i < 30; i++) {
      const at = ctx.sampledAt + i * 10_000;
      const poll = recordedPoll(lab.masterSocket, at, { info: infoText, stat: text });
      const c0 = process.cpuUsage();
      const n = processor.run(poll);
      serializeBatch(n.events);
      const c = process.cpuUsage(c0);
      fullDocs = n.events.length;
      if (i >= 5) full.push((c.user + c.system) / 1000);
    }
    const haproxyMs = median(rtts);
    const hapbeatCpuMs = median(cpu);
    return {
      haproxyMs,
      haproxyMinMs: Math.min(...rtts),
      hapbeatCpuMs,
      hapbeatCpuMinMs: Math.min(...cpu),
      ratio: hapbeatCpuMs / haproxyMs,
      rows,
      bytes: text.length,
      outBytes: bytes,
      fullCpuMs: median(full),
      fullCpuMinMs: Math.min(...full),
      fullDocs,
      text,
      infoText,
    };
  }
}
