import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../config/load.js';
import { capabilitiesFrom, type Capabilities } from './capabilities.js';
import { DEFAULT_ASSETS, setupSteps, type AssetOptions, type SetupStep } from './templates.js';

export async function detectCapabilities(client: Client): Promise<Capabilities> {
  const body = await client.transport.request(
    { method: 'GET', path: '/_nodes/plugins', querystring: { filter_path: 'nodes.*.version,nodes.*.modules.name' } },
    { maxRetries: 0 },
  );
  return capabilitiesFrom(body as Parameters<typeof capabilitiesFrom>[0]);
}

export function assetOptions(es: ElasticsearchConfig): AssetOptions {
  return {
    ...DEFAULT_ASSETS,
    indexMode: es.indexMode,
    tsdb: es.tsdb,
    retentionDays: es.retentionDays,
    downsampleAfterDays: es.downsampleAfterDays,
    downsampleInterval: es.downsampleInterval,
  };
}

export interface SetupReport {
  capabilities: Capabilities;
  steps: (SetupStep & { result?: 'installed' | 'failed'; error?: string })[];
}

/** Installs hapbeat's index assets (idempotent), or with dryRun only lists the requests. */
export async function runSetup(client: Client, es: ElasticsearchConfig, dryRun: boolean): Promise<SetupReport> {
  const capabilities = await detectCapabilities(client);
  const steps: SetupReport['steps'] = setupSteps(capabilities, assetOptions(es));
  if (dryRun) return { capabilities, steps };
  for (const s of steps) {
    if (s.skipped) continue;
    try {
      await client.transport.request({ method: s.method, path: s.path, body: s.body as Record<string, unknown> }, { maxRetries: 0 });
      s.result = 'installed';
    } catch (err) {
      s.result = 'failed';
      const e = err as { meta?: { statusCode?: number; body?: { error?: { reason?: string } } }; message: string };
      s.error = `${e.meta?.statusCode ?? ''} ${e.meta?.body?.error?.reason ?? e.message}`.trim();
    }
  }
  return { capabilities, steps };
}

export function describeCapabilities(c: Capabilities): string[] {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return [
    `Elasticsearch ${c.version} (modules: ${c.modules.join(', ') || 'none reported'})`,
    `  data streams: ${yes(c.dataStreams)}   TSDB: ${yes(c.tsdb)}   ILM: ${yes(c.ilm)}   data stream lifecycle: ${yes(c.dataStreamLifecycle)}   Watcher: ${yes(c.watcher)}`,
  ];
}
