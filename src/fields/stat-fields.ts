import type { FieldSpec } from './field-types.js';

/**
 * `show stat` columns → `haproxy.stat.*` fields. Names follow Metricbeat's haproxy module so dashboards carry
 * over; the entries marked FIX differ from Metricbeat on purpose, where Metricbeat is wrong.
 *
 * Columns after the `-` separator (ssl_*, h1_*, h2_*, h3_*, quic_*, ...) are HAProxy "stats modules": they are
 * not listed here, but mapped by rule to `haproxy.stat.<module>.<rest>` as numbers (see MODULE_PREFIXES).
 */
export const STAT_FIELDS: readonly FieldSpec[] = [
  // identity
  { source: 'pxname', field: 'proxy.name', type: 'keyword', doc: 'Proxy (frontend, backend or listen section) name.' },
  { source: 'svname', field: 'service_name', type: 'keyword', doc: 'FRONTEND, BACKEND, or the server or listener name.' },
  { source: 'iid', field: 'proxy.id', type: 'long', doc: 'Proxy id (unique per process).' },
  { source: 'sid', field: 'server.id', type: 'long', doc: 'Server or listener id; 0 for FRONTEND and BACKEND rows.' },
  { source: 'type', field: 'component_type', type: 'long', doc: '0 frontend, 1 backend, 2 server, 3 listener.' },
  { source: 'mode', field: 'proxy.mode', type: 'keyword', doc: 'Proxy mode: tcp, http, health, unknown.' },
  { source: 'algo', field: 'load_balancing_algorithm', type: 'keyword', doc: 'Load balancing algorithm of a backend.' },
  { source: 'addr', field: 'source.address', type: 'keyword', doc: 'Server address:port (FIX: keyword, not text).' },
  { source: 'cookie', field: 'cookie', type: 'keyword', doc: 'Server cookie value, or backend cookie name.' },
  { source: 'tracked', field: 'tracked.name', type: 'keyword', doc: 'Tracked server as "backend/server" (FIX: Metricbeat maps it as the number tracked.id).' },
  { source: 'proto', field: 'protocol', type: 'keyword', doc: 'Protocol of the listener or frontend (2.8+).' },
  { source: 'srid', field: 'server.revision_id', type: 'long', doc: 'Server id revision, for dynamic servers (2.8+).' },
  { source: 'status', field: 'status', type: 'keyword', doc: 'Status as HAProxy prints it: UP, DOWN, MAINT, UP 2/3, MAINT (via be/s3), OPEN, ...' },
  // queue
  { source: 'qcur', field: 'request.queued.current', type: 'long', kind: 'gauge', doc: 'Requests in the queue now.' },
  { source: 'qmax', field: 'request.queued.max', type: 'long', kind: 'gauge', doc: 'Most requests ever queued.' },
  { source: 'qlimit', field: 'queue.limit', type: 'long', kind: 'gauge', doc: 'Server maxqueue.' },
  { source: 'qtime', field: 'queue.time.avg', type: 'long', kind: 'gauge', unit: 'ms', doc: 'Average queue time over the last 1024 requests, ms.' },
  { source: 'qtime_max', field: 'queue.time.max', type: 'long', kind: 'gauge', unit: 'ms', doc: 'Longest queue time, ms.' },
  // sessions
  { source: 'scur', field: 'session.current', type: 'long', kind: 'gauge', doc: 'Current sessions.' },
  { source: 'smax', field: 'session.max', type: 'long', kind: 'gauge', doc: 'Most concurrent sessions.' },
  { source: 'slim', field: 'session.limit', type: 'long', kind: 'gauge', doc: 'Configured session limit.' },
  { source: 'stot', field: 'session.total', type: 'long', kind: 'counter', doc: 'Sessions since the process started.' },
  { source: 'rate', field: 'session.rate.value', type: 'long', kind: 'gauge', unit: 'per_s', doc: 'Sessions per second over the last second.' },
  { source: 'rate_lim', field: 'session.rate.limit', type: 'long', kind: 'gauge', unit: 'per_s', doc: 'Configured limit on new sessions per second.' },
  { source: 'rate_max', field: 'session.rate.max', type: 'long', kind: 'gauge', unit: 'per_s', doc: 'Highest sessions per second.' },
  {
    source: 'lastsess',
    field: 'session.last_age',
    type: 'long',
    kind: 'gauge',
    unit: 's',
    unset: ['-1'],
    doc: 'Seconds since the last session was assigned (absent when never).',
  },
  { source: 'ttime', field: 'session.time.avg', type: 'long', kind: 'gauge', unit: 'ms', doc: 'Average total session time over the last 1024 requests, ms.' },
  { source: 'ttime_max', field: 'session.time.max', type: 'long', kind: 'gauge', unit: 'ms', doc: 'Longest total session time, ms.' },
  // bytes
  { source: 'bin', field: 'in.bytes', type: 'long', kind: 'counter', unit: 'bytes', doc: 'Bytes received.' },
  { source: 'bout', field: 'out.bytes', type: 'long', kind: 'counter', unit: 'bytes', doc: 'Bytes sent.' },
  // denials and errors
  { source: 'dreq', field: 'request.denied', type: 'long', kind: 'counter', doc: 'Requests denied by security rules.' },
  { source: 'dresp', field: 'response.denied', type: 'long', kind: 'counter', doc: 'Responses denied by security rules.' },
  { source: 'dcon', field: 'request.denied_by_connection_rules', type: 'long', kind: 'counter', doc: 'Connections denied by tcp-request connection rules.' },
  { source: 'dses', field: 'request.denied_by_session_rules', type: 'long', kind: 'counter', doc: 'Sessions denied by tcp-request session rules.' },
  { source: 'ereq', field: 'request.errors', type: 'long', kind: 'counter', doc: 'Request errors.' },
  { source: 'econ', field: 'request.connection.errors', type: 'long', kind: 'counter', doc: 'Errors connecting to a server.' },
  { source: 'eresp', field: 'response.errors', type: 'long', kind: 'counter', doc: 'Response errors.' },
  { source: 'eint', field: 'internal.errors', type: 'long', kind: 'counter', doc: 'Internal errors.' },
  { source: 'wretr', field: 'connection.retried', type: 'long', kind: 'counter', doc: 'Connection retries.' },
  { source: 'wredis', field: 'request.redispatched', type: 'long', kind: 'counter', doc: 'Redispatches to another server.' },
  { source: 'wrew', field: 'header.rewrite.failed.total', type: 'long', kind: 'counter', doc: 'Failed header rewrites.' },
  { source: 'cli_abrt', field: 'client.aborted', type: 'long', kind: 'counter', doc: 'Transfers aborted by the client.' },
  { source: 'srv_abrt', field: 'server.aborted', type: 'long', kind: 'counter', doc: 'Transfers aborted by the server.' },
  // servers
  { source: 'weight', field: 'weight', type: 'long', kind: 'gauge', doc: 'Effective weight (server) or total weight (backend).' },
  { source: 'uweight', field: 'user_weight', type: 'long', kind: 'gauge', doc: 'Weight set by the user (2.3+).' },
  { source: 'act', field: 'server.active', type: 'long', kind: 'gauge', doc: 'Active servers (backend) or 1 if active (server).' },
  { source: 'bck', field: 'server.backup', type: 'long', kind: 'gauge', doc: 'Backup servers (backend) or 1 if backup (server).' },
  { source: 'lastchg', field: 'last_change', type: 'long', kind: 'gauge', unit: 's', doc: 'Seconds since the last UP/DOWN change.' },
  { source: 'downtime', field: 'downtime', type: 'long', kind: 'counter', unit: 's', doc: 'Total seconds of downtime.' },
  {
    source: 'throttle',
    field: 'throttle.pct',
    type: 'double',
    kind: 'gauge',
    scale: 0.01,
    unit: 'percent',
    doc: 'Slowstart throttle, 0-1 (FIX: float, not scaled_float).',
  },
  { source: 'lbtot', field: 'selected.total', type: 'long', kind: 'counter', doc: 'Times the server was selected.' },
  { source: 'agg_server_status', field: 'agg.server_status', type: 'long', kind: 'gauge', doc: 'Aggregated server status of a backend (2.6.12+).' },
  { source: 'agg_server_check_status', field: 'agg.server_check_status', type: 'long', kind: 'gauge', doc: 'Deprecated aggregated check status (2.6).' },
  { source: 'agg_check_status', field: 'agg.check_status', type: 'long', kind: 'gauge', doc: 'Aggregated check status of a backend (2.6.12+).' },
  // health checks
  { source: 'chkfail', field: 'check.failed', type: 'long', kind: 'counter', doc: 'Failed health checks.' },
  { source: 'chkdown', field: 'check.down', type: 'long', kind: 'counter', doc: 'UP to DOWN transitions.' },
  { source: 'check_status', field: 'check.status', type: 'keyword', doc: 'Last health check status (L4OK, L7STS, ...).' },
  { source: 'check_code', field: 'check.code', type: 'long', doc: 'Last health check layer 5-7 code.' },
  { source: 'check_duration', field: 'check.duration', type: 'long', kind: 'gauge', unit: 'ms', doc: 'Last health check duration, ms.' },
  { source: 'hanafail', field: 'check.health.fail', type: 'long', kind: 'counter', doc: 'Failed health analyses.' },
  { source: 'last_chk', field: 'check.health.last', type: 'keyword', doc: 'Last health check output.' },
  {
    source: 'last_agt',
    field: 'check.agent.last',
    type: 'keyword',
    doc: 'Last agent check output (FIX: keyword; Metricbeat maps an integer and fails on "via agent : up").',
  },
  { source: 'check_desc', field: 'agent.check.description', type: 'keyword', doc: 'Health check status description.' },
  { source: 'check_rise', field: 'agent.check.rise', type: 'long', doc: 'Health check rise setting.' },
  { source: 'check_fall', field: 'agent.check.fall', type: 'long', doc: 'Health check fall setting (FIX: Metricbeat never fills it).' },
  { source: 'check_health', field: 'agent.check.health', type: 'long', kind: 'gauge', doc: 'Health check health value.' },
  { source: 'agent_status', field: 'agent.status', type: 'keyword', doc: 'Last agent check status.' },
  { source: 'agent_code', field: 'agent.code', type: 'long', doc: 'Last agent check code.' },
  { source: 'agent_duration', field: 'agent.duration', type: 'long', kind: 'gauge', unit: 'ms', doc: 'Last agent check duration, ms.' },
  { source: 'agent_desc', field: 'agent.description', type: 'keyword', doc: 'Agent check status description.' },
  { source: 'agent_rise', field: 'agent.rise', type: 'long', doc: 'Agent check rise setting.' },
  { source: 'agent_fall', field: 'agent.fall', type: 'long', doc: 'Agent check fall setting.' },
  { source: 'agent_health', field: 'agent.health', type: 'long', kind: 'gauge', doc: 'Agent check health value.' },
  // HTTP
  { source: 'hrsp_1xx', field: 'response.http.1xx', type: 'long', kind: 'counter', doc: 'HTTP 1xx responses.' },
  { source: 'hrsp_2xx', field: 'response.http.2xx', type: 'long', kind: 'counter', doc: 'HTTP 2xx responses.' },
  { source: 'hrsp_3xx', field: 'response.http.3xx', type: 'long', kind: 'counter', doc: 'HTTP 3xx responses.' },
  { source: 'hrsp_4xx', field: 'response.http.4xx', type: 'long', kind: 'counter', doc: 'HTTP 4xx responses.' },
  { source: 'hrsp_5xx', field: 'response.http.5xx', type: 'long', kind: 'counter', doc: 'HTTP 5xx responses.' },
  { source: 'hrsp_other', field: 'response.http.other', type: 'long', kind: 'counter', doc: 'HTTP responses with another code.' },
  { source: 'req_rate', field: 'request.rate.value', type: 'long', kind: 'gauge', unit: 'per_s', doc: 'HTTP requests per second over the last second.' },
  { source: 'req_rate_max', field: 'request.rate.max', type: 'long', kind: 'gauge', unit: 'per_s', doc: 'Highest HTTP requests per second.' },
  { source: 'req_tot', field: 'request.total', type: 'long', kind: 'counter', doc: 'HTTP requests.' },
  { source: 'intercepted', field: 'request.intercepted', type: 'long', kind: 'counter', doc: 'Requests intercepted (stats, monitor, redirects).' },
  { source: 'cache_lookups', field: 'connection.cache.lookup.total', type: 'long', kind: 'counter', doc: 'HTTP cache lookups.' },
  { source: 'cache_hits', field: 'connection.cache.hits', type: 'long', kind: 'counter', doc: 'HTTP cache hits.' },
  { source: 'comp_in', field: 'compressor.in.bytes', type: 'long', kind: 'counter', unit: 'bytes', doc: 'Bytes fed to the compressor.' },
  { source: 'comp_out', field: 'compressor.out.bytes', type: 'long', kind: 'counter', unit: 'bytes', doc: 'Bytes out of the compressor.' },
  { source: 'comp_byp', field: 'compressor.bypassed.bytes', type: 'long', kind: 'counter', unit: 'bytes', doc: 'Bytes that bypassed the compressor.' },
  { source: 'comp_rsp', field: 'compressor.response.bytes', type: 'long', kind: 'counter', doc: 'HTTP responses that were compressed.' },
  { source: 'sess_other', field: 'session.protocol.other', type: 'long', kind: 'counter', doc: 'Sessions of another protocol (2.8+).' },
  { source: 'h1sess', field: 'session.protocol.h1', type: 'long', kind: 'counter', doc: 'HTTP/1 sessions (2.8+).' },
  { source: 'h2sess', field: 'session.protocol.h2', type: 'long', kind: 'counter', doc: 'HTTP/2 sessions (2.8+).' },
  { source: 'h3sess', field: 'session.protocol.h3', type: 'long', kind: 'counter', doc: 'HTTP/3 sessions (2.8+).' },
  { source: 'req_other', field: 'request.protocol.other', type: 'long', kind: 'counter', doc: 'Requests of another protocol (2.8+).' },
  { source: 'h1req', field: 'request.protocol.h1', type: 'long', kind: 'counter', doc: 'HTTP/1 requests (2.8+).' },
  { source: 'h2req', field: 'request.protocol.h2', type: 'long', kind: 'counter', doc: 'HTTP/2 requests (2.8+).' },
  { source: 'h3req', field: 'request.protocol.h3', type: 'long', kind: 'counter', doc: 'HTTP/3 requests (2.8+).' },
  // connections
  { source: 'conn_rate', field: 'connection.rate', type: 'long', kind: 'gauge', unit: 'per_s', doc: 'Connections per second over the last second (frontend).' },
  { source: 'conn_rate_max', field: 'connection.rate_max', type: 'long', kind: 'gauge', unit: 'per_s', doc: 'Highest connections per second (frontend).' },
  { source: 'conn_tot', field: 'connection.total', type: 'long', kind: 'counter', doc: 'Connections (frontend only).' },
  { source: 'connect', field: 'connection.attempt.total', type: 'long', kind: 'counter', doc: 'Connection establishment attempts to servers.' },
  { source: 'reuse', field: 'connection.reuse.total', type: 'long', kind: 'counter', doc: 'Connection reuses.' },
  { source: 'ctime', field: 'connection.time.avg', type: 'long', kind: 'gauge', unit: 'ms', doc: 'Average connect time over the last 1024 requests, ms.' },
  { source: 'ctime_max', field: 'connection.time.max', type: 'long', kind: 'gauge', unit: 'ms', doc: 'Longest connect time, ms.' },
  { source: 'rtime', field: 'response.time.avg', type: 'long', kind: 'gauge', unit: 'ms', doc: 'Average response time over the last 1024 requests, ms.' },
  { source: 'rtime_max', field: 'response.time.max', type: 'long', kind: 'gauge', unit: 'ms', doc: 'Longest response time, ms.' },
  { source: 'srv_icur', field: 'connection.idle.total', type: 'long', kind: 'gauge', doc: 'Idle connections available for reuse.' },
  {
    source: 'srv_ilim',
    aliases: ['src_ilim'],
    field: 'connection.idle.limit',
    type: 'long',
    kind: 'gauge',
    doc: 'Limit on idle connections (FIX: HAProxy 2.6 spells the column src_ilim; both are read).',
  },
  { source: 'idle_conn_cur', field: 'connection.idle.unsafe', type: 'long', kind: 'gauge', doc: 'Unsafe idle connections.' },
  { source: 'safe_conn_cur', field: 'connection.idle.safe', type: 'long', kind: 'gauge', doc: 'Safe idle connections.' },
  { source: 'used_conn_cur', field: 'connection.used.current', type: 'long', kind: 'gauge', doc: 'Connections in use.' },
  { source: 'need_conn_est', field: 'connection.needed.estimate', type: 'long', kind: 'gauge', doc: 'Estimated connections needed.' },
];

