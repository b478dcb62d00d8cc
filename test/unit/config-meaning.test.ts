import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { configFromFlags } from '../../src/cli/options.js';
import { main } from '../../src/cli/main.js';
import { Writable } from 'node:stream';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-meaning-'));
const yaml = (text: string) => {
  const p = path.join(tmp, `c${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(p, text);
  return p;
};
const fails = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (f(c.toString()), cb()) });
  const code = await main(['node', 'hapbeat', ...argv], { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) });
  return { code, out, err };
}

describe('booleans mean what a person meant', () => {
  it.each([
    ['no', false],
    ['off', false],
    ['false', false],
    ['No', false],
    ['OFF', false],
    ['yes', true],
    ['on', true],
    ['true', true],
  ])('include_old_workers: %s is %s (file, environment and -E alike)', (word, want) => {
    expect(loadConfig({ file: yaml(`haproxy:\n  include_old_workers: ${word}\n`), env: {} }).includeOldWorkers).toBe(want);
    expect(loadConfig({ env: { HAPBEAT_INCLUDE_OLD_WORKERS: word } }).includeOldWorkers).toBe(want);
    expect(configFromFlags({ setting: [`haproxy.include_old_workers=${word}`] }, {}).includeOldWorkers).toBe(want);
  });

  it.each(['maybe', 'nope', '2', 'enabled'])('rejects %j, naming the setting and the accepted words', (word) => {
    expect(fails(() => loadConfig({ file: yaml(`haproxy:\n  include_old_workers: ${word}\n`), env: {} }))).toContain(
      `haproxy.include_old_workers: must be true or false (yes/no, on/off), not "${word}"`,
    );
    expect(fails(() => loadConfig({ env: { HAPBEAT_INCLUDE_OLD_WORKERS: word } }))).toContain('haproxy.include_old_workers: must be true or false');
  });
});

describe('durations need a unit', () => {
  it.each([
    ['haproxy.timeouts.read', '5'],
    ['haproxy.period', '5'],
    ['shutdown_timeout', '10'],
    ['output.elasticsearch.timeout', '90'],
  ])('%s: %s is rejected, with the unit to write', (key, v) => {
    expect(fails(() => configFromFlags({ setting: [`${key}=${v}`] }, {}))).toContain(`${key}: "${v}" has no unit: write ${v}s (or 500ms, 1m, 2h)`);
  });

  it('in the file too', () => {
    expect(fails(() => loadConfig({ file: yaml('haproxy:\n  timeouts:\n    read: 5\n'), env: {} }))).toContain(
      'haproxy.timeouts.read: "5" has no unit: write 5s',
    );
  });
});

describe("-E values are read by the setting's type, not by their look", () => {
  it('a digits-only password stays a string; tsdb=false is the word false', () => {
    const c = configFromFlags(
      { setting: ['output.elasticsearch.username=elastic', 'output.elasticsearch.password=123456', 'output.elasticsearch.tsdb=false'] },
      {},
    );
    expect(c.output.elasticsearch.auth).toEqual({ username: 'elastic', password: '123456' });
    expect(c.output.elasticsearch.tsdb).toBe(false);
  });

  it('numbers for counts, lists for lists, text for text', () => {
    const c = configFromFlags(
      { setting: ['output.elasticsearch.bulk_max_size=500', 'haproxy.targets=/a.sock,/b.sock', 'agent.name=0123', 'data_stream.namespace=007'] },
      {},
    );
    expect(c.output.elasticsearch.bulkMaxSize).toBe(500);
    expect(c.targets.map((t) => t.address)).toEqual(['/a.sock', '/b.sock']);
    expect(c.agentName).toBe('0123');
    expect(c.namespace).toBe('007');
    expect(fails(() => configFromFlags({ setting: ['output.elasticsearch.bulk_max_size=lots'] }, {}))).toContain('output.elasticsearch.bulk_max_size');
  });
});

describe('unknown keys get a suggestion', () => {
  it.each([
    ['-E', () => configFromFlags({ setting: ['haproxy.perod=5s'] }, {}), 'unknown setting "haproxy.perod": did you mean haproxy.period?'],
    ['-E, last part only', () => configFromFlags({ setting: ['period=5s'] }, {}), 'unknown setting "period": did you mean haproxy.period?'],
    ['file', () => loadConfig({ file: yaml('haproxy:\n  perod: 5s\n'), env: {} }), "'haproxy.perod' not declared in the schema: did you mean haproxy.period?"],
    ['file, renamed', () => loadConfig({ file: yaml('output:\n  elasticsearch:\n    spool:\n      path: /x\n'), env: {} }), 'it is now "queue.disk.path"'],
  ])('%s', (_where, f, want) => {
    expect(fails(f)).toContain(want);
  });
});

describe('the data directory does not depend on the working directory', () => {
  it('defaults to STATE_DIRECTORY (systemd), else XDG_STATE_HOME/hapbeat, else ~/.local/state/hapbeat', () => {
    expect(loadConfig({ env: { STATE_DIRECTORY: '/var/lib/hapbeat:/other' } }).dataPath).toBe('/var/lib/hapbeat');
    expect(loadConfig({ env: { XDG_STATE_HOME: '/x/state' } }).dataPath).toBe('/x/state/hapbeat');
    expect(loadConfig({ env: { HOME: '/home/sre' } }).dataPath).toBe('/home/sre/.local/state/hapbeat');
    const c = loadConfig({ env: { HOME: '/home/sre' } });
    expect(c.queue.disk.path).toBe('/home/sre/.local/state/hapbeat/spool');
    expect(c.output.elasticsearch.deadLetterPath).toBe('/home/sre/.local/state/hapbeat/dead-letter/hapbeat-dead-letter.ndjson');
  });

  it('test config says where it is', async () => {
    const r = await cli(['test', 'config', '-E', 'path.data=/srv/hb']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Data directory: /srv/hb (agent id; disk queue in /srv/hb/spool)');
  });
});

describe('the command line', () => {
  it('--log-level fatal, as config/hapbeat.yml documents it', async () => {
    expect((await cli(['test', 'config', '--log-level', 'fatal'])).code).toBe(0);
  });

  it('every usage error exits 2: an unknown option, a bad value, a bad setting', async () => {
    const unknown = await cli(['run', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown option '--bogus'");
    expect((await cli(['run', '--log-level', 'loud'])).code).toBe(2);
    expect((await cli(['test', 'config', '-E', 'haproxy.period=5'])).code).toBe(2);
    expect((await cli(['--help'])).code).toBe(0);
  });

  it('each command lists and takes only the flags that apply to it', async () => {
    const setup = await cli(['setup', '--help']);
    expect(setup.out).toContain('--es <url>');
    expect(setup.out).not.toContain('--target');
    expect(setup.out).not.toContain('--period');
    expect(setup.out).not.toContain('--no-old-workers');
    expect(setup.out).not.toContain('--output-path');
    expect((await cli(['setup', '--target', '/x.sock'])).code).toBe(2);
    const once = await cli(['once', '--help']);
    expect(once.out).not.toContain('--output ');
    expect(once.out).not.toContain('--es ');
    const r = await cli(['once', '--target', '/nonexistent.sock', '--es', 'http://127.0.0.1:9']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--es'");
  });
});
