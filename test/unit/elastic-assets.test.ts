import { describe, expect, it } from 'vitest';
import { capabilitiesFrom } from '../../src/elastic/capabilities.js';
import { DEFAULT_ASSETS, setupSteps } from '../../src/elastic/templates.js';
import { datasetFields, datasetMappings, routingPath } from '../../src/elastic/mappings.js';

const node = (version: string, modules: string[]) => ({ nodes: { a: { version, modules: modules.map((name) => ({ name })) } } });
const testZip = capabilitiesFrom(node('8.19.21', ['apm', 'transport-netty4', 'x-pack-core', 'x-pack-security']));
const full = capabilitiesFrom(node('9.2.4', ['data-streams', 'x-pack-ilm', 'x-pack-watcher', 'x-pack-core', 'mapper-extras']));

describe('capabilities', () => {
  it('reads version and modules; a module counts only if every node has it', () => {
    expect(testZip).toMatchObject({
      version: '8.19.21',
      major: 8,
      minor: 19,
      dataStreams: true,
      tsdb: true,
      ilm: false,
      watcher: false,
      dataStreamsModule: false,
    });
    expect(full).toMatchObject({ ilm: true, watcher: true, dataStreamLifecycle: true, dataStreamsModule: true });
    const mixed = capabilitiesFrom({ nodes: { a: { version: '8.19.21', modules: [{ name: 'x-pack-ilm' }] }, b: { version: '8.19.20', modules: [] } } });
    expect(mixed.ilm).toBe(false);
    expect(mixed.version).toBe('8.19.20');
    expect(capabilitiesFrom(node('8.5.0', [])).tsdb).toBe(false);
    expect(() => capabilitiesFrom({ nodes: {} })).toThrow('no nodes');
  });
});

