import type { Dataset } from '../fields/datasets.js';
import type { ProcessIdentity } from '../derive/identity.js';

/** The HAProxy instance a sample came from. */
export interface TargetRef {
  name: string;
  address: string;
}

/** Static facts about this agent, put on every document. */
export interface AgentInfo {
  name: string;
  version: string;
  id: string;
  hostname: string;
}

/** What every document of one target's poll shares. */
export interface DocumentSettings {
  agent: AgentInfo;
  periodMs: number;
  namespace: string;
}

/** Everything about one process sample (or one lifecycle change) that is the same for all its documents. */
export interface SampleContext extends DocumentSettings {
  target: TargetRef;
  process: ProcessIdentity;
  /** When this process was sampled, epoch ms. */
  sampledAt: number;
  /** `process` for one process's documents; `all` for a target's totals across its processes. */
  scope?: 'process' | 'all';
  /** For scope all: how many processes the totals combine (1: the documents are also that process's). */
  processCount?: number;
}

/** `haproxy.process.*`: the identity part every document of a process sample carries. */
export function processObject(p: ProcessIdentity, scope: 'process' | 'all' = 'process', count?: number): Record<string, unknown> {
  const o: Record<string, unknown> = { scope, old: p.old };
  if (count !== undefined) o.count = count;
  if (p.num !== undefined) o.num = p.num;
  if (p.pid !== undefined) o.pid = p.pid;
  if (p.reloads !== undefined) o.reloads = p.reloads;
  if (p.stopping !== undefined) o.stopping = p.stopping;
  if (p.startTime !== undefined) o.start_time = new Date(p.startTime * 1000).toISOString();
  return o;
}

/**
 * The envelope: the fields every document carries, whatever its dataset (ECS `@timestamp`, event, data_stream,
 * service, host, agent, process, and `haproxy.version` with `haproxy.process`). `event` holds the dataset's own
 * event fields (a sample's duration, a lifecycle change's kind and action); metric datasets also get
 * `metricset`. The one place documents begin.
 */
export function envelope(
  ctx: SampleContext,
  dataset: Dataset,
  event: Record<string, unknown>,
): { head: Record<string, unknown>; haproxy: Record<string, unknown> } {
  const head: Record<string, unknown> = { '@timestamp': new Date(ctx.sampledAt).toISOString(), event: { module: 'haproxy', dataset, ...event } };
  if (dataset !== 'haproxy.process') head.metricset = { name: dataset.slice('haproxy.'.length), period: ctx.periodMs };
  head.data_stream = { type: 'metrics', dataset, namespace: ctx.namespace };
  head.service = { type: 'haproxy', address: ctx.target.address, name: ctx.target.name };
  head.host = { name: ctx.agent.hostname };
  head.agent = { type: 'hapbeat', version: ctx.agent.version, name: ctx.agent.name, id: ctx.agent.id };
  if (ctx.process.pid !== undefined) head.process = { pid: ctx.process.pid };
  const haproxy: Record<string, unknown> = { process: processObject(ctx.process, ctx.scope, ctx.processCount) };
  if (ctx.process.version !== undefined) haproxy.version = ctx.process.version;
  return { head, haproxy };
}

/**
 * The JSON of a metric document up to its dataset object, e.g. `{"@timestamp":..., ..., "haproxy":{"process":
 * ...,"version":...,"stat":` — computed once per sample and dataset, shared by every row.
 */
export function envelopePrefix(ctx: SampleContext, dataset: 'haproxy.stat' | 'haproxy.info', durationNs: number): string {
  const { head, haproxy } = envelope(ctx, dataset, { duration: durationNs });
  const headJson = JSON.stringify(head);
  const haproxyJson = JSON.stringify(haproxy);
  return `${headJson.slice(0, -1)},"haproxy":${haproxyJson.slice(0, -1)},"${dataset.slice('haproxy.'.length)}":`;
}

/** The parts of a document id that name the sample: target, scope, process, time. */
export function sampleIdParts(ctx: SampleContext): (string | number | undefined)[] {
  const p = ctx.process;
  return [ctx.target.address, ctx.scope === 'all' ? 'all' : undefined, p.pid, p.startTime, p.num, ctx.sampledAt];
}
