import { COMMON_FIELDS, PROCESS_EVENT_FIELDS, STAT_DERIVED_FIELDS, STAT_DIMENSIONS } from '../fields/common-fields.js';
import type { Dataset } from '../fields/datasets.js';
import type { FieldType, MetricKind } from '../fields/field-types.js';
import { INFO_FIELDS } from '../fields/info-fields.js';
import { MODULE_PREFIXES, STAT_FIELDS } from '../fields/stat-fields.js';
import { DERIVED_STAT_FIELDS } from '../fields/derived-fields.js';

/** One mapped field, by absolute path: the single list that mappings, field checks and Kibana checks read. */
export interface MappedField {
  path: string;
  type: FieldType;
  kind?: MetricKind;
  dimension?: boolean;
}

/** Every field a dataset's documents can carry, from the field tables. */
export function datasetFields(dataset: Dataset): MappedField[] {
  const out: MappedField[] = [];
  for (const c of COMMON_FIELDS)
    out.push({ path: c.field, type: c.type, kind: c.kind, dimension: dataset !== 'haproxy.process' && c.dimension?.includes(dataset) });
  if (dataset === 'haproxy.process') {
    for (const c of PROCESS_EVENT_FIELDS) out.push({ path: c.field, type: c.type });
  } else if (dataset === 'haproxy.stat') {
    for (const f of STAT_FIELDS) {
      const path = `haproxy.stat.${f.field}`;
      out.push({ path, type: f.type, kind: f.kind, dimension: STAT_DIMENSIONS.includes(path) });
    }
    for (const c of STAT_DERIVED_FIELDS) out.push({ path: c.field, type: c.type });
    for (const f of DERIVED_STAT_FIELDS) out.push({ path: `haproxy.stat.${f.field}`, type: f.type, kind: f.kind });
  } else {
    for (const f of INFO_FIELDS) if (!f.absolute) out.push({ path: `haproxy.info.${f.field}`, type: f.type, kind: f.kind });
  }
  const seen = new Set<string>();
  return out.filter((f) => (seen.has(f.path) ? false : (seen.add(f.path), true)));
}

/** Keyword dimensions, for index.routing_path. */
export function routingPath(dataset: Dataset): string[] {
  return datasetFields(dataset)
    .filter((f) => f.dimension && f.type === 'keyword')
    .map((f) => f.path);
}

function leafMapping(f: MappedField, tsdb: boolean): Record<string, unknown> {
  const m: Record<string, unknown> = { type: f.type };
  if (f.type === 'date') m.format = 'strict_date_optional_time||epoch_millis';
  if (f.type === 'keyword') m.ignore_above = 1024;
  if (tsdb && f.dimension) {
    m.time_series_dimension = true;
    delete m.ignore_above;
  } else if (tsdb && f.kind) m.time_series_metric = f.kind;
  return m;
}

/**
 * The mappings of a dataset: every field explicit with its type, `dynamic: false` at the root so an unknown
 * field can never grow the mapping (it stays in _source, unindexed). Stats-module columns (ssl_*, h2_*, ...),
 * whose set depends on the HAProxy build, are the one exception: their groups map new numeric members as long.
 */
export function datasetMappings(dataset: Dataset, opts: { tsdb: boolean }): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const f of datasetFields(dataset)) {
    const keys = f.path.split('.');
    let props = root;
    for (let i = 0; i < keys.length - 1; i++) {
      const k = keys[i]!;
      const node = (props[k] ??= { type: 'object', properties: {} }) as { properties: Record<string, unknown> };
      props = node.properties;
    }
    props[keys.at(-1)!] = leafMapping(f, opts.tsdb);
  }
  if (dataset === 'haproxy.stat') {
    const stat = (root.haproxy as { properties: Record<string, { properties: Record<string, unknown> }> }).properties.stat!.properties;
    for (const m of MODULE_PREFIXES) {
      stat[m] = { type: 'object', dynamic: true, properties: (stat[m] as { properties?: object } | undefined)?.properties ?? {} };
    }
  }
  return {
    dynamic: false,
    date_detection: false,
    dynamic_templates: [
      { module_counters: { path_match: 'haproxy.stat.*.*', match_mapping_type: 'long', mapping: { type: 'long' } } },
      { module_other: { path_match: 'haproxy.stat.*.*', match_mapping_type: '*', mapping: { type: 'keyword', ignore_above: 1024 } } },
    ],
    properties: root,
  };
}
