import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { schema } from '../../src/config/schema.js';
import { configFromFlags } from '../../src/cli/options.js';
import { HapbeatError } from '../../src/errors.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-config-'));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe('loadConfig', () => {
  it('has sensible defaults without any file', () => {
    const c = loadConfig({ env: { HOME: '/home/sre' } });
    expect(c.targets).toEqual([]);
    expect(c.periodMs).toBe(10_000);
    expect(c.includeOldWorkers).toBe(true);
    expect(c.limits).toEqual({ connectTimeoutMs: 2000, readTimeoutMs: 5000, maxResponseBytes: 64 * 1024 * 1024 });
    expect(c.maxConnectionsPerTarget).toBe(2);
    expect(c.output.type).toBe('file'); // auto, with no Elasticsearch host
    expect(c.output.elasticsearch).toMatchObject({
      hosts: [],
      indexMode: 'data_stream',
      bulkMaxSize: 1600,
      maxConcurrentRequests: 2,
      backoffInitMs: 1000,
      backoffMaxMs: 60_000,
      tsdb: 'auto',
      retentionDays: 90,
    });
    expect(c.queue).toEqual({
      type: 'memory',
      maxEvents: 3200,
      disk: { path: '/home/sre/.local/state/hapbeat/spool', maxBytes: 1 << 30, segmentBytes: 16 << 20 },
    });
    expect(c.shutdownTimeoutMs).toBe(10_000);
    expect(c.output.file).toEqual({ path: './data/output', filename: 'hapbeat.ndjson', rotateEveryBytes: 10 * 1024 * 1024, keepFiles: 7 });
    expect(c.namespace).toBe('default');
    expect(c.logLevel).toBe('info');
  });

  it('config/hapbeat.yml states exactly the schema defaults', () => {
    const shipped = loadConfig({ file: 'config/hapbeat.yml', env: {} });
    const defaults = loadConfig({ env: {} });
    expect({ ...shipped, file: undefined }).toEqual({ ...defaults, file: undefined });
    const doc = YAML.parse(readFileSync('config/hapbeat.yml', 'utf8'));
    const keys = (o: Record<string, unknown>, p = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? keys(v as Record<string, unknown>, `${p}${k}.`) : [`${p}${k}`]));
    const schemaKeys = (o: Record<string, unknown>, p = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) => ('default' in (v as object) ? [`${p}${k}`] : schemaKeys(v as Record<string, unknown>, `${p}${k}.`)));
    expect(keys(doc).sort()).toEqual(schemaKeys(schema as unknown as Record<string, unknown>).sort());
  });

  it('applies file < environment < overrides', () => {
    const f = file('a.yml', 'haproxy:\n  period: 30s\n  targets:\n    - /run/a.sock\n    - {address: "127.0.0.1:9999", name: lb2}\n');
    const c1 = loadConfig({ file: f, env: {} });
    expect(c1.periodMs).toBe(30_000);
    expect(c1.targets.map((t) => [t.name, t.mode, t.endpoint.kind])).toEqual([
      ['/run/a.sock', 'master', 'unix'],
      ['lb2', 'master', 'tcp'],
    ]);
    const c2 = loadConfig({ file: f, env: { HAPBEAT_PERIOD: '5s', HAPBEAT_TARGETS: '/run/x.sock, socket:/run/y.sock' } });
    expect(c2.periodMs).toBe(5000);
    expect(c2.targets.map((t) => [t.address, t.mode])).toEqual([
      ['/run/x.sock', 'master'],
      ['socket:/run/y.sock', 'socket'],
    ]);
    const c3 = loadConfig({ file: f, env: { HAPBEAT_PERIOD: '5s' }, overrides: { 'haproxy.period': '1m' } });
    expect(c3.periodMs).toBe(60_000);
  });

  it('takes flags: --target (repeatable), --period, --no-old-workers and -E', () => {
    const c = configFromFlags(
      {
        target: ['/run/a.sock', 'http://admin:pw@127.0.0.1:8404/stats'],
        period: '2s',
        oldWorkers: false,
        setting: ['haproxy.timeouts.read=9s', 'output.file.keep_files=3'],
      },
      {},
    );
    expect(c.targets.map((t) => t.mode)).toEqual(['master', 'http']);
    expect(c.periodMs).toBe(2000);
    expect(c.includeOldWorkers).toBe(false);
    expect(c.limits.readTimeoutMs).toBe(9000);
    expect(c.output.file.keepFiles).toBe(3);
  });

  it.each([
    ['haproxy:\n  period: soon\n', 'haproxy.period: must be a duration such as 500ms, 10s, 1m or 2h'],
    ['haproxy:\n  targets: [ "nonsense" ]\n', 'item 0: invalid HAProxy target address "nonsense"'],
    ['haproxy:\n  targets: [ {address: /a.sock, color: red} ]\n', 'item 0 has an unknown key "color"'],
    ['haproxy:\n  targets: [ {address: /a.sock, mode: magic} ]\n', 'mode must be master, socket or http'],
    ['haproxy:\n  perido: 10s\n', 'haproxy.perido'],
    ['output:\n  type: kafka\n', 'output.type: must be one of'],
    ['data_stream:\n  namespace: Has-Dash\n', 'data_stream.namespace: must be 1-100 lowercase letters'],
    ['haproxy:\n  max_connections_per_target: 50\n', 'the master CLI serves only 10 connections'],
    ['haproxy:\n  period: 10ms\n', 'shorter than 100ms'],
    ['output:\n  elasticsearch:\n    backlog_concurrent_requests: 0\n', 'output.elasticsearch.backlog_concurrent_requests is 0'],
    ['output:\n  elasticsearch:\n    backlog_concurrent_requests: many\n', 'output.elasticsearch.backlog_concurrent_requests'],
    ['- a\n- b\n', 'must hold a mapping of settings'],
    ['haproxy: [unclosed\n', 'is not valid YAML'],
    ['haproxy:\n  period: 1s\nhaproxy:\n  period: 2s\n', 'is not valid YAML'],
    ['haproxy:\n  targets: [/a.sock, {address: /a.sock}]\n', 'two targets share the name "/a.sock"'],
  ])('rejects %j naming the key', (text, msg) => {
    const f = file(`bad-${Math.random()}.yml`, text);
    expect(() => loadConfig({ file: f, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file: f, env: {} })).toThrow(msg);
  });

  it('lists every bad key at once', () => {
    const f = file('multi.yml', 'haproxy:\n  period: soon\noutput:\n  type: kafka\n');
    const msg = (() => {
      try {
        loadConfig({ file: f, env: {} });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(msg).toContain('haproxy.period');
    expect(msg).toContain('output.type');
  });

  it('rejects bad environment values and unknown -E keys', () => {
    expect(() => loadConfig({ env: { HAPBEAT_PERIOD: 'xyz' } })).toThrow('haproxy.period');
    expect(() => configFromFlags({ setting: ['nope.key=1'] }, {})).toThrow('unknown setting "nope.key"');
    expect(() => configFromFlags({ setting: ['novalue'] }, {})).toThrow('is not key=value');
  });

  it('says how to fix a missing file', () => {
    expect(() => loadConfig({ file: '/nonexistent/hapbeat.yml', env: {} })).toThrow('pass the path of an existing hapbeat.yml');
  });

  it('masks secrets in the effective configuration', () => {
    const c = loadConfig({ env: {}, overrides: { 'haproxy.targets': [{ address: 'http://127.0.0.1:1/stats', username: 'u', password: 'hunter2' }] } });
    expect(JSON.stringify(c.effective)).not.toContain('hunter2');
    expect(c.targets[0]!.password).toBe('hunter2');
  });

  it('never throws anything but a HapbeatError on random YAML', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => {
        const f = file('rand.yml', YAML.stringify({ haproxy: v }));
        try {
          loadConfig({ file: f, env: {} });
        } catch (e) {
          expect(e).toBeInstanceOf(HapbeatError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