describe('setup steps', () => {
  it('on the test distribution: no ILM (skipped, with the reason), TSDB without look_back_time, a data stream lifecycle', () => {
    const steps = setupSteps(testZip, DEFAULT_ASSETS);
    expect(steps.map((s) => `${s.method} ${s.path}${s.skipped ? ' (skipped)' : ''}`)).toEqual([
      'PUT /_ilm/policy/hapbeat-metrics (skipped)',
      'PUT /_component_template/hapbeat-haproxy.stat@mappings',
      'PUT /_component_template/hapbeat-haproxy.stat@settings',
      'PUT /_index_template/hapbeat-haproxy.stat',
      'PUT /_component_template/hapbeat-haproxy.info@mappings',
      'PUT /_component_template/hapbeat-haproxy.info@settings',
      'PUT /_index_template/hapbeat-haproxy.info',
      'PUT /_component_template/hapbeat-haproxy.process@mappings',
      'PUT /_component_template/hapbeat-haproxy.process@settings',
      'PUT /_index_template/hapbeat-haproxy.process',
    ]);
    // Lifecycle events are events, not a time series.
    expect((steps[8]!.body as { template: { settings: Record<string, unknown> } }).template.settings['index.mode']).toBeUndefined();
    expect(steps[0]!.skipped).toContain('no ILM');
    const settings = (steps[2]!.body as { template: { settings: Record<string, unknown> } }).template.settings;
    expect(settings).toEqual({
      'index.number_of_replicas': 0,
      'index.mode': 'time_series',
      'index.routing_path': ['service.address', 'haproxy.process.scope', 'haproxy.stat.proxy.name', 'haproxy.stat.service_name'],
    });
    const tpl = steps[3]!.body as Record<string, any>;
    expect(tpl).toMatchObject({
      index_patterns: ['metrics-haproxy.stat-*'],
      priority: 200,
      data_stream: {},
      template: { lifecycle: { data_retention: '90d' } },
    });
    expect(tpl._meta.tsdb).toBe(true);
  });

  it('with ILM: the policy (rollover, delete after the retention) and index.lifecycle.name; no lifecycle in the template', () => {
    const steps = setupSteps(full, { ...DEFAULT_ASSETS, retentionDays: 30 });
    const at = (path: string) => steps.find((s) => s.path === path)!.body as Record<string, any>;
    const policy = at('/_ilm/policy/hapbeat-metrics');
    expect(policy.policy.phases.delete.min_age).toBe('30d');
    expect(policy.policy.phases.hot.actions.rollover).toEqual({ max_age: '1d', max_primary_shard_size: '50gb' });
    const settings = at('/_component_template/hapbeat-haproxy.stat@settings').template.settings;
    expect(settings['index.lifecycle.name']).toBe('hapbeat-metrics');
    expect(settings['index.look_back_time']).toBe('7d');
    expect(at('/_index_template/hapbeat-haproxy.stat').template).toEqual({});
  });

  it('retention with ILM: the time series streams downsample in the warm phase; lifecycle events (not a time series) only roll over and go', () => {
    const steps = setupSteps(full, { ...DEFAULT_ASSETS, retentionDays: 90, downsampleAfterDays: 7, downsampleInterval: '5m' });
    const metrics = steps.find((s) => s.path === '/_ilm/policy/hapbeat-metrics')!.body as Record<string, any>;
    expect(metrics.policy.phases.warm).toEqual({ min_age: '7d', actions: { downsample: { fixed_interval: '5m' } } });
    expect(metrics.policy.phases.delete.min_age).toBe('90d');
    const events = steps.find((s) => s.path === '/_ilm/policy/hapbeat-events')!.body as Record<string, any>;
    expect(events.policy.phases.warm).toBeUndefined();
    expect(events.policy.phases.delete.min_age).toBe('90d');
    const lifecycleOf = (ds: string) =>
      (steps.find((s) => s.path === `/_component_template/hapbeat-${ds}@settings`)!.body as { template: { settings: Record<string, unknown> } }).template
        .settings['index.lifecycle.name'];
    expect([lifecycleOf('haproxy.stat'), lifecycleOf('haproxy.info'), lifecycleOf('haproxy.process')]).toEqual([
      'hapbeat-metrics',
      'hapbeat-metrics',
      'hapbeat-events',
    ]);
  });

  it('retention without ILM: a data stream lifecycle with the same retention and downsampling rounds (time series streams only)', () => {
    const steps = setupSteps(testZip, { ...DEFAULT_ASSETS, retentionDays: 30, downsampleAfterDays: 2, downsampleInterval: '10m' });
    const lifecycle = (ds: string) =>
      (steps.find((s) => s.path === `/_index_template/hapbeat-${ds}`)!.body as { template: { lifecycle: unknown } }).template.lifecycle;
    expect(lifecycle('haproxy.stat')).toEqual({ data_retention: '30d', downsampling: [{ after: '2d', fixed_interval: '10m' }] });
    expect(lifecycle('haproxy.process')).toEqual({ data_retention: '30d' });
  });

  it('classic indices: their own templates, no data_stream, no TSDB, no rollover', () => {
    const steps = setupSteps(full, { ...DEFAULT_ASSETS, indexMode: 'index' });
    const tpl = steps.find((s) => s.path === '/_index_template/hapbeat-haproxy.stat-index')!.body as Record<string, unknown>;
    expect(tpl.index_patterns).toEqual(['hapbeat-haproxy.stat-*']);
    expect(tpl.data_stream).toBeUndefined();
    const settings = (steps.find((s) => s.path.endsWith('stat-index@settings'))!.body as { template: { settings: Record<string, unknown> } }).template.settings;
    expect(settings['index.mode']).toBeUndefined();
    expect((steps[0]!.body as Record<string, any>).policy.phases.hot.actions).toEqual({});
  });

  it('tsdb: false turns time series off', () => {
    const steps = setupSteps(testZip, { ...DEFAULT_ASSETS, tsdb: false });
    expect((steps[2]!.body as { template: { settings: Record<string, unknown> } }).template.settings['index.mode']).toBeUndefined();
    expect(JSON.stringify(steps[1]!.body)).not.toContain('time_series');
  });
});

describe('mappings', () => {
  it('map every table field explicitly, with dynamic false, and TSDB metrics and dimensions', () => {
    const m = datasetMappings('haproxy.stat', { tsdb: true }) as Record<string, any>;
    expect(m.dynamic).toBe(false);
    const stat = m.properties.haproxy.properties.stat.properties;
    expect(stat.session.properties.current).toEqual({ type: 'long', time_series_metric: 'gauge' });
    expect(stat.session.properties.total).toEqual({ type: 'long', time_series_metric: 'counter' });
    expect(stat.proxy.properties.name).toEqual({ type: 'keyword', time_series_dimension: true });
    expect(stat.check.properties.agent.properties.last).toEqual({ type: 'keyword', ignore_above: 1024 });
    expect(stat.throttle.properties.pct.type).toBe('double');
    expect(stat.h2).toMatchObject({ type: 'object', dynamic: true });
    expect(m.properties['@timestamp'].type).toBe('date');
    expect(datasetFields('haproxy.info').find((f) => f.path === 'haproxy.info.idle.pct')).toMatchObject({ type: 'double', kind: 'gauge' });
    expect(routingPath('haproxy.info')).toEqual(['service.address', 'haproxy.process.scope']);
  });
});
