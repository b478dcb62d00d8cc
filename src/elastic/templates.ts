import { HapbeatError } from '../errors.js';
import { agentVersion } from '../agent-info.js';
import type { Capabilities } from './capabilities.js';
import { DATASETS, type Dataset } from '../fields/datasets.js';
import { datasetMappings, routingPath } from './mappings.js';

export { DATASETS };
export const TEMPLATE_PRIORITY = 200; // above the built-in metrics-*-* template (100) of a full distribution
export const ILM_POLICY = 'hapbeat-metrics';
/** For what is not a time series (lifecycle events, or everything when TSDB is off): no downsampling. */
export const ILM_EVENTS_POLICY = 'hapbeat-events';

export interface AssetOptions {
  /** data_stream: metrics-<dataset>-<namespace>; index: classic daily indices hapbeat-<dataset>-<namespace>-YYYY.MM.DD. */
  indexMode: 'data_stream' | 'index';
  /** TSDB: `auto` uses it when the cluster supports it. */
  tsdb: 'auto' | boolean;
  /** Retention: ILM delete phase (or data stream lifecycle when ILM is missing). */
  retentionDays: number;
  rolloverMaxAge: string;
  rolloverMaxPrimaryShardSize: string;
  /** Time series data older than this is downsampled (ILM warm phase, or data stream lifecycle rounds). */
  downsampleAfterDays: number;
  /** The downsampled interval: one document per series and interval, with min/max/sum/count of gauges. */
  downsampleInterval: string;
  /** How far back a new time series index accepts documents: covers the spool's replay after an outage. */
  tsdbLookBack: string;
}

export const DEFAULT_ASSETS: AssetOptions = {
  indexMode: 'data_stream',
  tsdb: 'auto',
  retentionDays: 90,
  rolloverMaxAge: '1d',
  rolloverMaxPrimaryShardSize: '50gb',
  downsampleAfterDays: 7,
  downsampleInterval: '5m',
  tsdbLookBack: '7d',
};

/** One request `setup` sends, with why; or a step skipped, with why. */
export interface SetupStep {
  what: string;
  method: 'PUT' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  skipped?: string;
}

/** hapbeat-<dataset> for data streams, hapbeat-<dataset>-index for daily indices: the two never overwrite each other. */
export function templateName(dataset: string, mode: AssetOptions['indexMode']): string {
  return mode === 'data_stream' ? `hapbeat-${dataset}` : `hapbeat-${dataset}-index`;
}

export function indexPattern(dataset: Dataset, mode: AssetOptions['indexMode']): string {
  return mode === 'data_stream' ? `metrics-${dataset}-*` : `hapbeat-${dataset}-*`;
}

/** Where documents of a dataset go: the data stream, or today's index (UTC). */
export function destination(dataset: string, namespace: string, mode: AssetOptions['indexMode'], at: number): string {
  if (mode === 'data_stream') return `metrics-${dataset}-${namespace}`;
  const d = new Date(at);
  const day = `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${String(d.getUTCDate()).padStart(2, '0')}`;
  return `hapbeat-${dataset}-${namespace}-${day}`;
}

export function useTsdb(caps: Capabilities, opts: AssetOptions): boolean {
  if (opts.indexMode !== 'data_stream') return false;
  return opts.tsdb === 'auto' ? caps.tsdb : opts.tsdb;
}

/**
 * An ILM policy: roll over in the hot phase; for time series data, downsample in the warm phase (ILM's
 * downsample action works only on TSDB backing indices, after rollover); delete after the retention.
 */
export function ilmPolicy(opts: AssetOptions, downsample = true): Record<string, unknown> {
  const phases: Record<string, unknown> = {
    // Daily indices are not rolled over (they are not behind an alias); data streams are.
    hot: {
      min_age: '0ms',
      actions: opts.indexMode === 'data_stream' ? { rollover: { max_age: opts.rolloverMaxAge, max_primary_shard_size: opts.rolloverMaxPrimaryShardSize } } : {},
    },
  };
  if (downsample && opts.indexMode === 'data_stream' && opts.downsampleAfterDays < opts.retentionDays) {
    phases.warm = { min_age: `${opts.downsampleAfterDays}d`, actions: { downsample: { fixed_interval: opts.downsampleInterval } } };
  }
  phases.delete = { min_age: `${opts.retentionDays}d`, actions: { delete: {} } };
  return { policy: { _meta: { managed_by: 'hapbeat', version: agentVersion() }, phases } };
}

/**
 * Every request that installs hapbeat's index assets on this cluster, in order, idempotent (PUT replaces):
 * the ILM policy where ILM exists, then per dataset a mappings and a settings component template and the
 * composable index template. Steps that the cluster cannot take are listed as skipped, with the reason.
 */
