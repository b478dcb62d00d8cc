import { describe, expect, it } from 'vitest';
import type { estypes } from '@elastic/elasticsearch';
import { DEFAULT_WATCH_SETTINGS, watchDefinitions } from '../../src/elastic/watches.js';
import { evaluateCondition } from '../harness/watch-conditions.js';

describe('Watcher definitions', () => {
  // Type-checked (npm run typecheck runs in the test command): each watch is the client's estypes.WatcherWatch.
  const watches: estypes.WatcherWatch[] = watchDefinitions().map((w) => w.watch);

  it('have the shape Watcher takes, with no scripts anywhere', () => {
    expect(watches).toHaveLength(6);
    for (const w of watches) {
      expect(w.trigger.schedule?.interval).toBe('1m');
      expect(w.input.search?.request.indices?.length).toBe(1);
      expect(w.input.search?.request.rest_total_hits_as_int).toBe(true);
      const cond = Object.keys(w.condition);
      expect(cond.length === 1 && ['compare', 'array_compare'].includes(cond[0]!)).toBe(true);
      expect(JSON.stringify(w)).not.toMatch(/"script"|bucket_script|bucket_selector|painless/);
      expect(JSON.stringify(w.input)).toContain('{{ctx.trigger.scheduled_time}}||-');
      expect(w.actions.log?.logging?.level).toBe('warn');
      expect(w.throttle_period).toBe('15m');
    }
  });

  it('take their thresholds and actions from the settings', () => {
    const w = watchDefinitions({
      ...DEFAULT_WATCH_SETTINGS,
      thresholds: { ...DEFAULT_WATCH_SETTINGS.thresholds, http5xx: 0.2 },
      actions: { logLevel: 'error', webhookUrl: 'https://hooks.example/a', index: 'haproxy-alerts' },
    }).find((d) => d.id === 'hapbeat-backend-5xx-share')!.watch;
    expect(JSON.stringify(w.condition)).toContain('"value":0.2');
    expect(w.actions.webhook?.webhook?.url).toBe('https://hooks.example/a');
    expect(w.actions.store?.index).toEqual({ index: 'haproxy-alerts', op_type: 'create', execution_time_field: '@timestamp' });
  });
});

describe('the condition evaluator (array_compare semantics)', () => {
  const cond = { array_compare: { 'ctx.payload.b': { path: 'v.value', gt: { value: 1, quantifier: 'some' } } } };
  it('some: any element; over an empty array, false; all over an empty array, true', () => {
    expect(evaluateCondition(cond, { ctx: { payload: { b: [{ v: { value: 0 } }, { v: { value: 2 } }] } } })).toBe(true);
    expect(evaluateCondition(cond, { ctx: { payload: { b: [] } } })).toBe(false);
    const all = { array_compare: { 'ctx.payload.b': { path: 'v.value', gt: { value: 1, quantifier: 'all' } } } };
    expect(evaluateCondition(all, { ctx: { payload: { b: [] } } })).toBe(true);
    expect(evaluateCondition(all, { ctx: { payload: { b: [{ v: { value: 2 } }, { v: { value: 0 } }] } } })).toBe(false);
    expect(evaluateCondition({ compare: { 'ctx.payload.hits.total': { gt: 0 } } }, { ctx: { payload: { hits: { total: 3 } } } })).toBe(true);
  });
});
