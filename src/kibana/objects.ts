import { datasetFields } from '../elastic/mappings.js';
import { DATASETS } from '../fields/datasets.js';
import { DASHBOARDS, type DashboardDef } from './dashboards.js';
import { DATA_VIEW_ID, lensObject } from './lens.js';
import { savedObject, toNdjson, type SavedObject } from './saved-objects.js';
import { RETENTION_QUERIES } from './queries.js';
import { watchDefinitions } from '../elastic/watches.js';

/** How a field is shown: bytes, percent for shares (0-1), durations for milliseconds. */
export function fieldFormat(path: string): { id: string; params?: Record<string, unknown> } | undefined {
  if (path === 'event.duration') return { id: 'duration', params: { inputFormat: 'nanoseconds', outputFormat: 'humanizePrecise', outputPrecision: 1 } };
  if (/(^|\.)bytes(_per_s)?$|_bytes$|\.bytes\./.test(path)) return { id: 'bytes' };
  if (/_ratio$|\.pct$/.test(path)) return { id: 'percent', params: { pattern: '0.[0]%' } };
  if (/\.time\.(avg|max)$|\.duration$/.test(path))
    return { id: 'duration', params: { inputFormat: 'milliseconds', outputFormat: 'humanizePrecise', outputPrecision: 1 } };
  return undefined;
}

/** The data view over every hapbeat data stream, with field formats from the field tables. */
export function dataView(): SavedObject {
  const formats: Record<string, unknown> = {};
  for (const ds of DATASETS) {
    for (const f of datasetFields(ds)) {
      const fmt = f.type === 'keyword' || f.type === 'date' || f.type === 'boolean' ? undefined : fieldFormat(f.path);
      if (fmt) formats[f.path] = fmt;
    }
  }
  return savedObject('index-pattern', DATA_VIEW_ID, {
    title: 'metrics-haproxy.*',
    name: 'HAProxy (hapbeat)',
    timeFieldName: '@timestamp',
    fieldFormatMap: JSON.stringify(formats),
    allowNoIndex: true,
  });
}

/** A dashboard of by-reference Lens panels, two per row. */
export function dashboardObject(d: DashboardDef): SavedObject {
  const panels = d.charts.map((c, i) => {
    const panelIndex = `p${i + 1}`;
    return {
      type: 'lens',
      gridData: { x: (i % 2) * 24, y: Math.floor(i / 2) * 12, w: 24, h: 12, i: panelIndex },
      panelIndex,
      embeddableConfig: {},
      panelRefName: `panel_${panelIndex}`,
    };
  });
  return savedObject(
    'dashboard',
    d.id,
    {
      title: d.title,
      description: d.description,
      version: 1,
      hits: 0,
      timeRestore: true,
      timeFrom: 'now-1h',
      timeTo: 'now',
      refreshInterval: { pause: false, value: 30_000 },
      optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, syncCursor: true, syncTooltips: false, hidePanelTitles: false }),
      panelsJSON: JSON.stringify(panels),
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }) },
    },
    d.charts.map((c, i) => ({ type: 'lens', id: `hapbeat-${c.id}`, name: `p${i + 1}:panel_p${i + 1}` })),
  );
}

/** Every saved object hapbeat ships: the data view, the visualizations, the dashboards. */
export function kibanaObjects(): SavedObject[] {
  return [dataView(), ...DASHBOARDS.flatMap((d) => d.charts.map(lensObject)), ...DASHBOARDS.map(dashboardObject)];
}

export const KIBANA_NDJSON = 'kibana/hapbeat-dashboards.ndjson';

export function kibanaNdjson(): string {
  return toNdjson(kibanaObjects());
}

/**
 * kibana/queries/<id>.json (each long-term query with its question, how to read it, and the request) and
 * kibana/watches/<id>.json (each watch with the default settings; "hapbeat export watches" writes them with
 * the configured thresholds and actions).
 */
export function queryFiles(): Map<string, string> {
  return new Map([
    ...watchDefinitions().map((w): [string, string] => [`kibana/watches/${w.id}.json`, `${JSON.stringify(w.watch, null, 2)}\n`]),
    ...RETENTION_QUERIES.map((q): [string, string] => [
      `kibana/queries/${q.id}.json`,
      `${JSON.stringify({ question: q.question, answer: q.answer, after_downsampling: q.downsampled, request: { method: 'POST', path: `/${q.index}/_search`, body: q.body }, esql: q.esql }, null, 2)}\n`,
    ]),
  ]);
}
