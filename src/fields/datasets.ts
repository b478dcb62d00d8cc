/**
 * The datasets hapbeat writes, each a data stream `metrics-<dataset>-<namespace>`: one list, used by the
 * documents, the mappings, the templates, the Kibana objects and the outputs.
 */
export const DATASETS = ['haproxy.stat', 'haproxy.info', 'haproxy.process'] as const;

export type Dataset = (typeof DATASETS)[number];

/** The datasets of sampled metrics (the third, haproxy.process, holds lifecycle events). */
export type MetricDataset = Exclude<Dataset, 'haproxy.process'>;

export function isDataset(s: string): s is Dataset {
  return (DATASETS as readonly string[]).includes(s);
}
