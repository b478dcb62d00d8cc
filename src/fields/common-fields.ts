import type { MetricDataset } from './datasets.js';
import type { FieldType, MetricKind } from './field-types.js';

/** A field hapbeat writes by absolute path that no single HAProxy column or key fills on its own. */
export interface CommonField {
  field: string;
  type: FieldType;
  kind?: MetricKind;
  /** A TSDB dimension of the dataset(s) listed: together they identify one time series. */
  dimension?: MetricDataset[];
  /** Where the value comes from, for the README (a HAProxy key or column, show proc, or nothing: hapbeat). */
  from?: string;
  doc: string;
}

const BOTH: MetricDataset[] = ['haproxy.stat', 'haproxy.info'];

/** Fields every document carries (the envelope: ECS and the process identity). */
export const COMMON_FIELDS: readonly CommonField[] = [
  { field: '@timestamp', type: 'date', doc: 'When this process was sampled (lifecycle events: when the change was seen).' },
  { field: 'event.module', type: 'keyword', doc: '`haproxy`.' },
  { field: 'event.dataset', type: 'keyword', doc: '`haproxy.stat`, `haproxy.info` or `haproxy.process`.' },
  { field: 'event.duration', type: 'long', doc: "The command's duration in ns (stat and info)." },
  { field: 'metricset.name', type: 'keyword', doc: '`stat` or `info`.' },
  { field: 'metricset.period', type: 'long', doc: 'The poll period in ms.' },
  { field: 'data_stream.type', type: 'keyword', doc: '`metrics`.' },
  { field: 'data_stream.dataset', type: 'keyword', doc: 'The dataset.' },
  { field: 'data_stream.namespace', type: 'keyword', doc: 'The configured namespace.' },
  { field: 'service.type', type: 'keyword', doc: '`haproxy`.' },
  { field: 'service.address', type: 'keyword', dimension: BOTH, doc: 'The target address (socket path, host:port or URL without credentials).' },
  { field: 'service.name', type: 'keyword', doc: 'The target name.' },
  { field: 'host.name', type: 'keyword', doc: 'The host hapbeat runs on.' },
  { field: 'agent.type', type: 'keyword', doc: '`hapbeat`.' },
  { field: 'agent.version', type: 'keyword', doc: "hapbeat's version." },
  { field: 'agent.name', type: 'keyword', doc: "The agent's name (setting agent.name, default the host name)." },
  { field: 'agent.id', type: 'keyword', doc: "The agent's id, kept in the data directory." },
  {
    field: 'process.pid',
    type: 'long',
    from: '`Pid`',
    doc: 'The OS pid of the HAProxy worker (ECS meaning; Metricbeat put the relative number here for stat).',
  },
  { field: 'haproxy.version', type: 'keyword', from: '`Version`', doc: 'HAProxy version of that process.' },
  {
    field: 'haproxy.process.scope',
    type: 'keyword',
    dimension: BOTH,
    doc: "`process` for one process's documents; `all` for the instance's totals across its processes (with one process, its own documents too: see `haproxy.process.count`).",
  },
  {
    field: 'haproxy.process.count',
    type: 'long',
    doc: 'Scope `all`: how many processes the totals combine. `1`: the only process, whose identity the document carries; per-process views select `scope: process or count: 1`.',
  },
  {
    field: 'haproxy.process.num',
    type: 'long',
    dimension: BOTH,
    from: '`Process_num`, CSV `pid`',
    doc: 'Relative process number (`@N`): 1..nbproc on 2.4 and older, 1 later.',
  },
  { field: 'haproxy.process.pid', type: 'long', dimension: BOTH, from: '`Pid`', doc: 'The OS pid again, next to the other process fields.' },
  { field: 'haproxy.process.old', type: 'boolean', from: '`Stopping`, `# old workers`', doc: 'An old worker, draining after a reload.' },
  { field: 'haproxy.process.stopping', type: 'boolean', from: '`Stopping`', doc: '`show info` says the process is stopping.' },
  { field: 'haproxy.process.reloads', type: 'long', from: 'show proc `<reloads>`', doc: 'Reloads this process has survived.' },
  {
    field: 'haproxy.process.start_time',
    type: 'date',
    from: '`Start_time_sec` (2.2: derived from `Uptime_sec`)',
    doc: 'When the process started; with the pid, the process identity.',
  },
];

/** Fields of haproxy.stat derived by hapbeat from one column's text rather than copied from it. */
export const STAT_DERIVED_FIELDS: readonly CommonField[] = [
  { field: 'haproxy.stat.component', type: 'keyword', from: '`type`', doc: '`frontend`, `backend`, `server` or `listener`.' },
  { field: 'haproxy.stat.state.name', type: 'keyword', from: '`status`', doc: 'The state word: UP, DOWN, MAINT, DRAIN, NOLB, OPEN, STOP, no check, ...' },
  { field: 'haproxy.stat.state.transition', type: 'keyword', from: '`status`', doc: '`n/m` while a server goes up or down (`UP 2/3`).' },
  { field: 'haproxy.stat.state.reason', type: 'keyword', from: '`status`', doc: '`agent`, `resolution` or `via` (`DOWN (agent)`, `MAINT (via be/s3)`).' },
  { field: 'haproxy.stat.state.via', type: 'keyword', from: '`status`', doc: 'The tracked server, for `MAINT (via be/s3)`.' },
];

/** Fields only haproxy.process (lifecycle) documents carry, besides the common ones. */
export const PROCESS_EVENT_FIELDS: readonly CommonField[] = [
  { field: 'event.kind', type: 'keyword', doc: '`event`.' },
  {
    field: 'event.action',
    type: 'keyword',
    from: 'show proc, `Stopping`',
    doc: '`worker-started`, `worker-stopping`, `worker-exited` or `reload-failed`; the process fields name the worker (none for `reload-failed`).',
  },
  { field: 'haproxy.master.pid', type: 'long', from: 'show proc master row', doc: "The master's pid." },
  { field: 'haproxy.master.reloads', type: 'long', from: 'show proc master row', doc: 'Reloads of the master.' },
  { field: 'haproxy.master.failed_reloads', type: 'long', from: 'show proc master row', doc: 'Consecutive failed reloads (2.5+).' },
];

/** haproxy.stat fields that identify a row: TSDB dimensions (with the common ones above). */
export const STAT_DIMENSIONS = [
  'haproxy.stat.proxy.name',
  'haproxy.stat.proxy.id',
  'haproxy.stat.service_name',
  'haproxy.stat.server.id',
  'haproxy.stat.component_type',
];
