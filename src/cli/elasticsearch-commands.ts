import path from 'node:path';
import type { HapbeatConfig } from '../config/load.js';
import { checkSpoolDir } from '../pipeline/spool.js';
import { ConfigError } from '../config/load.js';
import { createClient, describeHosts } from '../output/elasticsearch/client.js';
import { describeFailure } from '../output/elasticsearch/elasticsearch-output.js';
import { describeCapabilities, detectCapabilities, runSetup } from '../elastic/setup.js';
import { templateName } from '../elastic/templates.js';
import { DATASETS } from '../fields/datasets.js';
import { checkDestinations, missingPrivileges, runPrivileges, setupPrivileges, writePattern } from '../elastic/preflight.js';
import { importSavedObjects } from '../elastic/kibana-import.js';
import { installWatches, watcherUnavailable } from '../elastic/watcher.js';
import { watchDefinitions } from '../elastic/watches.js';
import { kibanaNdjson } from '../kibana/objects.js';

function requireHosts(config: HapbeatConfig): void {
  if (config.output.elasticsearch.hosts.length === 0) {
    throw new ConfigError(
      'no Elasticsearch host is configured',
      'set output.elasticsearch.hosts in the config file, HAPBEAT_ES_HOSTS, or -E output.elasticsearch.hosts=http://127.0.0.1:9200',
    );
  }
}

export interface SetupParts {
  templates: boolean;
  dashboards: boolean;
  watches: boolean;
}

/**
 * `hapbeat setup [--templates] [--dashboards] [--watches] [--dry-run]`: the index templates (the default),
 * the Kibana saved objects, the Watcher alerts. Prints what it installs, skips, or would send, object by
 * object. Returns the exit code.
 */
export async function setupCommand(
  config: HapbeatConfig,
  dryRun: boolean,
  out: NodeJS.WritableStream,
  parts: SetupParts = { templates: true, dashboards: false, watches: false },
): Promise<number> {
  let failed = 0;
  if (parts.templates) failed += await setupTemplates(config, dryRun, out);
  if (parts.dashboards) failed += await setupDashboards(config, dryRun, out);
  if (parts.watches) failed += await setupWatches(config, dryRun, out);
  return failed ? 1 : 0;
}

async function setupDashboards(config: HapbeatConfig, dryRun: boolean, out: NodeJS.WritableStream): Promise<number> {
  const k = config.kibana;
  const es = config.output.elasticsearch;
  const auth = k.apiKey ? { apiKey: k.apiKey } : k.username ? { username: k.username, password: k.password } : es.auth && 'username' in es.auth ? es.auth : {};
  const ndjson = kibanaNdjson();
  if (dryRun) {
    out.write(
      `would POST ${k.host || '<setup.kibana.host>'}${k.space ? `/s/${k.space}` : ''}/api/saved_objects/_import?overwrite=true with ${ndjson.trim().split('\n').length} saved objects (hapbeat export dashboards prints them)\n`,
    );
    return 0;
  }
  try {
    const r = await importSavedObjects({ host: k.host, space: k.space, ...auth }, ndjson);
    for (const o of r.objects)
      out.write(o.ok ? `ok    Kibana ${o.type} ${o.id}${o.title ? ` (${o.title})` : ''}\n` : `FAIL  Kibana ${o.type} ${o.id}: ${o.error}\n`);
    const bad = r.objects.filter((o) => !o.ok).length;
    out.write(bad ? `${bad} saved object(s) were not imported\n` : `Dashboards imported: ${r.objects.length} saved objects.\n`);
    return bad ? 1 : 0;
  } catch (err) {
    out.write(`FAIL  ${(err as Error).message}\n`);
    return 1;
  }
}

async function setupWatches(config: HapbeatConfig, dryRun: boolean, out: NodeJS.WritableStream): Promise<number> {
  requireHosts(config);
  const defs = watchDefinitions(config.watches);
  if (dryRun) {
    for (const d of defs) out.write(`would PUT /_watcher/watch/${d.id}  # ${d.title}\n${JSON.stringify(d.watch, null, 2)}\n`);
    return 0;
  }
  const client = createClient(config.output.elasticsearch);
  try {
    const why = await watcherUnavailable(client);
    if (why) {
      out.write(`FAIL  ${why}\n`);
      return 1;
    }
    const results = await installWatches(client, defs);
    for (const r of results) out.write(r.ok ? `ok    PUT /_watcher/watch/${r.id}\n` : `FAIL  PUT /_watcher/watch/${r.id}: ${r.error}\n`);
    return results.some((r) => !r.ok) ? 1 : 0;
  } catch (err) {
    out.write(`FAIL  ${describeFailure(err).message}\n`);
    return 1;
  } finally {
    await client.close();
  }
}

async function setupTemplates(config: HapbeatConfig, dryRun: boolean, out: NodeJS.WritableStream): Promise<number> {
  requireHosts(config);
  const es = config.output.elasticsearch;
  const client = createClient(es);
  try {
    let report;
    try {
      report = await runSetup(client, es, dryRun);
    } catch (err) {
      out.write(`FAIL  cannot read the cluster's capabilities from ${describeHosts(es.hosts)}: ${describeFailure(err).message}\n`);
      return 1;
    }
    for (const l of describeCapabilities(report.capabilities)) out.write(`${l}\n`);
    let failed = 0;
    for (const s of report.steps) {
      if (s.skipped) out.write(`skip  ${s.what}: ${s.skipped}\n`);
      else if (dryRun) out.write(`would ${s.method} ${s.path}  # ${s.what}\n${JSON.stringify(s.body, null, 2)}\n`);
      else if (s.result === 'installed') out.write(`ok    ${s.method} ${s.path}  ${s.what}\n`);
      else {
        failed++;
        out.write(`FAIL  ${s.method} ${s.path}  ${s.what}: ${s.error}\n`);
      }
    }
    out.write(dryRun ? 'Dry run: nothing was sent.\n' : failed ? `${failed} step(s) failed\n` : 'Setup done.\n');
    return failed;
  } finally {
    await client.close();
  }
}

