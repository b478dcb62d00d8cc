import type { ChartDef, Metric } from './lens.js';

/**
 * hapbeat's dashboards, as data. Instance-wide charts read the totals (`haproxy.process.scope: "all"`),
 * per-process charts each process once: its own documents, or, when it was the only process of its poll, the
 * instance's (`haproxy.process.count: 1`, which carry its identity). No chart mixes the two in one aggregation. Rates, ratios and
 * gauges are hapbeat's own fields, averaged (or maxed) per time bucket: they survive reloads, where a
 * derivative of a raw counter does not.
 */
export interface DashboardDef {
  id: string;
  title: string;
  description: string;
  charts: ChartDef[];
}

const S = 'haproxy.stat';
const ALL = 'haproxy.process.scope: "all"';
const PROC = '(haproxy.process.scope: "process" or haproxy.process.count: 1)';
const FRONTENDS = `${ALL} and ${S}.component_type: 0`;
const BACKENDS = `${ALL} and ${S}.component_type: 1`;
const SERVERS = `${ALL} and ${S}.component_type: 2`;
const byProxy = (label: string) => ({ field: `${S}.proxy.name`, size: 10, label });
const byPid = { field: 'haproxy.process.pid', size: 10, label: 'Process (pid)' };
const avg = (field: string, label: string, filter?: string): Metric => ({ op: 'average', field, label, ...(filter ? { filter } : {}) });
const max = (field: string, label: string): Metric => ({ op: 'max', field, label });
const last = (field: string, label: string): Metric => ({ op: 'last_value', field, label });

export const OVERVIEW: DashboardDef = {
  id: 'hapbeat-overview',
  title: '[hapbeat] HAProxy overview',
  description: 'The whole HAProxy instance, every process included: traffic, errors, capacity and reloads.',
  charts: [
    {
      id: 'overview-request-rate',
      title: 'Requests per second, per frontend',
      description: 'haproxy.stat.request.rate_per_s of the instance (all processes), averaged per bucket.',
      kind: 'line',
      query: FRONTENDS,
      metrics: [avg(`${S}.request.rate_per_s`, 'Requests/s')],
      splitBy: byProxy('Frontend'),
    },
    {
      id: 'overview-session-rate',
      title: 'Sessions per second, per frontend',
      description: 'haproxy.stat.session.total_per_s of the instance.',
      kind: 'line',
      query: FRONTENDS,
      metrics: [avg(`${S}.session.total_per_s`, 'Sessions/s')],
      splitBy: byProxy('Frontend'),
    },
    {
      id: 'overview-5xx-share',
      title: '5xx share, per backend',
      description: 'haproxy.stat.response.http_5xx_ratio: the share of responses that were 5xx over each poll interval.',
      kind: 'line',
      query: BACKENDS,
      metrics: [max(`${S}.response.http_5xx_ratio`, '5xx share')],
      splitBy: byProxy('Backend'),
    },
    {
      id: 'overview-backends-down',
      title: 'Backends with DOWN servers',
      description: "haproxy.stat.server.down_ratio (share of a backend's non-maintenance servers that are DOWN), now.",
      kind: 'table',
      query: BACKENDS,
      metrics: [last(`${S}.server.down_ratio`, 'Servers DOWN (share)'), last(`${S}.server.active`, 'Active servers')],
      splitBy: { field: `${S}.proxy.name`, size: 50, label: 'Backend' },
    },
    {
      id: 'overview-response-time',
      title: 'Response time, per backend (ms)',
      description: "haproxy.stat.response.time.avg: HAProxy's average over the last 1,024 requests.",
      kind: 'line',
      query: BACKENDS,
      metrics: [avg(`${S}.response.time.avg`, 'Response time (ms)')],
      splitBy: byProxy('Backend'),
    },
    {
      id: 'overview-processes',
      title: 'HAProxy processes, current and old',
      description: 'Distinct processes sampled per bucket, old workers (draining after a reload) apart.',
      kind: 'bar_stacked',
      query: `event.dataset: "haproxy.info" and ${PROC}`,
      metrics: [{ op: 'unique_count', field: 'haproxy.process.pid', label: 'Processes' }],
      splitBy: { field: 'haproxy.process.old', size: 2, label: 'Old worker' },
    },
    {
      id: 'overview-reloads',
      title: 'Reloads and failed reloads',
      description: 'haproxy.process lifecycle events: workers started, stopping, exited; reloads that failed.',
      kind: 'bar_stacked',
      query: 'event.dataset: "haproxy.process"',
      metrics: [{ op: 'count', label: 'Events' }],
      splitBy: { field: 'event.action', size: 10, label: 'Event' },
    },
  ],
};

