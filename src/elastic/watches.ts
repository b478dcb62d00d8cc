/**
 * hapbeat's Watcher alerts, built from settings at install time. Every condition is a `compare` or an
 * `array_compare` on fields hapbeat precomputes (ratios, rates, gauges): no painless, no bucket_script, no
 * bucket_selector. Facts (shared/reference/kibana-and-watcher.md 4): array_compare over an empty array is false
 * for `some` and true for `all`; aggregation names carry no dots (array_compare paths cannot hold them);
 * hits.total is a number only with rest_total_hits_as_int; an index action into a data stream uses op_type
 * create.
 */
import type { WatchSettings } from '../config/watch-settings.js';
import type { estypes } from '@elastic/elasticsearch';

export type { WatchSettings };

export const DEFAULT_WATCH_SETTINGS: WatchSettings = {
  interval: '1m',
  throttle: '15m',
  window: '5m',
  indices: { stat: 'metrics-haproxy.stat-*', info: 'metrics-haproxy.info-*', process: 'metrics-haproxy.process-*' },
  periodMs: 10_000,
  thresholds: { serversDown: 0.25, http5xx: 0.05, minRequestRate: 1, sessionUsage: 0.9, queued: 10 },
  actions: { logLevel: 'warn' },
};

export interface WatchDef {
  id: string;
  title: string;
  /** What it means when it fires, and how to tune it (for the README and the watch's metadata). */
  meaning: string;
  watch: estypes.WatcherWatch;
}

/**
 * The client's type for a search input body is `{ query }` only (the specification fixed that later); a
 * watch's search needs size and aggregations too, so the body is widened here, once.
 */
type SearchBody = estypes.WatcherSearchInputRequestBody & { size?: number; aggs?: Record<string, estypes.AggregationsAggregationContainer> };

const scope = (s: 'all' | 'process') => ({ term: { 'haproxy.process.scope': s } });
const inWindow = (window: string) => ({
  range: { '@timestamp': { gte: `{{ctx.trigger.scheduled_time}}||-${window}`, lte: '{{ctx.trigger.scheduled_time}}' } },
});

function actions(s: WatchSettings, id: string, text: string): Record<string, estypes.WatcherAction> {
  const a: Record<string, estypes.WatcherAction> = { log: { logging: { level: s.actions.logLevel, text: `[hapbeat ${id}] ${text}` } } };
  if (s.actions.webhookUrl) {
    a.webhook = {
      webhook: {
        method: 'post',
        url: s.actions.webhookUrl,
        headers: { 'Content-Type': 'application/json' },
        body: `{"watch":"${id}","text":${JSON.stringify(text)},"payload":{{#toJson}}ctx.payload.aggregations{{/toJson}}}`,
      } as estypes.WatcherWebhookAction,
    };
  }
  if (s.actions.index) a.store = { index: { index: s.actions.index, op_type: 'create', execution_time_field: '@timestamp' } };
  return a;
}

function watch(
  s: WatchSettings,
  id: string,
  index: string,
  body: SearchBody,
  condition: estypes.WatcherConditionContainer,
  text: string,
  meaning: string,
): estypes.WatcherWatch {
  return {
    trigger: { schedule: { interval: s.interval } },
    // A data stream that does not exist yet (no lifecycle event in that namespace) is no data, not an error.
    input: {
      search: { request: { indices: [index], indices_options: { ignore_unavailable: true, allow_no_indices: true }, rest_total_hits_as_int: true, body } },
    },
    condition,
    actions: actions(s, id, text),
    throttle_period: s.throttle,
    metadata: { managed_by: 'hapbeat', meaning },
  };
}

const perBackend = (s: WatchSettings, extra: object[], aggs: Record<string, estypes.AggregationsAggregationContainer>): SearchBody => ({
  size: 0,
  query: { bool: { filter: [inWindow(s.window), scope('all'), { term: { 'haproxy.stat.component_type': 1 } }, ...extra] } },
  aggs: { backends: { terms: { field: 'haproxy.stat.proxy.name', size: 500 }, aggs } },
});

