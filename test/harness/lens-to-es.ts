/**
 * Translates a Lens saved object (formBased layer, the operations hapbeat uses) into the Elasticsearch search
 * that Kibana would run for it, so that tests can execute every panel on real data. A test harness, not a
 * product feature: it covers the subset hapbeat's definitions use and throws on anything else.
 *
 * Bucket columns nest in columnOrder order (terms → terms → date_histogram), metrics go innermost, as Kibana's
 * esaggs does for a formBased layer.
 */
type Column = { operationType: string; sourceField: string; params?: Record<string, any>; filter?: { query: string } };

/**
 * KQL as hapbeat writes it: `field: value` (quoted or not, or `*`) joined by `and` or by `or` (not both at one
 * level), parenthesised groups.
 */
export function kqlToQuery(kql: string): Record<string, unknown> {
  const q = kql.trim();
  if (q === '') return { match_all: {} };
  const ors = splitTop(q, ' or ');
  if (ors.length > 1) {
    if (ors.some((p) => splitTop(p, ' and ').length > 1)) throw new Error(`KQL the harness does not translate (and/or mixed without parentheses): ${q}`);
    return { bool: { should: ors.map(clause), minimum_should_match: 1 } };
  }
  return { bool: { filter: splitTop(q, ' and ').map(clause) } };
}

/** Splits at `sep` outside parentheses and quotes. */
function splitTop(q: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < q.length; i++) {
    if (q[i] === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (q[i] === '(') depth++;
    else if (q[i] === ')') depth--;
    else if (depth === 0 && q.slice(i, i + sep.length) === sep) {
      out.push(q.slice(start, i));
      start = i + sep.length;
    }
  }
  out.push(q.slice(start));
  return out.map((s) => s.trim());
}

function clause(c: string): Record<string, unknown> {
  if (c.startsWith('(') && c.endsWith(')')) return kqlToQuery(c.slice(1, -1));
  const m = /^([\w.@]+)\s*:\s*(.+)$/.exec(c);
  if (!m) throw new Error(`KQL the harness does not translate: ${c}`);
  const [, field, raw] = m as unknown as [string, string, string];
  if (raw === '*') return { exists: { field } };
  const value = raw.startsWith('"') ? JSON.parse(raw) : raw === 'true' ? true : raw === 'false' ? false : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  return { term: { [field]: value } };
}

function metricAgg(c: Column): Record<string, unknown> | undefined {
  const f = c.sourceField;
  switch (c.operationType) {
    case 'average':
      return { avg: { field: f } };
    case 'max':
      return { max: { field: f } };
    case 'min':
      return { min: { field: f } };
    case 'sum':
      return { sum: { field: f } };
    case 'median':
      return { percentiles: { field: f, percents: [50] } };
    case 'unique_count':
      return { cardinality: { field: f } };
    case 'count':
      return undefined; // doc_count
    case 'last_value':
      return { top_hits: { size: 1, sort: [{ '@timestamp': { order: 'desc' } }], _source: { includes: [f] } } };
    default:
      throw new Error(`operation the harness does not translate: ${c.operationType}`);
  }
}

export interface Translated {
  body: Record<string, unknown>;
  /** The nesting of bucket aggregations, outermost first (their agg names). */
  buckets: string[];
  metrics: string[];
}

/** The search Kibana would send for a Lens object over [from, to], with a fixed date histogram interval. */
export function lensToSearch(lens: { attributes: { state: any } }, range: { from: string; to: string }, interval = '10s'): Translated {
  const layers = Object.values(lens.attributes.state.datasourceStates.formBased.layers) as { columnOrder: string[]; columns: Record<string, Column> }[];
  if (layers.length !== 1) throw new Error('the harness translates one layer');
  const layer = layers[0]!;
  const bucketIds = layer.columnOrder.filter((id) => ['terms', 'date_histogram'].includes(layer.columns[id]!.operationType));
  const metricIds = layer.columnOrder.filter((id) => !bucketIds.includes(id));
  const metricAggs: Record<string, unknown> = {};
  for (const id of metricIds) {
    const c = layer.columns[id]!;
    const agg = metricAgg(c);
    const filter = c.filter ? kqlToQuery(c.filter.query) : undefined;
    if (filter) metricAggs[id] = { filter, ...(agg ? { aggs: { v: agg } } : {}) };
    else if (agg) metricAggs[id] = agg;
  }
  let aggs: Record<string, unknown> = metricAggs;
  for (const id of [...bucketIds].reverse()) {
    const c = layer.columns[id]!;
    const inner: { aggs?: Record<string, unknown> } = Object.keys(aggs).length ? { aggs } : {};
    if (c.operationType === 'date_histogram') {
      aggs = {
        [id]: {
          date_histogram: { field: c.sourceField, fixed_interval: interval, min_doc_count: 0, extended_bounds: { min: range.from, max: range.to } },
          ...inner,
        },
      };
    } else {
      // Ordered by a metric: Kibana puts a copy of it directly under the terms (the original sits deeper,
      // under the date histogram, where an order path cannot reach).
      const by = c.params?.orderBy?.type === 'column' ? (c.params.orderBy.columnId as string) : undefined;
      const byAgg = by ? metricAgg(layer.columns[by]!) : undefined;
      const orderable = byAgg && !('top_hits' in byAgg) && !('percentiles' in byAgg);
      const order = orderable ? { [`order_${by}`]: c.params!.orderDirection ?? 'desc' } : by ? { _count: 'desc' } : { _key: 'asc' };
      if (orderable)
        (inner as { aggs?: Record<string, unknown> }).aggs = { ...((inner as { aggs?: Record<string, unknown> }).aggs ?? {}), [`order_${by}`]: byAgg };
      aggs = { [id]: { terms: { field: c.sourceField, size: c.params?.size ?? 10, order }, ...inner } };
    }
  }
  const query = kqlToQuery(lens.attributes.state.query?.query ?? '');
  const filter = [{ range: { '@timestamp': { gte: range.from, lte: range.to } } }, query];
  return { body: { size: 0, query: { bool: { filter } }, aggs }, buckets: bucketIds, metrics: metricIds };
}

/** The value of a metric column in an aggregation bucket, as Lens would show it. */
export function metricValue(bucket: Record<string, any>, id: string, c: Column): unknown {
  const node = c.filter ? (bucket[id]?.v ?? bucket[id]) : bucket[id];
  if (c.operationType === 'count') return c.filter ? bucket[id]?.doc_count : bucket.doc_count;
  if (c.operationType === 'last_value') {
    const hit = node?.hits?.hits?.[0]?._source;
    return hit ? c.sourceField.split('.').reduce((o: any, k) => o?.[k], hit) : undefined;
  }
  if (c.operationType === 'median') return node?.values?.['50.0'];
  return node?.value;
}
