import type { FieldSpec } from './field-types.js';
import { STAT_FIELDS } from './stat-fields.js';

/**
 * The haproxy.stat fields hapbeat derives from consecutive samples rather than reads from a column: a
 * per-second rate for every counter, and three ratios. The derive step computes them as numbers in one fixed
 * layout (DERIVED_STAT_COLUMNS); the documents step writes each next to the fields it comes from.
 */

/** The counters that get a rate: every counter of the stat field table. */
export const RATE_SPECS: readonly FieldSpec[] = STAT_FIELDS.filter((f) => f.kind === 'counter');

/** Where a counter's per-second rate goes: `request.total` → `request.rate_per_s`, otherwise `<field>_per_s`. */
export function rateField(spec: FieldSpec): string {
  return spec.field === 'request.total' ? 'request.rate_per_s' : `${spec.field}_per_s`;
}

/** Every counter column name (aliases included), in one fixed order: derived values are kept by this index. */
export const COUNTER_COLUMNS: readonly string[] = RATE_SPECS.flatMap((f) => [f.source, ...(f.aliases ?? [])]);
/** Counter column name → its index in COUNTER_COLUMNS (and in a derived row). */
export const COUNTER_INDEX: ReadonlyMap<string, number> = new Map(COUNTER_COLUMNS.map((c, i) => [c, i]));
/** Counter column name → the rate field's spec. */
const RATE_SPEC_OF = new Map<string, FieldSpec>();

export const RATIO_SPECS = [
  {
    source: 'ratio:http_5xx',
    field: 'response.http_5xx_ratio',
    type: 'double',
    kind: 'gauge',
    doc: 'Share of HTTP responses that were 5xx over the interval (frontends and backends), 0-1.',
  },
  {
    source: 'ratio:servers_down',
    field: 'server.down_ratio',
    type: 'double',
    kind: 'gauge',
    doc: 'Backends: servers DOWN over servers not in maintenance, 0-1.',
  },
  {
    source: 'ratio:session_usage',
    field: 'session.usage_ratio',
    type: 'double',
    kind: 'gauge',
    doc: 'Current sessions over the session limit, 0-1 (for scope all, the most loaded process).',
  },
] as const satisfies readonly FieldSpec[];

/** Indexes of the ratios in a derived row, after the counters. */
export const RATIO_INDEX = { http_5xx: COUNTER_COLUMNS.length, servers_down: COUNTER_COLUMNS.length + 1, session_usage: COUNTER_COLUMNS.length + 2 } as const;
/** Length of a derived row: one rate per counter column, then the ratios. */
export const DERIVED_ROW_LENGTH = COUNTER_COLUMNS.length + RATIO_SPECS.length;

/** The derived fields, for the field plan, the mappings and the README. */
export const DERIVED_STAT_FIELDS: readonly FieldSpec[] = [
  ...RATE_SPECS.map((f): FieldSpec => {
    const spec: FieldSpec = {
      source: `rate:${f.source}`,
      aliases: (f.aliases ?? []).map((a) => `rate:${a}`),
      field: rateField(f),
      type: 'double',
      kind: 'gauge',
      unit: 'per_s',
      doc: `Per-second rate of ${f.field} since the previous sample of the same process (none on a process's first sample or after a counter reset); for scope all, the sum over processes.`,
    };
    for (const c of [f.source, ...(f.aliases ?? [])]) RATE_SPEC_OF.set(c, spec);
    return spec;
  }),
  ...RATIO_SPECS,
];

/** The rate field of a counter column, or undefined when the column is not a counter. */
export function rateSpecOf(column: string): FieldSpec | undefined {
  return RATE_SPEC_OF.get(column);
}
