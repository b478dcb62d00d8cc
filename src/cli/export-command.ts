import type { HapbeatConfig } from '../config/load.js';
import { ConfigError } from '../config/load.js';
import { capabilitiesFrom } from '../elastic/capabilities.js';
import { assetOptions } from '../elastic/setup.js';
import { ilmPolicy, ILM_EVENTS_POLICY, ILM_POLICY, setupSteps } from '../elastic/templates.js';
import { watchDefinitions } from '../elastic/watches.js';
import { kibanaNdjson } from '../kibana/objects.js';

export const EXPORT_KINDS = ['template', 'ilm-policy', 'dashboards', 'watches'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** A full Elasticsearch of this version (ILM, TSDB, data streams), as export assumes with no cluster to ask. */
function assumedCapabilities(version: string) {
  return capabilitiesFrom({ nodes: { n: { version, modules: ['x-pack-ilm', 'data-streams', 'x-pack-watcher', 'x-pack-core'].map((name) => ({ name })) } } });
}

/** A request in the form Kibana's Dev Tools console takes: the method and path, then the JSON body. */
const devTools = (method: string, path: string, body: unknown) => `${method} ${path.replace(/^\//, '')}\n${JSON.stringify(body, null, 2)}\n`;

/**
 * `hapbeat export <kind>`: what setup would send, with no cluster at all, for locked-down production where
 * someone else applies it. Templates, the ILM policy and watches come out in Dev Tools form (paste into the
 * console, or replay with curl); dashboards as the NDJSON Kibana's import takes.
 */
export function exportText(kind: string, config: HapbeatConfig, esVersion: string): string {
  if (!(EXPORT_KINDS as readonly string[]).includes(kind)) {
    throw new ConfigError(`unknown export "${kind}"`, `export one of: ${EXPORT_KINDS.join(', ')}`);
  }
  if (!/^\d+\.\d+\.\d+$/.test(esVersion))
    throw new ConfigError(`--es-version ${JSON.stringify(esVersion)} is not a version such as 8.19.0`, 'give the version of the cluster it is meant for');
  const es = config.output.elasticsearch;
  switch (kind as ExportKind) {
    case 'template':
      return setupSteps(assumedCapabilities(esVersion), assetOptions(es))
        .filter((s) => !s.skipped && !s.path.startsWith('/_ilm/'))
        .map((s) => devTools(s.method, s.path, s.body))
        .join('\n');
    case 'ilm-policy':
      return [
        devTools('PUT', `/_ilm/policy/${ILM_POLICY}`, ilmPolicy(assetOptions(es), es.tsdb !== false)),
        devTools('PUT', `/_ilm/policy/${ILM_EVENTS_POLICY}`, ilmPolicy(assetOptions(es), false)),
      ].join('\n');
    case 'dashboards':
      return kibanaNdjson();
    case 'watches':
      return watchDefinitions(config.watches)
        .map((w) => devTools('PUT', `/_watcher/watch/${w.id}`, w.watch))
        .join('\n');
  }
}
