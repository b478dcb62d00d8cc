import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsServer } from '../../lab/elasticsearch.js';
import { HaproxyLab } from '../../lab/haproxy.js';
import { HapbeatProcess, hapbeatCli } from './helpers.js';

/** The two roles the README documents: one to run, one to set up. */
const RUN_ROLE = { cluster: ['monitor'], indices: [{ names: ['metrics-haproxy.*'], privileges: ['create_doc', 'auto_configure'] }] };
const SETUP_ROLE = {
  cluster: ['monitor', 'manage_index_templates', 'manage_ilm', 'manage_watcher'],
  indices: [{ names: ['metrics-haproxy.*'], privileges: ['manage'] }],
};

const SU = { username: 'hapbeat-admin', password: 'Adm1n-only-for-tests' };
const USERS = {
  run: { username: 'hapbeat-run', password: 'Run-pw-only-for-tests', roles: ['hapbeat_run'] },
  setup: { username: 'hapbeat-setup', password: 'Setup-pw-only-for-tests', roles: ['hapbeat_setup'] },
};

/**
 * Elasticsearch with security on (the test distribution has x-pack-security), and the two documented roles.
 * The roles are file roles held by file-realm users: this distribution cannot create the .security index (its
 * mapping needs the analysis-common module, which is left out), so API keys, native users and native roles do
 * not exist here; the first test records that. `run` works with the run role; `setup` needs the setup role.
 * Secrets (password, API key, bearer token) never show in output, logs or error messages.
 */