export const FRONTENDS_DASHBOARD: DashboardDef = {
  id: 'hapbeat-frontends',
  title: '[hapbeat] HAProxy frontends',
  description: 'Frontends of the whole instance: requests, connections, bytes, HTTP codes, denials and errors, sessions against their limit.',
  charts: [
    {
      id: 'fe-request-rate',
      title: 'Requests per second',
      description: 'haproxy.stat.request.rate_per_s.',
      kind: 'line',
      query: FRONTENDS,
      metrics: [avg(`${S}.request.rate_per_s`, 'Requests/s')],
      splitBy: byProxy('Frontend'),
    },
    {
      id: 'fe-connection-rate',
      title: 'Connections per second',
      description: 'haproxy.stat.connection.total_per_s.',
      kind: 'line',
      query: FRONTENDS,
      metrics: [avg(`${S}.connection.total_per_s`, 'Connections/s')],
      splitBy: byProxy('Frontend'),
    },
    {
      id: 'fe-bytes',
      title: 'Bytes in and out per second',
      description: 'haproxy.stat.in.bytes_per_s and out.bytes_per_s, all frontends.',
      kind: 'area',
      query: FRONTENDS,
      metrics: [avg(`${S}.in.bytes_per_s`, 'In (bytes/s)'), avg(`${S}.out.bytes_per_s`, 'Out (bytes/s)')],
    },
    {
      id: 'fe-http-codes',
      title: 'HTTP responses per second, by class',
      description: 'haproxy.stat.response.http.{2xx,3xx,4xx,5xx}_per_s.',
      kind: 'bar_stacked',
      query: FRONTENDS,
      metrics: ['2xx', '3xx', '4xx', '5xx'].map((c) => avg(`${S}.response.http.${c}_per_s`, `${c}/s`)),
    },
    {
      id: 'fe-denied-errors',
      title: 'Denials and errors per second',
      description: 'Requests denied (ACLs), request errors, and responses denied.',
      kind: 'line',
      query: FRONTENDS,
      metrics: [
        avg(`${S}.request.denied_per_s`, 'Requests denied/s'),
        avg(`${S}.request.errors_per_s`, 'Request errors/s'),
        avg(`${S}.response.denied_per_s`, 'Responses denied/s'),
      ],
    },
    {
      id: 'fe-session-usage',
      title: 'Sessions against their limit',
      description: 'haproxy.stat.session.usage_ratio: current sessions over the limit (1 = full).',
      kind: 'line',
      query: FRONTENDS,
      metrics: [max(`${S}.session.usage_ratio`, 'Session usage')],
      splitBy: byProxy('Frontend'),
    },
  ],
};

export const BACKENDS_DASHBOARD: DashboardDef = {
  id: 'hapbeat-backends',
  title: '[hapbeat] HAProxy backends and servers',
  description: 'Server status, DOWN share, queues, connect and response times, retries and redispatches, health checks.',
  charts: [
    {
      id: 'be-server-status',
      title: 'Server status',
      description: "Each server's last status, check status and active flag, per backend.",
      kind: 'table',
      query: SERVERS,
      metrics: [last(`${S}.status`, 'Status'), last(`${S}.check.status`, 'Last check'), last(`${S}.downtime`, 'Downtime (s)')],
      splitBy: { field: `${S}.proxy.name`, size: 50, label: 'Backend' },
      rows: [{ field: `${S}.service_name`, size: 200, label: 'Server' }],
    },
    {
      id: 'be-down-ratio',
      title: 'Share of servers DOWN, per backend',
      description: 'haproxy.stat.server.down_ratio.',
      kind: 'line',
      query: BACKENDS,
      metrics: [max(`${S}.server.down_ratio`, 'Servers DOWN (share)')],
      splitBy: byProxy('Backend'),
    },
    {
      id: 'be-queue',
      title: 'Queued requests, per backend',
      description: 'haproxy.stat.request.queued.current: requests waiting for a server.',
      kind: 'line',
      query: BACKENDS,
      metrics: [max(`${S}.request.queued.current`, 'Queued')],
      splitBy: byProxy('Backend'),
    },
    {
      id: 'be-queue-time',
      title: 'Time in queue, per backend (ms)',
      description: 'haproxy.stat.queue.time.avg.',
      kind: 'line',
      query: BACKENDS,
      metrics: [avg(`${S}.queue.time.avg`, 'Queue time (ms)')],
      splitBy: byProxy('Backend'),
    },
    {
      id: 'be-times',
      title: 'Connect and response times (ms)',
      description: 'haproxy.stat.connection.time.avg and response.time.avg, all backends.',
      kind: 'line',
      query: BACKENDS,
      metrics: [avg(`${S}.connection.time.avg`, 'Connect time (ms)'), avg(`${S}.response.time.avg`, 'Response time (ms)')],
    },
    {
      id: 'be-retries',
      title: 'Retries and redispatches per second',
      description: 'haproxy.stat.connection.retried_per_s and request.redispatched_per_s.',
      kind: 'line',
      query: BACKENDS,
      metrics: [avg(`${S}.connection.retried_per_s`, 'Retries/s'), avg(`${S}.request.redispatched_per_s`, 'Redispatches/s')],
    },
    {
      id: 'be-checks',
      title: 'Health-check failures and downtime per second, per server',
      description: 'haproxy.stat.check.failed_per_s and downtime_per_s (seconds of downtime per second).',
      kind: 'line',
      query: SERVERS,
      metrics: [avg(`${S}.check.failed_per_s`, 'Failed checks/s'), avg(`${S}.downtime_per_s`, 'Downtime (s/s)')],
    },
    {
      id: 'be-session-rate',
      title: 'Sessions per second, per backend',
      description: 'haproxy.stat.session.total_per_s of backends (connections handed to the backend).',
      kind: 'line',
      query: BACKENDS,
      metrics: [avg(`${S}.session.total_per_s`, 'Sessions/s')],
      splitBy: byProxy('Backend'),
    },
    {
      id: 'be-check-duration',
      title: 'Health-check duration, per server (ms)',
      description: 'haproxy.stat.check.duration: how long the last health check took.',
      kind: 'line',
      query: SERVERS,
      metrics: [max(`${S}.check.duration`, 'Check duration (ms)')],
      splitBy: { field: `${S}.service_name`, size: 10, label: 'Server' },
    },
    {
      id: 'be-server-sessions',
      title: 'Sessions per second, per server',
      description: 'haproxy.stat.session.total_per_s of servers.',
      kind: 'line',
      query: SERVERS,
      metrics: [avg(`${S}.session.total_per_s`, 'Sessions/s')],
      splitBy: { field: `${S}.service_name`, size: 10, label: 'Server' },
    },
  ],
};

