/**
 * Long-term questions, as query DSL requests users can run as they are (kibana/queries/<id>.json, written by
 * npm run kibana), each with how to read the answer, what it keeps after downsampling, and an ES|QL
 * equivalent for the README. Per-process counters and precomputed ratios are chosen so that the answers hold
 * on downsampled data: downsampling keeps a counter's last value per interval and the min/max/sum/count of
 * gauges and ratios, but not individual samples.
 */
export interface RetentionQuery {
  id: string;
  question: string;
  /** Which part of the response holds the answer, and any arithmetic to do on it. */
  answer: string;
  /** What still holds after downsampling, and what does not. */
  downsampled: string;
  index: string;
  body: Record<string, unknown>;
  esql: string;
}

const range = (from: string) => ({ range: { '@timestamp': { gte: from, lte: 'now' } } });
/** Each process once: its own documents, or the instance's when it was the only process (they carry its identity). */
const eachProcessOnce = {
  bool: { should: [{ term: { 'haproxy.process.scope': 'process' } }, { term: { 'haproxy.process.count': 1 } }], minimum_should_match: 1 },
};

/** Backends' totals over the last 90 days, per backend and per day, with these per-day aggregations. */
function perBackendPerDay(perDay: Record<string, unknown>, perBackend: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    size: 0,
    query: { bool: { filter: [{ term: { 'haproxy.process.scope': 'all' } }, { term: { 'haproxy.stat.component_type': 1 } }, range('now-90d/d')] } },
    aggs: {
      backends: {
        terms: { field: 'haproxy.stat.proxy.name', size: 100 },
        aggs: { days: { date_histogram: { field: '@timestamp', calendar_interval: '1d' }, aggs: perDay }, ...perBackend },
      },
    },
  };
}

export const RETENTION_QUERIES: readonly RetentionQuery[] = [
  {
    id: 'p95-response-time-per-backend-per-day',
    question: "What was the 95th percentile of each backend's response time, per day, over the last 90 days?",
    answer: 'aggregations.backends.buckets[].days.buckets[]: p95.values["95.0"] (ms) per backend and day; peak.value is the day\'s highest sample.',
    downsampled:
      'A percentile needs the individual samples, which downsampling replaces by min/max/sum/count per interval: p95 is exact on raw data (younger than downsample.after, 7 days by default). On older, downsampled days only peak (the max, which downsampling keeps) answers; the percentiles aggregation is then left out of the request (remove "p95").',
    index: 'metrics-haproxy.stat-*',
    body: perBackendPerDay({
      p95: { percentiles: { field: 'haproxy.stat.response.time.avg', percents: [95] } },
      peak: { max: { field: 'haproxy.stat.response.time.avg' } },
    }),
    esql: 'FROM metrics-haproxy.stat-* | WHERE haproxy.process.scope == "all" AND haproxy.stat.component_type == 1 AND @timestamp >= NOW() - 90 days | STATS p95 = PERCENTILE(haproxy.stat.response.time.avg, 95), peak = MAX(haproxy.stat.response.time.avg) BY backend = haproxy.stat.proxy.name, day = DATE_TRUNC(1 day, @timestamp) | SORT backend, day',
  },
  {
    id: 'monthly-requests-per-frontend',
    question: 'How many requests did each frontend serve per month?',
    answer:
      "aggregations.frontends.buckets[].months.buckets[].processes.buckets[]: add up last.value - first.value over the processes of a month. A process's counter only grows, so its increase between its first and last sample of the month is what it served; reloads start new processes, which are counted on their own.",
    downsampled:
      "Downsampling keeps each counter's last value per interval, so min and max of request.total per process still bound the month (at the interval's resolution).",
    index: 'metrics-haproxy.stat-*',
    body: {
      size: 0,
      query: { bool: { filter: [eachProcessOnce, { term: { 'haproxy.stat.component_type': 0 } }, range('now-1y/M')] } },
      aggs: {
        frontends: {
          terms: { field: 'haproxy.stat.proxy.name', size: 100 },
          aggs: {
            months: {
              date_histogram: { field: '@timestamp', calendar_interval: '1M' },
              aggs: {
                processes: {
                  terms: { field: 'haproxy.process.pid', size: 1000 },
                  aggs: { first: { min: { field: 'haproxy.stat.request.total' } }, last: { max: { field: 'haproxy.stat.request.total' } } },
                },
              },
            },
          },
        },
      },
    },
    esql: 'FROM metrics-haproxy.stat-* | WHERE (haproxy.process.scope == "process" OR haproxy.process.count == 1) AND haproxy.stat.component_type == 0 | STATS first = MIN(haproxy.stat.request.total), last = MAX(haproxy.stat.request.total) BY frontend = haproxy.stat.proxy.name, month = DATE_TRUNC(1 month, @timestamp), pid = haproxy.process.pid | EVAL served = last - first | STATS requests = SUM(served) BY frontend, month | SORT frontend, month',
  },
  {
    id: 'worst-day-5xx-share-per-backend',
    question: "On which day was each backend's share of 5xx responses the worst, over the last 90 days, and how bad?",
    answer: 'aggregations.backends.buckets[]: worst_day.value (0-1) and worst_day.keys[0] (the day); days.buckets[].share.value for every day.',
    downsampled:
      "The share is an average of hapbeat's per-poll response.http_5xx_ratio, which downsampling keeps as sum and count per interval: the daily average stays exact.",
    index: 'metrics-haproxy.stat-*',
    body: perBackendPerDay(
      { share: { avg: { field: 'haproxy.stat.response.http_5xx_ratio' } } },
      { worst_day: { max_bucket: { buckets_path: 'days>share' } } },
    ),
    esql: 'FROM metrics-haproxy.stat-* | WHERE haproxy.process.scope == "all" AND haproxy.stat.component_type == 1 AND @timestamp >= NOW() - 90 days | STATS share = AVG(haproxy.stat.response.http_5xx_ratio) BY backend = haproxy.stat.proxy.name, day = DATE_TRUNC(1 day, @timestamp) | SORT share DESC | LIMIT 20 (the 20 worst backend-days; the first row of each backend is its worst day)',
  },
  {
    id: 'reloads-per-week',
    question: 'How many times was each HAProxy reloaded per week?',
    answer:
      'aggregations.weeks.buckets[].targets.buckets[].doc_count: worker-started events of process 1, one per reload (with nbproc, each reload starts processes 1 to N).',
    downsampled: 'haproxy.process is not a time series and is never downsampled: events are kept as they are until the retention deletes them.',
    index: 'metrics-haproxy.process-*',
    body: {
      size: 0,
      query: { bool: { filter: [{ term: { 'event.action': 'worker-started' } }, { term: { 'haproxy.process.num': 1 } }, range('now-1y/w')] } },
      aggs: {
        weeks: { date_histogram: { field: '@timestamp', calendar_interval: '1w' }, aggs: { targets: { terms: { field: 'service.address', size: 500 } } } },
      },
    },
    esql: 'FROM metrics-haproxy.process-* | WHERE event.action == "worker-started" AND haproxy.process.num == 1 | STATS reloads = COUNT(*) BY target = service.address, week = DATE_TRUNC(1 week, @timestamp) | SORT target, week',
  },
];