describe('least privilege on a real Elasticsearch with security on', () => {
  let es: EsServer;
  let lab: HaproxyLab;
  const secrets = [SU.password, USERS.run.password, USERS.setup.password];
  beforeAll(async () => {
    es = await EsServer.start({ superuser: SU, users: Object.values(USERS), roles: { hapbeat_run: RUN_ROLE, hapbeat_setup: SETUP_ROLE } });
    lab = await HaproxyLab.start();
  }, 240_000);
  afterAll(async () => {
    await HapbeatProcess.killAll();
    await lab?.stop();
    await es?.destroy();
  });

  const asKey = (k: 'run' | 'setup') => ({ HAPBEAT_ES_USERNAME: USERS[k].username, HAPBEAT_ES_PASSWORD: USERS[k].password });

  it('API keys cannot be made on this distribution (no .security index); the roles are the same either way', async () => {
    await expect(es.request('POST', '/_security/api_key', { name: 'hapbeat-run', role_descriptors: { hapbeat_run: RUN_ROLE } })).rejects.toThrow(
      /HTTP 400 .*Unknown filter type \[pattern_capture\]/,
    );
    // The file roles are in force: the run user holds exactly what run needs, and no more.
    const auth = {
      authorization: `Basic ${Buffer.from(`${USERS.run.username}:${USERS.run.password}`).toString('base64')}`,
      'content-type': 'application/json',
    };
    const res = await fetch(`${es.url}/_security/user/_has_privileges`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        cluster: ['monitor', 'manage_index_templates'],
        index: [{ names: ['metrics-haproxy.stat-x'], privileges: ['create_doc', 'auto_configure', 'read', 'delete'] }],
      }),
    });
    const priv = (await res.json()) as { cluster: Record<string, boolean>; index: Record<string, Record<string, boolean>> };
    expect(priv.cluster).toEqual({ monitor: true, manage_index_templates: false });
    expect(priv.index['metrics-haproxy.stat-x']).toEqual({ create_doc: true, auto_configure: true, read: false, delete: false });
  });
  const noSecret = (text: string) => {
    for (const s of secrets) expect(text).not.toContain(s);
  };

  it('setup needs the setup role: with the run role it fails and names what is missing', async () => {
    const refused = await hapbeatCli(['setup', '--es', es.url], asKey('run'));
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/403|privilege|unauthorized/i);
    noSecret(refused.stdout + refused.stderr);
    const ok = await hapbeatCli(['setup', '--es', es.url], asKey('setup'));
    expect({ code: ok.code, out: ok.stderr.slice(-500) }).toMatchObject({ code: 0 });
    noSecret(ok.stdout + ok.stderr);
  });

  it('test output passes with the run role (it notes that this user may not run setup)', async () => {
    const t = await hapbeatCli(['test', 'output', '--es', es.url], asKey('run'));
    expect({ code: t.code, out: t.stdout }).toMatchObject({ code: 0 });
    expect(t.stdout).toContain('ok    privileges run needs: cluster monitor, create_doc and auto_configure on metrics-haproxy.*');
    expect(t.stdout).toContain('note  this user may not run "hapbeat setup" (it lacks cluster manage_index_templates, manage on metrics-haproxy.*)');
    noSecret(t.stdout + t.stderr);
  });

  it('run works with the run role: every document polled is indexed', async () => {
    const ns = 'leastpriv';
    const hb = new HapbeatProcess(
      ['-t', lab.masterSocket, '--es', es.url, '--namespace', ns, '--period', '300ms'],
      mkdtempSync(path.join(os.tmpdir(), 'hapbeat-lp-')),
      { env: asKey('run') },
    );
    await hb.waitPolls(4);
    expect(await hb.stop()).toBe(0);
    const c = hb.lastCounters()!;
    expect(c.output_dropped).toBe(0);
    expect(c.output_acked).toBe(c.output_queued);
    const p = hb.polled();
    await es.request('POST', `/metrics-haproxy.*-${ns}/_refresh`);
    const stat = await es.request<{ count: number }>('GET', `/metrics-haproxy.stat-${ns}/_count`);
    expect(stat.count).toBe(p.stat);
    noSecret(hb.logs);
  });

  it('no secret shows in test config, whether set by flag, variable or URL', async () => {
    const key = Buffer.from(`id:${SU.password}-key`).toString('base64');
    const token = `${SU.password}-token`;
    // Each authentication alone is a valid configuration: printed, with the secret replaced.
    for (const [setting, env] of <[string, Record<string, string>][]>[
      ['password', { HAPBEAT_ES_USERNAME: USERS.run.username, HAPBEAT_ES_PASSWORD: USERS.run.password }],
      ['api_key', { HAPBEAT_ES_API_KEY: key }],
      ['bearer_token', { HAPBEAT_ES_BEARER_TOKEN: token }],
    ]) {
      const tc = await hapbeatCli(['test', 'config', '-E', `setup.kibana.password=${SU.password}`], env);
      expect({ setting, code: tc.code }).toEqual({ setting, code: 0 });
      expect(tc.stdout).toContain(`${setting}: "[redacted]"`);
      for (const secret of [...secrets, key, token]) expect(tc.stdout + tc.stderr).not.toContain(secret);
    }
    // Credentials written in a URL: the user-info is masked.
    const url = await hapbeatCli(['test', 'config', '-E', `output.elasticsearch.hosts=http://elastic:${SU.password}@127.0.0.1:9200`]);
    expect(url.code).toBe(0);
    expect(url.stdout).toContain('http://***@127.0.0.1:9200');
    noSecret(url.stdout + url.stderr);
    // Three ways at once is a configuration error (exit 2); its message repeats none of them.
    const all = await hapbeatCli(['test', 'config'], { HAPBEAT_ES_PASSWORD: USERS.run.password, HAPBEAT_ES_API_KEY: key, HAPBEAT_ES_BEARER_TOKEN: token });
    expect(all.code).toBe(2);
    expect(all.stderr).toContain('more than one Elasticsearch authentication is set');
    for (const secret of [...secrets, key, token]) expect(all.stdout + all.stderr).not.toContain(secret);
  });

  it('a wrong key, password or bearer token is refused with a message that does not repeat it', async () => {
    for (const env of <Record<string, string>[]>[
      { HAPBEAT_ES_API_KEY: Buffer.from(`x:${SU.password}`).toString('base64') }, // refused: no such key
      { HAPBEAT_ES_USERNAME: SU.username, HAPBEAT_ES_PASSWORD: `${SU.password}-wrong` },
      { HAPBEAT_ES_BEARER_TOKEN: `${SU.password}-token` },
    ]) {
      const r = await hapbeatCli(['test', 'output', '--es', es.url], env);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/401|credentials|refused/i);
      const all = r.stdout + r.stderr;
      for (const v of Object.values(env)) if (v !== SU.username) expect(all).not.toContain(v);
      noSecret(all);
    }
  });
});
