import { savedObject, type SavedObject } from './saved-objects.js';

/** The data view every hapbeat visualization reads. */
export const DATA_VIEW_ID = 'hapbeat-metrics-haproxy';
const LAYER = 'layer1';

/**
 * One value per date bucket (or per row of a table). Which operation for what (reference 1.3):
 * precomputed rates, ratios and gauges: `average` or `max`; a current value: `last_value`; never a sum of
 * samples over time, and never a derivative of a raw counter (it breaks at every reload; hapbeat's
 * `*_per_s` fields do not).
 */
export interface Metric {
  op: 'average' | 'max' | 'min' | 'sum' | 'last_value' | 'count' | 'median' | 'unique_count';
  field?: string;
  label: string;
  /** KQL that narrows this one column. */
  filter?: string;
}

export type ChartKind = 'line' | 'area' | 'bar_stacked' | 'table' | 'metric';

/** A Lens visualization, as data: hapbeat's dashboards are lists of these. */
export interface ChartDef {
  id: string;
  title: string;
  description: string;
  kind: ChartKind;
  /** KQL for the whole visualization: which scope and which component type, at least. */
  query: string;
  metrics: Metric[];
  /** Series (charts) or the first row column (tables): the top values of a field. */
  splitBy?: { field: string; size: number; label: string };
  /** More row columns (tables only). */
  rows?: { field: string; size: number; label: string }[];
}

export type Column = {
  label: string;
  dataType: 'date' | 'number' | 'string' | 'boolean';
  operationType: string;
  isBucketed: boolean;
  scale: 'interval' | 'ordinal' | 'ratio';
  sourceField: string;
  params?: Record<string, unknown>;
  filter?: { language: 'kuery'; query: string };
  customLabel?: boolean;
};

function metricColumn(m: Metric): Column {
  const base = {
    label: m.label,
    customLabel: true,
    dataType: 'number' as const,
    isBucketed: false,
    scale: 'ratio' as const,
    sourceField: m.field ?? '___records___',
  };
  const filter = m.filter ? { filter: { language: 'kuery' as const, query: m.filter } } : {};
  if (m.op === 'last_value') {
    return {
      ...base,
      operationType: 'last_value',
      params: { sortField: '@timestamp', showArrayValues: false },
      filter: { language: 'kuery', query: m.filter ? `(${m.filter}) and ${m.field}: *` : `${m.field}: *` },
    };
  }
  if (m.op === 'count' || m.op === 'unique_count') return { ...base, operationType: m.op, params: { emptyAsNull: m.op === 'count' }, ...filter };
  return { ...base, operationType: m.op, params: { emptyAsNull: true }, ...filter };
}

function termsColumn(t: { field: string; size: number; label: string }, orderBy: string | undefined): Column {
  return {
    label: t.label,
    customLabel: true,
    dataType: 'string',
    operationType: 'terms',
    isBucketed: true,
    scale: 'ordinal',
    sourceField: t.field,
    params: {
      size: t.size,
      orderBy: orderBy ? { type: 'column', columnId: orderBy } : { type: 'alphabetical', fallback: true },
      orderDirection: orderBy ? 'desc' : 'asc',
      otherBucket: false,
      missingBucket: false,
      parentFormat: { id: 'terms' },
    },
  };
}

const dateColumn: Column = {
  label: '@timestamp',
  dataType: 'date',
  operationType: 'date_histogram',
  isBucketed: true,
  scale: 'interval',
  sourceField: '@timestamp',
  params: { interval: 'auto', includeEmptyRows: true, dropPartials: false },
};

const SERIES = { line: 'line', area: 'area', bar_stacked: 'bar_stacked' } as const;

/** The Lens saved object of a chart definition (by reference, formBased datasource, 8.9 shape). */
export function lensObject(def: ChartDef): SavedObject {
  const columns: Record<string, Column> = {};
  const metricIds = def.metrics.map((_, i) => `m${i}`);
  def.metrics.forEach((m, i) => (columns[metricIds[i]!] = metricColumn(m)));
  const order: string[] = [];
  let visualizationType: string;
  let visualization: Record<string, unknown>;
  if (def.kind === 'table') {
    const rowIds = [def.splitBy, ...(def.rows ?? [])]
      .filter((r): r is NonNullable<typeof r> => !!r)
      .map((r, i) => {
        columns[`r${i}`] = termsColumn(r, undefined);
        return `r${i}`;
      });
    order.push(...rowIds, ...metricIds);
    visualizationType = 'lnsDatatable';
    visualization = { layerId: LAYER, layerType: 'data', columns: order.map((columnId) => ({ columnId })) };
  } else if (def.kind === 'metric') {
    order.push(...metricIds);
    visualizationType = 'lnsMetric';
    visualization = { layerId: LAYER, layerType: 'data', metricAccessor: metricIds[0] };
  } else {
    columns.x = dateColumn;
    if (def.splitBy) columns.split = termsColumn(def.splitBy, metricIds[0]);
    order.push(...(def.splitBy ? ['split'] : []), 'x', ...metricIds);
    visualizationType = 'lnsXY';
    visualization = {
      legend: { isVisible: true, position: 'right' },
      valueLabels: 'hide',
      preferredSeriesType: SERIES[def.kind],
      layers: [
        {
          layerId: LAYER,
          layerType: 'data',
          seriesType: SERIES[def.kind],
          xAccessor: 'x',
          accessors: metricIds,
          ...(def.splitBy ? { splitAccessor: 'split' } : {}),
        },
      ],
    };
  }
  return savedObject(
    'lens',
    `hapbeat-${def.id}`,
    {
      title: def.title,
      description: def.description,
      visualizationType,
      state: {
        datasourceStates: { formBased: { layers: { [LAYER]: { columnOrder: order, columns, incompleteColumns: {} } } } },
        visualization,
        query: { language: 'kuery', query: def.query },
        filters: [],
        internalReferences: [],
        adHocDataViews: {},
      },
    },
    [{ type: 'index-pattern', id: DATA_VIEW_ID, name: `indexpattern-datasource-layer-${LAYER}` }],
  );
}
