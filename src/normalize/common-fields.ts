import type { FieldType, MetricKind } from './field-types.js';

/** Fields every document carries (ECS and process identity), by absolute path. */
export interface CommonField {
  field: string;
  type: FieldType;
  kind?: MetricKind;
  /** A TSDB dimension of the dataset(s) listed: together they identify one time series. */
  dimension?: ('haproxy.stat' | 'haproxy.info')[];
}

const BOTH: ('haproxy.stat' | 'haproxy.info')[] = ['haproxy.stat', 'haproxy.info'];

export const COMMON_FIELDS: readonly CommonField[] = [
  { field: '@timestamp', type: 'date' },
  { field: 'event.module', type: 'keyword' },
  { field: 'event.dataset', type: 'keyword' },
  { field: 'event.duration', type: 'long' },
  { field: 'metricset.name', type: 'keyword' },
  { field: 'metricset.period', type: 'long' },
  { field: 'data_stream.type', type: 'keyword' },
  { field: 'data_stream.dataset', type: 'keyword' },
  { field: 'data_stream.namespace', type: 'keyword' },
  { field: 'service.type', type: 'keyword' },
  { field: 'service.address', type: 'keyword', dimension: BOTH },
  { field: 'service.name', type: 'keyword' },
  { field: 'host.name', type: 'keyword' },
  { field: 'agent.type', type: 'keyword' },
  { field: 'agent.version', type: 'keyword' },
  { field: 'agent.name', type: 'keyword' },
  { field: 'agent.id', type: 'keyword' },
  { field: 'process.pid', type: 'long' },
  { field: 'haproxy.version', type: 'keyword' },
  { field: 'haproxy.process.scope', type: 'keyword', dimension: BOTH },
  { field: 'haproxy.process.num', type: 'long', dimension: BOTH },
  { field: 'haproxy.process.pid', type: 'long', dimension: BOTH },
  { field: 'haproxy.process.old', type: 'boolean' },
  { field: 'haproxy.process.stopping', type: 'boolean' },
  { field: 'haproxy.process.reloads', type: 'long' },
  { field: 'haproxy.process.start_time', type: 'date' },
];

/** Fields of haproxy.stat derived by hapbeat rather than read from one column. */
export const STAT_DERIVED_FIELDS: readonly CommonField[] = [
  { field: 'haproxy.stat.component', type: 'keyword' },
  { field: 'haproxy.stat.state.name', type: 'keyword' },
  { field: 'haproxy.stat.state.transition', type: 'keyword' },
  { field: 'haproxy.stat.state.reason', type: 'keyword' },
  { field: 'haproxy.stat.state.via', type: 'keyword' },
];

/** haproxy.stat fields that identify a row: TSDB dimensions (with the common ones above). */
export const STAT_DIMENSIONS = [
  'haproxy.stat.proxy.name',
  'haproxy.stat.proxy.id',
  'haproxy.stat.service_name',
  'haproxy.stat.server.id',
  'haproxy.stat.component_type',
];