export const PROCESSES_DASHBOARD: DashboardDef = {
  id: 'hapbeat-processes',
  title: '[hapbeat] HAProxy processes and reloads',
  description: 'What one stats socket cannot show: every process on its own, old workers draining after a reload, lifecycle events and resources per process.',
  charts: [
    {
      id: 'proc-request-rate',
      title: 'Requests per second, per process',
      description: 'Skew across nbproc processes, and the hand-over at a reload.',
      kind: 'line',
      query: `${PROC} and ${S}.component_type: 0`,
      metrics: [avg(`${S}.request.rate_per_s`, 'Requests/s')],
      splitBy: byPid,
    },
    {
      id: 'proc-draining',
      title: 'Old workers draining: their current sessions',
      description: 'Sessions still open on old workers after a reload; they go to zero as the old workers finish.',
      kind: 'line',
      query: `${PROC} and haproxy.process.old: true and ${S}.component_type: 0`,
      metrics: [max(`${S}.session.current`, 'Sessions')],
      splitBy: byPid,
    },
    {
      id: 'proc-events',
      title: 'Lifecycle events',
      description: 'haproxy.process: worker-started, worker-stopping, worker-exited, reload-failed.',
      kind: 'bar_stacked',
      query: 'event.dataset: "haproxy.process"',
      metrics: [{ op: 'count', label: 'Events' }],
      splitBy: { field: 'event.action', size: 10, label: 'Event' },
    },
    {
      id: 'proc-idle',
      title: 'Idle %, per process',
      description: 'haproxy.info.idle.pct.',
      kind: 'line',
      query: `event.dataset: "haproxy.info" and ${PROC}`,
      metrics: [avg('haproxy.info.idle.pct', 'Idle')],
      splitBy: byPid,
    },
    {
      id: 'proc-connections',
      title: 'Connections against maxconn, per process',
      description: 'haproxy.info.connection.current and connection.max.',
      kind: 'line',
      query: `event.dataset: "haproxy.info" and ${PROC}`,
      metrics: [max('haproxy.info.connection.current', 'Connections'), max('haproxy.info.connection.max', 'maxconn')],
      splitBy: byPid,
    },
    {
      id: 'proc-memory',
      title: 'Pool memory used, per process',
      description: 'haproxy.info.pool.used_bytes.',
      kind: 'line',
      query: `event.dataset: "haproxy.info" and ${PROC}`,
      metrics: [max('haproxy.info.pool.used_bytes', 'Pool used')],
      splitBy: byPid,
    },
    {
      id: 'proc-run-queue',
      title: 'Run queue, per process',
      description: 'haproxy.info.run_queue: tasks ready to run.',
      kind: 'line',
      query: `event.dataset: "haproxy.info" and ${PROC}`,
      metrics: [max('haproxy.info.run_queue', 'Run queue')],
      splitBy: byPid,
    },
  ],
};

export const DASHBOARDS: readonly DashboardDef[] = [OVERVIEW, FRONTENDS_DASHBOARD, BACKENDS_DASHBOARD, PROCESSES_DASHBOARD];