export function setupSteps(caps: Capabilities, opts: AssetOptions): SetupStep[] {
  const steps: SetupStep[] = [];
  if (opts.indexMode === 'data_stream' && !caps.dataStreams) {
    throw new HapbeatError('HAPBEAT_ERR_ELASTICSEARCH_UNSUPPORTED', `Elasticsearch ${caps.version} has no data streams (7.9+)`, {
      hint: 'set output.elasticsearch.index_mode: index',
    });
  }
  const tsdbAll = useTsdb(caps, opts);
  const ilm = caps.ilm;
  if (ilm) {
    steps.push({
      what: `ILM policy ${ILM_POLICY} for time series (rollover ${opts.rolloverMaxAge} or ${opts.rolloverMaxPrimaryShardSize}, downsample to ${opts.downsampleInterval} after ${opts.downsampleAfterDays}d, delete after ${opts.retentionDays}d)`,
      method: 'PUT',
      path: `/_ilm/policy/${ILM_POLICY}`,
      body: ilmPolicy(opts, tsdbAll),
    });
    steps.push({
      what: `ILM policy ${ILM_EVENTS_POLICY} for lifecycle events (rollover, delete after ${opts.retentionDays}d)`,
      method: 'PUT',
      path: `/_ilm/policy/${ILM_EVENTS_POLICY}`,
      body: ilmPolicy(opts, false),
    });
  } else {
    steps.push({
      what: `ILM policy ${ILM_POLICY}`,
      method: 'PUT',
      path: `/_ilm/policy/${ILM_POLICY}`,
      skipped:
        opts.indexMode === 'data_stream'
          ? `this cluster has no ILM (module x-pack-ilm); the data streams get a data stream lifecycle with ${opts.retentionDays}d retention instead${caps.dataStreamLifecycle ? '' : ' (stored, but this cluster has no data-streams module to carry it out)'}`
          : 'this cluster has no ILM (module x-pack-ilm): delete old daily indices yourself',
    });
  }
  for (const ds of DATASETS) {
    const base = templateName(ds, opts.indexMode);
    const tsdb = tsdbAll && ds !== 'haproxy.process'; // lifecycle events are events, not a time series
    steps.push({
      what: `component template ${base}@mappings (explicit mappings of every ${ds} field, dynamic: false${tsdb ? ', TSDB metric types and dimensions' : ''})`,
      method: 'PUT',
      path: `/_component_template/${base}@mappings`,
      body: { template: { mappings: datasetMappings(ds, { tsdb }) }, _meta: { managed_by: 'hapbeat', version: agentVersion() } },
    });
    const settings: Record<string, unknown> = { 'index.number_of_replicas': 0 };
    if (tsdb) {
      settings['index.mode'] = 'time_series';
      settings['index.routing_path'] = routingPath(ds);
      // Registered by the data-streams module, which also enforces the time bounds it widens.
      if (caps.dataStreamsModule) settings['index.look_back_time'] = opts.tsdbLookBack;
    }
    if (ilm) settings['index.lifecycle.name'] = tsdb ? ILM_POLICY : ILM_EVENTS_POLICY;
    steps.push({
      what: `component template ${base}@settings (${tsdb ? 'index.mode time_series' : 'standard index mode'}${ilm ? `, ILM ${tsdb ? ILM_POLICY : ILM_EVENTS_POLICY}` : ''})`,
      method: 'PUT',
      path: `/_component_template/${base}@settings`,
      body: { template: { settings: JSON.parse(JSON.stringify(settings)) }, _meta: { managed_by: 'hapbeat', version: agentVersion() } },
    });
    const template: Record<string, unknown> = {};
    if (opts.indexMode === 'data_stream' && !ilm) {
      template.lifecycle = {
        data_retention: `${opts.retentionDays}d`,
        ...(tsdb && opts.downsampleAfterDays < opts.retentionDays
          ? { downsampling: [{ after: `${opts.downsampleAfterDays}d`, fixed_interval: opts.downsampleInterval }] }
          : {}),
      };
    }
    const body: Record<string, unknown> = {
      index_patterns: [indexPattern(ds, opts.indexMode)],
      priority: TEMPLATE_PRIORITY,
      composed_of: [`${base}@mappings`, `${base}@settings`],
      template,
      _meta: { managed_by: 'hapbeat', version: agentVersion(), dataset: ds, tsdb, index_mode: opts.indexMode },
    };
    if (opts.indexMode === 'data_stream') body.data_stream = {};
    steps.push({
      what: `index template ${base} for ${indexPattern(ds, opts.indexMode)} (priority ${TEMPLATE_PRIORITY})`,
      method: 'PUT',
      path: `/_index_template/${base}`,
      body,
    });
  }
  return steps;
}