/**
 * CSV columns that are read into the process identity instead of a field: `pid` is the relative process number
 * (Metricbeat wrongly stores it in process.pid, the OS pid); hapbeat puts it in haproxy.process.num.
 */
export const STAT_IDENTITY_COLUMNS = new Set(['pid']);

/** The `-` column separates the static fields from the stats modules' columns. */
export const STAT_MODULE_SEPARATOR = '-';

/** Stats module column prefixes, and the field group each becomes (`h2_headers_rcvd` → `h2.headers_rcvd`). */
export const MODULE_PREFIXES: readonly string[] = ['ssl', 'h1', 'h2', 'h3', 'quic', 'qpack', 'resolvers'];

/** Columns of the h3 module whose names lack the h3_ prefix (`pack_decompression_failed` sic, upstream). */
export const MODULE_COLUMN_OVERRIDES: Readonly<Record<string, string>> = {
  pack_decompression_failed: 'h3.qpack_decompression_failed',
  qpack_encoder_stream_error: 'h3.qpack_encoder_stream_error',
  qpack_decoder_stream_error: 'h3.qpack_decoder_stream_error',
};

/** Field path (under haproxy.stat) of a stats module column, or undefined if it does not look like one. */
export function moduleFieldFor(column: string): string | undefined {
  const o = MODULE_COLUMN_OVERRIDES[column];
  if (o) return o;
  const us = column.indexOf('_');
  if (us <= 0) return undefined;
  const prefix = column.slice(0, us);
  if (!MODULE_PREFIXES.includes(prefix)) return undefined;
  const rest = column.slice(us + 1);
  if (!/^[a-z0-9_]+$/.test(rest)) return undefined;
  return `${prefix}.${rest}`;
}
