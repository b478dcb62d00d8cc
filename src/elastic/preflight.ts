import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../config/load.js';
import { HapbeatError } from '../errors.js';
import type { Dataset } from '../fields/datasets.js';
import { datasetFields } from './mappings.js';
import { runSetup } from './setup.js';
import { DATASETS, destination, templateName } from './templates.js';

/** Elasticsearch refused hapbeat's credentials or lacks a privilege: fatal at start, like any configuration error. */
export class ElasticsearchAccessError extends HapbeatError {
  constructor(message: string, hint: string) {
    super('HAPBEAT_ERR_ELASTICSEARCH_ACCESS_DENIED', message, { hint });
  }
}

const statusOf = (err: unknown) => (err as { meta?: { statusCode?: number } }).meta?.statusCode;

/** Where run writes, as an index pattern: the data streams, or the daily indices of index_mode: index. */
export function writePattern(es: Pick<ElasticsearchConfig, 'indexMode'>): string {
  return es.indexMode === 'data_stream' ? 'metrics-haproxy.*' : 'hapbeat-haproxy.*';
}

/**
 * The privileges `run` needs, and nothing more: cluster `monitor` (versions, modules and health during an
 * outage) and, where it writes, `create_doc` and `auto_configure` (a data stream is created on first write).
 */
export function runPrivileges(es: Pick<ElasticsearchConfig, 'indexMode'>): { cluster: string[]; index: { names: string[]; privileges: string[] }[] } {
  return { cluster: ['monitor'], index: [{ names: [writePattern(es)], privileges: ['create_doc', 'auto_configure'] }] };
}

/** The privileges `setup` needs on top: templates, and the ILM policy and watches where the cluster has them. */
export function setupPrivileges(
  es: Pick<ElasticsearchConfig, 'indexMode'>,
  caps: { ilm: boolean; watcher: boolean },
): { cluster: string[]; index: { names: string[]; privileges: string[] }[] } {
  return {
    cluster: ['monitor', 'manage_index_templates', ...(caps.ilm ? ['manage_ilm'] : []), ...(caps.watcher ? ['manage_watcher'] : [])],
    index: [{ names: [writePattern(es)], privileges: ['manage'] }],
  };
}

/** What a has_privileges answer lacks, as "cluster x" and "y on pattern". */
export function missingPrivileges(priv: { cluster?: Record<string, boolean>; index?: Record<string, Record<string, boolean>> }): string[] {
  return [
    ...Object.entries(priv.cluster ?? {})
      .filter(([, v]) => !v)
      .map(([k]) => `cluster ${k}`),
    ...Object.entries(priv.index ?? {}).flatMap(([n, p]) =>
      Object.entries(p)
        .filter(([, v]) => !v)
        .map(([k]) => `${k} on ${n}`),
    ),
  ];
}

/**
 * Authentication and the privileges `run` needs (runPrivileges). Throws ElasticsearchAccessError on a 401 or a
 * missing privilege; returns quietly when the cluster has no security, and throws the transport error as it is
 * when the cluster cannot be reached (the caller decides).
 */
export async function checkAccess(client: Client, es: Pick<ElasticsearchConfig, 'indexMode'>): Promise<string | undefined> {
  let user: string | undefined;
  try {
    user = ((await client.security.authenticate({}, { maxRetries: 0, requestTimeout: 10_000 })) as { username: string }).username;
  } catch (err) {
    const status = statusOf(err);
    if (status === 401) {
      throw new ElasticsearchAccessError(
        'Elasticsearch refused the credentials (401)',
        'check output.elasticsearch.username/password, api_key or bearer_token; "hapbeat test output" checks them',
      );
    }
    if (status === 403) {
      throw new ElasticsearchAccessError(
        'Elasticsearch refused access (403)',
        'check the user or API key and its role; "hapbeat test output" lists the privileges run needs',
      );
    }
    if (status !== undefined && status >= 400 && status < 500) return undefined; // no security API: security is off
    throw err;
  }
  const need = runPrivileges(es);
  const priv = (await client.security.hasPrivileges(need, { maxRetries: 0, requestTimeout: 10_000 })) as {
    has_all_requested: boolean;
    cluster: Record<string, boolean>;
    index: Record<string, Record<string, boolean>>;
  };
  if (!priv.has_all_requested) {
    throw new ElasticsearchAccessError(
      `the Elasticsearch user "${user}" lacks ${missingPrivileges(priv).join(', ')}`,
      `grant them to its role: run needs cluster monitor, and create_doc and auto_configure on ${writePattern(es)} ("hapbeat test output" lists what is missing)`,
    );
  }
  return user;
}

/** Index templates missing from the cluster, by dataset. */
export async function missingTemplates(client: Client, es: ElasticsearchConfig): Promise<string[]> {
  const missing: string[] = [];
  for (const ds of DATASETS) {
    const name = templateName(ds, es.indexMode);
    if (!(await client.indices.existsIndexTemplate({ name }, { maxRetries: 0 }))) missing.push(name);
  }
  return missing;
}

/**
 * Installs hapbeat's templates when any is missing, as Beats do at start (setup.template.enabled). Returns what
 * it did, for the log; throws the step's error when the user may not manage templates.
 */
