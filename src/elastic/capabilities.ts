import { HapbeatError } from '../errors.js';
/** What an Elasticsearch cluster can do, as far as hapbeat's assets are concerned. */
export interface Capabilities {
  version: string;
  major: number;
  minor: number;
  /** Modules loaded on every node (x-pack-ilm, x-pack-watcher, data-streams, ...). */
  modules: string[];
  /** Composable templates with data_stream and the `create` op (server, 7.9+). */
  dataStreams: boolean;
  /** index.mode: time_series (GA in 8.7). */
  tsdb: boolean;
  /** Index lifecycle management (x-pack-ilm module). */
  ilm: boolean;
  /** Data stream lifecycle is executed (data-streams module, 8.14+); the template setting is accepted anyway. */
  dataStreamLifecycle: boolean;
  /** The data-streams module: time bounds of TSDB indices (index.look_back_time) and the _data_stream APIs. */
  dataStreamsModule: boolean;
  /** Watcher (x-pack-watcher module; also needs a standard, gold, platinum or trial licence). */
  watcher: boolean;
}

interface NodesPlugins {
  nodes?: Record<string, { version?: string; modules?: { name: string }[] }>;
}

/**
 * Reads the cluster's version and modules from `GET _nodes/plugins` (which even the stripped test
 * distribution answers, unlike `GET /`), and derives what hapbeat may install. A module counts only if
 * every node has it.
 */
export function capabilitiesFrom(body: NodesPlugins): Capabilities {
  const nodes = Object.values(body.nodes ?? {});
  if (nodes.length === 0)
    throw new HapbeatError('HAPBEAT_ERR_ELASTICSEARCH_ANSWER', 'GET _nodes/plugins listed no nodes', {
      hint: 'check that the URL points at Elasticsearch itself',
    });
  const versions = nodes.map((n) => n.version ?? '0.0.0');
  const version = versions.sort()[0]!;
  const [major, minor] = version.split('.').map(Number) as [number, number];
  let modules: Set<string> | undefined;
  for (const n of nodes) {
    const names = new Set((n.modules ?? []).map((m) => m.name));
    modules = modules ? new Set([...modules].filter((m) => names.has(m))) : names;
  }
  const mods = [...(modules ?? [])].sort();
  const atLeast = (M: number, m: number) => major > M || (major === M && minor >= m);
  return {
    version,
    major,
    minor,
    modules: mods,
    dataStreams: atLeast(7, 9),
    tsdb: atLeast(8, 7),
    ilm: mods.includes('x-pack-ilm'),
    dataStreamLifecycle: mods.includes('data-streams') && atLeast(8, 14),
    dataStreamsModule: mods.includes('data-streams'),
    watcher: mods.includes('x-pack-watcher'),
  };
}
