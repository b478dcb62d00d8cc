import { datasetFields } from '../../src/elastic/mappings.js';
import type { Dataset } from '../../src/fields/datasets.js';

/**
 * An offline checker of Kibana saved objects, written from Kibana's own rules (shared/reference/
 * kibana-and-watcher.md 1.1-1.4 and 2): what import refuses, and what imports fine but breaks when the
 * dashboard opens (a dangling Lens reference, an accessor naming no column, a field the index does not map).
 */
const STAMPS: Record<string, string> = { 'index-pattern': '8.0.0', lens: '8.9.0', dashboard: '8.9.0' };
const DASHBOARD_KEYS = new Set([
  'title',
  'description',
  'version',
  'hits',
  'timeRestore',
  'timeFrom',
  'timeTo',
  'refreshInterval',
  'controlGroupInput',
  'panelsJSON',
  'optionsJSON',
  'kibanaSavedObjectMeta',
]);
const OPERATIONS = new Set([
  'filters',
  'terms',
  'date_histogram',
  'min',
  'max',
  'average',
  'unique_count',
  'sum',
  'standard_deviation',
  'median',
  'percentile',
  'percentile_rank',
  'last_value',
  'count',
  'range',
  'cumulative_sum',
  'counter_rate',
  'differences',
  'moving_average',
  'math',
  'formula',
  'overall_sum',
  'overall_min',
  'overall_max',
  'overall_average',
  'static_value',
  'normalize_by_unit',
  'time_range',
  'now',
  'interval',
]);
const NUMERIC_OPS = new Set(['min', 'max', 'average', 'sum', 'median', 'percentile', 'percentile_rank', 'standard_deviation', 'counter_rate', 'differences']);
const NUMERIC_TYPES = new Set(['long', 'double', 'float', 'integer', 'short', 'byte', 'scaled_float', 'half_float', 'unsigned_long']);

/** Every field hapbeat's index templates map, with its type (the mappings, not what documents happen to hold). */
export function mappedFields(): Map<string, string> {
  const m = new Map<string, string>();
  for (const ds of ['haproxy.stat', 'haproxy.info', 'haproxy.process'] as Dataset[]) for (const f of datasetFields(ds)) m.set(f.path, f.type);
  return m;
}

type Obj = {
  type: string;
  id: string;
  coreMigrationVersion?: string;
  typeMigrationVersion?: string;
  attributes: any;
  references?: { type: string; id: string; name: string }[];
};

export function checkNdjson(text: string): string[] {
  const problems: string[] = [];
  const fields = mappedFields();
  const objects: Obj[] = [];
  text
    .split('\n')
    .filter(Boolean)
    .forEach((line, i) => {
      try {
        objects.push(JSON.parse(line) as Obj);
      } catch {
        problems.push(`line ${i + 1} is not JSON`);
      }
    });
  const ids = new Set<string>();
  for (const o of objects) {
    const key = `${o.type}:${o.id}`;
    if (ids.has(key)) problems.push(`${key} appears twice (the whole import would fail)`);
    ids.add(key);
  }
  const has = (type: string, id: string) => ids.has(`${type}:${id}`);
  for (const o of objects) {
    const at = `${o.type} ${o.id}`;
    if (!(o.type in STAMPS)) problems.push(`${at}: type not shipped by hapbeat`);
    if (o.coreMigrationVersion !== '8.8.0') problems.push(`${at}: coreMigrationVersion ${o.coreMigrationVersion}, want 8.8.0`);
    if (o.typeMigrationVersion !== STAMPS[o.type]) problems.push(`${at}: typeMigrationVersion ${o.typeMigrationVersion}, want ${STAMPS[o.type]}`);
    for (const r of o.references ?? []) {
      if (!has(r.type, r.id)) problems.push(`${at}: reference ${r.name} to ${r.type} ${r.id}, which is not in the bundle`);
    }
    if (o.type === 'dashboard') problems.push(...checkDashboard(o, at));
    if (o.type === 'lens') problems.push(...checkLens(o.attributes, o.references ?? [], at, fields, has));
    if (o.type === 'index-pattern') {
      if (typeof o.attributes.fieldFormatMap !== 'string') problems.push(`${at}: fieldFormatMap must be a JSON string`);
      else
        for (const f of Object.keys(JSON.parse(o.attributes.fieldFormatMap) as object))
          if (!fields.has(f)) problems.push(`${at}: a format for ${f}, which no template maps`);
      if (o.attributes.timeFieldName !== '@timestamp') problems.push(`${at}: time field ${o.attributes.timeFieldName}`);
    }
  }
  return problems;
}