export async function ensureTemplates(client: Client, es: ElasticsearchConfig): Promise<{ installed: string[]; missing: string[] }> {
  const missing = await missingTemplates(client, es);
  if (missing.length === 0 || !es.installTemplates) return { installed: [], missing };
  const report = await runSetup(client, es, false);
  const failed = report.steps.filter((s) => s.result === 'failed');
  if (failed.length > 0) {
    throw new HapbeatError(
      'HAPBEAT_ERR_TEMPLATES_NOT_INSTALLED',
      `cannot install hapbeat's index templates (${failed[0]!.method} ${failed[0]!.path}: ${failed[0]!.error})`,
      {
        hint: 'run "hapbeat setup" once with a user that may manage index templates, or set setup.template.enabled: false and install them yourself',
      },
    );
  }
  return { installed: report.steps.filter((s) => s.result === 'installed').map((s) => s.path), missing };
}

/**
 * Where documents will go that already exists with the wrong kind or mapping: a plain index where a data
 * stream belongs, or a data stream created before the templates (dynamic mappings: `status` as text).
 * Each problem says how to fix it.
 */
export async function checkDestinations(client: Client, es: ElasticsearchConfig, namespace: string, now = Date.now()): Promise<string[]> {
  const problems: string[] = [];
  for (const ds of DATASETS) {
    const name = destination(ds, namespace, es.indexMode, now);
    let resolved: { indices?: { name: string }[]; data_streams?: { name: string; backing_indices: string[] }[] };
    try {
      resolved = (await client.transport.request({ method: 'GET', path: `/_resolve/index/${encodeURIComponent(name)}` }, { maxRetries: 0 })) as typeof resolved;
    } catch (err) {
      if (statusOf(err) === 404) continue;
      throw err;
    }
    const stream = resolved.data_streams?.find((d) => d.name === name);
    const index = resolved.indices?.find((i) => i.name === name);
    if (es.indexMode === 'data_stream' && index && !stream) {
      problems.push(
        `${name} is a plain index, not a data stream: it was created by indexing before hapbeat's templates existed. Delete it (DELETE /${name}) or reindex its documents elsewhere first; hapbeat then creates the data stream from its template`,
      );
      continue;
    }
    const writeIndex = stream ? stream.backing_indices.at(-1)! : index ? name : undefined;
    if (!writeIndex) continue;
    const mapping = (await client.indices.getMapping({ index: writeIndex }, { maxRetries: 0 })) as Record<
      string,
      { mappings?: { properties?: Record<string, unknown> } }
    >;
    const wrong = wrongFields(ds, mapping[writeIndex]?.mappings?.properties ?? {});
    if (wrong.length > 0) {
      const fix = stream
        ? `roll it over so that a new backing index takes hapbeat's template (POST /${name}/_rollover, after "hapbeat setup"), or delete it (DELETE /_data_stream/${name})`
        : `delete it (DELETE /${name}) after "hapbeat setup", or wait for tomorrow's index`;
      problems.push(
        `${name} maps ${wrong.slice(0, 3).join(', ')}${wrong.length > 3 ? ` and ${wrong.length - 3} more field(s)` : ''}: it was created before hapbeat's templates. Fix: ${fix}`,
      );
    }
  }
  return problems;
}

/** Fields whose mapped type differs from hapbeat's, as "field as text, not keyword". */
function wrongFields(ds: Dataset, properties: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const f of datasetFields(ds)) {
    let node: unknown = { properties };
    for (const part of f.path.split('.')) node = (node as { properties?: Record<string, unknown> } | undefined)?.properties?.[part];
    const actual = (node as { type?: string } | undefined)?.type;
    if (actual !== undefined && actual !== f.type) out.push(`${f.path} as ${actual}, not ${f.type}`);
  }
  return out;
}

/**
 * What `run` does before polling, for the Elasticsearch output: refuses to start on a 401 or a missing
 * privilege (throws ElasticsearchAccessError); installs missing templates; reports destinations that exist
 * with the wrong kind or mapping. An unreachable cluster is not an error here: the documents wait in the disk
 * queue, and the templates are checked on first contact.
 */
export async function preflight(
  client: Client,
  es: ElasticsearchConfig,
  namespace: string,
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void },
): Promise<void> {
  try {
    await checkAccess(client, es);
  } catch (err) {
    if (err instanceof ElasticsearchAccessError) throw err;
    log.warn(
      { error: { message: (err as Error).message } },
      `cannot reach Elasticsearch at start (${(err as Error).message}); polling starts anyway: documents wait in the queue, and the templates are checked on first contact`,
    );
    return;
  }
  try {
    const r = await ensureTemplates(client, es);
    if (r.installed.length > 0) log.info({ installed: r.installed }, `hapbeat's index templates were missing ("hapbeat setup" was not run); installed them`);
    else if (r.missing.length > 0)
      log.error(
        { missing: r.missing },
        `index templates ${r.missing.join(', ')} are missing and setup.template.enabled is false: new data streams get dynamic mappings; run "hapbeat setup"`,
      );
  } catch (err) {
    log.error({ error: { message: (err as Error).message } }, (err as Error).message);
  }
  try {
    for (const p of await checkDestinations(client, es, namespace)) log.error({}, p);
  } catch (err) {
    if (statusOf(err) === 403) {
      // A least-privilege user (create_doc and auto_configure only) may not read index metadata: nothing to fix.
      log.info({}, 'the existing destinations were not checked: this user may not read index metadata (view_index_metadata), which run does not need');
    } else log.error({ error: { message: (err as Error).message } }, (err as Error).message);
  }
}