/** `hapbeat test output`: connectivity, version, authentication and privileges, each failure with a fix. */
export async function testOutputCommand(config: HapbeatConfig, out: NodeJS.WritableStream): Promise<number> {
  requireHosts(config);
  const es = config.output.elasticsearch;
  const client = createClient(es);
  let problems = 0;
  const fail = (msg: string) => {
    problems++;
    out.write(`FAIL  ${msg}\n`);
  };
  try {
    out.write(`Elasticsearch at ${describeHosts(es.hosts)}\n`);
    try {
      const h = (await client.cluster.health({}, { maxRetries: 0 })) as { status: string; cluster_name: string };
      out.write(`ok    reachable: cluster "${h.cluster_name}", status ${h.status}\n`);
      if (h.status === 'red') fail('the cluster is red: some primary shards are unassigned');
    } catch (err) {
      const f = describeFailure(err);
      fail(`${f.message}${f.status === undefined ? ': check output.elasticsearch.hosts, the network and TLS settings (ssl.ca_file, ssl.verify)' : ''}`);
      return 1;
    }
    const caps = await detectCapabilities(client);
    out.write(`ok    ${describeCapabilities(caps).join('\n      ')}\n`);
    if (caps.major < 8) fail(`Elasticsearch ${caps.version} is older than 8.0; hapbeat needs 8.x or 9.x`);
    try {
      const me = (await client.security.authenticate({}, { maxRetries: 0 })) as { username: string };
      out.write(`ok    authenticated as "${me.username}"\n`);
      type Privileges = { has_all_requested: boolean; cluster: Record<string, boolean>; index: Record<string, Record<string, boolean>> };
      const run = (await client.security.hasPrivileges(runPrivileges(es), { maxRetries: 0 })) as Privileges;
      if (run.has_all_requested) out.write(`ok    privileges run needs: cluster monitor, create_doc and auto_configure on ${writePattern(es)}\n`);
      else fail(`missing privileges that run needs: ${missingPrivileges(run).join(', ')}: grant them to this user's role`);
      // setup's privileges are for another user, often: a note, not a failure.
      const setup = (await client.security.hasPrivileges(setupPrivileges(es, caps), { maxRetries: 0 })) as Privileges;
      if (setup.has_all_requested) out.write('ok    this user may also run "hapbeat setup"\n');
      else out.write(`note  this user may not run "hapbeat setup" (it lacks ${missingPrivileges(setup).join(', ')}): run setup with a user that has them\n`);
    } catch (err) {
      const f = describeFailure(err);
      if (f.status === 401) fail('authentication failed: check output.elasticsearch.username/password, api_key or bearer_token');
      else if (
        /security must be explicitly enabled|Security is disabled|security_exception.*not enabled/i.test(f.message) ||
        f.status === 500 ||
        f.status === 400 ||
        f.status === 404 ||
        f.status === 405
      ) {
        out.write('ok    security is off on this cluster: no authentication or privileges to check\n');
      } else fail(f.message);
    }
    for (const ds of DATASETS) {
      const name = templateName(ds, es.indexMode);
      const exists = await client.indices.existsIndexTemplate({ name }).catch(() => false);
      if (exists) out.write(`ok    index template ${name} is installed\n`);
      else if (es.installTemplates)
        out.write(`note  index template ${name} is missing: "hapbeat run" installs it at start (setup.template.enabled), or run "hapbeat setup"\n`);
      else fail(`index template ${name} is missing: run "hapbeat setup"`);
    }
    try {
      const wrong = await checkDestinations(client, es, config.namespace);
      for (const p of wrong) fail(p);
      if (wrong.length === 0) out.write(`ok    the destinations of namespace "${config.namespace}" are absent or mapped as hapbeat needs\n`);
    } catch (err) {
      const f = describeFailure(err);
      if (f.status === 403)
        out.write('note  the existing destinations were not checked: this user may not read index metadata (view_index_metadata), which run does not need\n');
      else fail(`cannot check the destinations: ${f.message}`);
    }
  } finally {
    await client.close();
  }
  reportQueue(config, out, fail);
  out.write(problems === 0 ? 'Output OK\n' : `${problems} problem(s) found\n`);
  return problems === 0 ? 0 : 1;
}

/** The disk queue's directory: writable, and how much room it has. */
function reportQueue(config: HapbeatConfig, out: NodeJS.WritableStream, fail: (msg: string) => void): void {
  if (config.queue.type !== 'disk') {
    out.write('note  queue.type is memory: documents waiting for Elasticsearch are lost on a crash or a restart\n');
    return;
  }
  const dir = path.resolve(config.queue.disk.path);
  const c = checkSpoolDir(dir, config.queue.disk.maxBytes);
  if (c.error) fail(c.error.message);
  else {
    out.write(`ok    disk queue ${dir} is writable${c.freeBytes !== undefined ? ` (${Math.floor(c.freeBytes / 1048576)} MiB free)` : ''}\n`);
    if (c.warning) out.write(`warn  ${c.warning}\n`);
  }
}
