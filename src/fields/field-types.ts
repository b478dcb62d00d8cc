/** Elasticsearch field types that hapbeat emits. */
export type FieldType = 'long' | 'double' | 'keyword' | 'date' | 'boolean' | 'ip';

/**
 * What a number means over time, as in HAProxy's `show stat typed` natures and Elasticsearch TSDB:
 * - counter: only grows within one process (it restarts at 0 in a new process);
 * - gauge: a current value, a maximum, an average or a limit.
 */
export type MetricKind = 'counter' | 'gauge';

/** One row of a field table: a HAProxy column or key, the field it becomes, and how. */
export interface FieldSpec {
  /** HAProxy's column name (`show stat`) or key (`show info`). */
  source: string;
  /** Other names HAProxy used for the same thing in some versions. */
  aliases?: string[];
  /** Dotted path under the dataset object (`haproxy.stat.` or `haproxy.info.`), unless `absolute`. */
  field: string;
  /** The path is from the document root (for example `process.pid`). */
  absolute?: boolean;
  type: FieldType;
  kind?: MetricKind;
  /** Multiply numbers by this (percent to ratio: 0.01; MB to bytes: 1048576). */
  scale?: number;
  /** Values that mean "not set" (for example -1) and are left out. */
  unset?: string[];
  /** Unit for documentation and Kibana formats. */
  unit?: 'bytes' | 'ms' | 's' | 'percent' | 'per_s';
  doc: string;
}