function checkDashboard(o: Obj, at: string): string[] {
  const p: string[] = [];
  const a = o.attributes;
  for (const k of Object.keys(a)) if (!DASHBOARD_KEYS.has(k)) p.push(`${at}: attribute ${k} is not allowed (Kibana 8.11-8.13 forbid unknown keys)`);
  for (const [k, v] of [
    ['panelsJSON', a.panelsJSON],
    ['optionsJSON', a.optionsJSON],
    ['kibanaSavedObjectMeta.searchSourceJSON', a.kibanaSavedObjectMeta?.searchSourceJSON],
  ] as const) {
    if (typeof v !== 'string') p.push(`${at}: ${k} must be a JSON string`);
    else {
      try {
        JSON.parse(v);
      } catch {
        p.push(`${at}: ${k} does not parse`);
      }
    }
  }
  if (typeof a.panelsJSON !== 'string') return p;
  const refs = new Map((o.references ?? []).map((r) => [r.name, r]));
  for (const panel of JSON.parse(a.panelsJSON) as {
    panelIndex: string;
    panelRefName?: string;
    type: string;
    embeddableConfig?: { attributes?: unknown };
    gridData?: { i?: string };
  }[]) {
    if (panel.gridData?.i !== panel.panelIndex) p.push(`${at}: panel ${panel.panelIndex} has gridData.i ${panel.gridData?.i}`);
    if (panel.panelRefName !== undefined) {
      if (panel.panelRefName !== `panel_${panel.panelIndex}`) p.push(`${at}: panel ${panel.panelIndex} names panelRefName ${panel.panelRefName}`);
      const ref = refs.get(`${panel.panelIndex}:${panel.panelRefName}`);
      if (!ref) p.push(`${at}: no reference ${panel.panelIndex}:${panel.panelRefName} (Could not find reference when the dashboard opens)`);
      else if (ref.type !== panel.type) p.push(`${at}: panel ${panel.panelIndex} is a ${panel.type}, its reference a ${ref.type}`);
    } else if (!panel.embeddableConfig?.attributes) p.push(`${at}: panel ${panel.panelIndex} has neither a reference nor by-value attributes`);
  }
  return p;
}

function checkLens(
  a: any,
  refs: { type: string; id: string; name: string }[],
  at: string,
  fields: Map<string, string>,
  has: (t: string, id: string) => boolean,
): string[] {
  const p: string[] = [];
  const ds = a.state?.datasourceStates;
  if (!ds?.formBased) return [`${at}: no state.datasourceStates.formBased (8.9 shape)`];
  if (ds.indexpattern) p.push(`${at}: legacy datasourceStates.indexpattern`);
  const allColumns = new Set<string>();
  for (const [layerId, layer] of Object.entries(ds.formBased.layers as Record<string, { columnOrder: string[]; columns: Record<string, any> }>)) {
    const ref = refs.find((r) => r.name === `indexpattern-datasource-layer-${layerId}`);
    if (!ref || ref.type !== 'index-pattern' || !has('index-pattern', ref.id)) p.push(`${at}: layer ${layerId} has no data view reference in the bundle`);
    for (const id of layer.columnOrder) if (!layer.columns[id]) p.push(`${at}: columnOrder names ${id}, which is not a column`);
    const hasDate = Object.values(layer.columns).some((c) => c.operationType === 'date_histogram');
    for (const [id, c] of Object.entries(layer.columns)) {
      allColumns.add(id);
      if (!OPERATIONS.has(c.operationType)) p.push(`${at}: column ${id} has unknown operation ${c.operationType}`);
      if ((c.operationType === 'counter_rate' || c.operationType === 'differences') && !hasDate)
        p.push(`${at}: ${c.operationType} needs a date_histogram in its layer`);
      const f = c.sourceField as string | undefined;
      if (f && f !== '___records___') {
        const type = fields.get(f);
        if (!type) p.push(`${at}: column ${id} reads ${f}, which no template maps`);
        else if (NUMERIC_OPS.has(c.operationType) && !NUMERIC_TYPES.has(type)) p.push(`${at}: column ${id} takes ${c.operationType} of ${f}, a ${type}`);
        else if (c.operationType === 'date_histogram' && type !== 'date') p.push(`${at}: date_histogram on ${f}, a ${type}`);
      } else if (c.operationType !== 'count') p.push(`${at}: column ${id} (${c.operationType}) has no field`);
      for (const q of [c.filter?.query].filter(Boolean)) p.push(...checkKql(q as string, `${at} column ${id}`, fields));
    }
  }
  const v = a.state.visualization;
  const accessors: string[] = [];
  if (a.visualizationType === 'lnsXY') for (const l of v.layers) accessors.push(l.xAccessor, ...l.accessors, ...(l.splitAccessor ? [l.splitAccessor] : []));
  else if (a.visualizationType === 'lnsDatatable') accessors.push(...v.columns.map((c: { columnId: string }) => c.columnId));
  else if (a.visualizationType === 'lnsMetric') accessors.push(v.metricAccessor);
  else p.push(`${at}: visualization ${a.visualizationType} is not checked`);
  for (const x of accessors) if (!allColumns.has(x)) p.push(`${at}: the visualization names ${x}, which is not a column`);
  p.push(...checkKql(a.state.query?.query ?? '', at, fields));
  return p;
}

/** Every `field:` in a KQL query must be a mapped field. */
function checkKql(q: string, at: string, fields: Map<string, string>): string[] {
  const p: string[] = [];
  for (const m of q.matchAll(/([A-Za-z_@][\w.@]*)\s*:/g)) if (!fields.has(m[1]!)) p.push(`${at}: the query names ${m[1]}, which no template maps`);
  return p;
}