export function watchDefinitions(s: WatchSettings = DEFAULT_WATCH_SETTINGS): WatchDef[] {
  const t = s.thresholds;
  const list: WatchDef[] = [];
  const add = (id: string, title: string, meaning: string, index: string, body: SearchBody, condition: estypes.WatcherConditionContainer, text: string) =>
    list.push({ id, title, meaning, watch: watch(s, id, index, body, condition, text, meaning) });

  add(
    'hapbeat-backend-servers-down',
    `More than ${t.serversDown * 100}% of a backend's servers DOWN for ${s.window}`,
    `haproxy.stat.server.down_ratio of a backend (its non-maintenance servers DOWN) stayed above ${t.serversDown} at every poll of the last ${s.window}. Tune watches.thresholds.servers_down; a backend meant to run with servers down will keep firing.`,
    s.indices.stat,
    perBackend(s, [], { lowest: { min: { field: 'haproxy.stat.server.down_ratio' } } }),
    { array_compare: { 'ctx.payload.aggregations.backends.buckets': { path: 'lowest.value', gt: { value: t.serversDown, quantifier: 'some' } } } },
    'backends with too many servers DOWN: {{#ctx.payload.aggregations.backends.buckets}}{{key}} ({{lowest.value}}) {{/ctx.payload.aggregations.backends.buckets}}',
  );
  add(
    'hapbeat-backend-5xx-share',
    `5xx share of a backend above ${t.http5xx * 100}%`,
    `haproxy.stat.response.http_5xx_ratio averaged over the polls of the last ${s.window} in which the backend served at least ${t.minRequestRate} request(s)/s (a guard against a single failed request on an idle backend). Tune watches.thresholds.http_5xx and min_request_rate.`,
    s.indices.stat,
    perBackend(s, [{ range: { 'haproxy.stat.request.rate_per_s': { gte: t.minRequestRate } } }], {
      share: { avg: { field: 'haproxy.stat.response.http_5xx_ratio' } },
    }),
    { array_compare: { 'ctx.payload.aggregations.backends.buckets': { path: 'share.value', gt: { value: t.http5xx, quantifier: 'some' } } } },
    'backends answering 5xx: {{#ctx.payload.aggregations.backends.buckets}}{{key}} ({{share.value}}) {{/ctx.payload.aggregations.backends.buckets}}',
  );
  add(
    'hapbeat-sessions-near-limit',
    `Sessions above ${t.sessionUsage * 100}% of their limit`,
    `haproxy.stat.session.usage_ratio (current sessions over the limit) of a frontend or backend went above ${t.sessionUsage} in the last ${s.window}: new connections will queue or be refused. Tune watches.thresholds.session_usage.`,
    s.indices.stat,
    {
      size: 0,
      query: { bool: { filter: [inWindow(s.window), scope('all'), { terms: { 'haproxy.stat.component_type': [0, 1] } }] } },
      aggs: { proxies: { terms: { field: 'haproxy.stat.proxy.name', size: 500 }, aggs: { usage: { max: { field: 'haproxy.stat.session.usage_ratio' } } } } },
    },
    { array_compare: { 'ctx.payload.aggregations.proxies.buckets': { path: 'usage.value', gt: { value: t.sessionUsage, quantifier: 'some' } } } },
    'proxies near their session limit: {{#ctx.payload.aggregations.proxies.buckets}}{{key}} ({{usage.value}}) {{/ctx.payload.aggregations.proxies.buckets}}',
  );
  add(
    'hapbeat-backend-queue',
    `Requests queued for a backend for ${s.window}`,
    `haproxy.stat.request.queued.current of a backend stayed above ${t.queued} at every poll of the last ${s.window}: its servers are saturated (maxconn) or too few are up. Tune watches.thresholds.queued.`,
    s.indices.stat,
    perBackend(s, [], { lowest: { min: { field: 'haproxy.stat.request.queued.current' } } }),
    { array_compare: { 'ctx.payload.aggregations.backends.buckets': { path: 'lowest.value', gt: { value: t.queued, quantifier: 'some' } } } },
    'backends with a standing queue: {{#ctx.payload.aggregations.backends.buckets}}{{key}} ({{lowest.value}}) {{/ctx.payload.aggregations.backends.buckets}}',
  );
  add(
    'hapbeat-reload-failed',
    'A reload failed, or a worker exited without a reload',
    `A haproxy.process event in the last ${s.window}: reload-failed (the master kept the old configuration), or worker-exited for a worker that was not stopping (a crash). Fix the configuration (haproxy -c -f) or look at the worker's end in HAProxy's log.`,
    s.indices.process,
    {
      size: 5,
      query: {
        bool: {
          filter: [inWindow(s.window)],
          should: [
            { term: { 'event.action': 'reload-failed' } },
            { bool: { filter: [{ term: { 'event.action': 'worker-exited' } }, { term: { 'haproxy.process.old': false } }] } },
          ],
          minimum_should_match: 1,
        },
      },
    },
    { compare: { 'ctx.payload.hits.total': { gt: 0 } } },
    '{{ctx.payload.hits.total}} event(s): {{#ctx.payload.hits.hits}}{{_source.event.action}} {{/ctx.payload.hits.hits}}',
  );
  const silence = `${Math.max(1, Math.round((3 * s.periodMs) / 1000))}s`;
  add(
    'hapbeat-no-data',
    'No data from a target for 3 poll periods',
    `A target (service.address) that sent haproxy.info in the last hour sent none in the last ${silence} (3 periods): hapbeat, HAProxy or the delivery is down. Check "hapbeat test haproxy" and hapbeat's log.`,
    s.indices.info,
    {
      size: 0,
      query: {
        bool: { filter: [{ range: { '@timestamp': { gte: '{{ctx.trigger.scheduled_time}}||-1h', lte: '{{ctx.trigger.scheduled_time}}' } } }, scope('all')] },
      },
      aggs: {
        targets: {
          terms: { field: 'service.address', size: 500 },
          aggs: { recent: { filter: { range: { '@timestamp': { gte: `{{ctx.trigger.scheduled_time}}||-${silence}` } } } } },
        },
      },
    },
    { array_compare: { 'ctx.payload.aggregations.targets.buckets': { path: 'recent.doc_count', eq: { value: 0, quantifier: 'some' } } } },
    'targets silent for 3 periods: {{#ctx.payload.aggregations.targets.buckets}}{{key}} {{/ctx.payload.aggregations.targets.buckets}}',
  );
  return list;
}
