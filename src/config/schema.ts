import convict from 'convict';
import { parseDuration, parseSize } from './duration.js';
import { parseTarget, type TargetMode } from '../haproxy/target.js';

/** A target as written in the config file: a string, or an object with a name, mode and credentials. */
export interface TargetSetting {
  address: string;
  name?: string;
  mode?: TargetMode;
  /** For http targets: the stats page's basic auth. */
  username?: string;
  password?: string;
}

const TARGET_KEYS = new Set(['address', 'name', 'mode', 'username', 'password']);

convict.addFormat({
  name: 'duration-text',
  validate(v: unknown) {
    if (parseDuration(v) === undefined) throw new Error('must be a duration such as 500ms, 10s, 1m or 2h');
  },
  coerce: (v: unknown) => v,
});

convict.addFormat({
  name: 'size-text',
  validate(v: unknown) {
    if (parseSize(v) === undefined) throw new Error('must be a size such as 65536, 512KiB, 10MiB or 1GB');
  },
  coerce: (v: unknown) => v,
});

convict.addFormat({
  name: 'targets',
  validate(list: unknown) {
    if (!Array.isArray(list)) throw new Error('must be a list of addresses or {address, name, mode} objects');
    list.forEach((t, i) => {
      const item = typeof t === 'string' ? { address: t } : t;
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        throw new Error(`item ${i} must be an address string or an object with "address"`);
      }
      for (const k of Object.keys(item)) {
        if (!TARGET_KEYS.has(k)) throw new Error(`item ${i} has an unknown key "${k}" (known: ${[...TARGET_KEYS].join(', ')})`);
      }
      const o = item as Record<string, unknown>;
      if (typeof o.address !== 'string') throw new Error(`item ${i} needs "address" as a string`);
      if (o.mode !== undefined && !['master', 'socket', 'http'].includes(o.mode as string)) {
        throw new Error(`item ${i}: mode must be master, socket or http, not ${JSON.stringify(o.mode)}`);
      }
      try {
        parseTarget(o.address, { mode: o.mode as TargetMode | undefined });
      } catch (err) {
        throw new Error(`item ${i}: ${(err as Error).message}`);
      }
    });
  },
  // From an environment variable: a comma-separated list of addresses.
  coerce: (v: unknown) =>
    typeof v === 'string'
      ? v.split(',').map((s) => s.trim()).filter(Boolean)
      : v,
});

convict.addFormat({
  name: 'namespace',
  validate(v: unknown) {
    if (typeof v !== 'string' || !/^[a-z0-9_.]{1,100}$/.test(v) || v.startsWith('.') || v.startsWith('_')) {
      throw new Error('must be 1-100 lowercase letters, digits, "_" or "." (no "-"), as Elasticsearch data stream names require');
    }
  },
});

export const schema = {
  haproxy: {
    targets: {
      doc: 'HAProxy instances to poll: master CLI sockets (-S), or worker stats sockets / stats pages in direct mode.',
      format: 'targets',
      default: [] as (string | TargetSetting)[],
      env: 'HAPBEAT_TARGETS',
    },
    period: {
      doc: 'How often every target is polled.',
      format: 'duration-text',
      default: '10s' as string | number,
      env: 'HAPBEAT_PERIOD',
    },
    include_old_workers: {
      doc: 'Also sample old workers (draining after a reload) through @!<pid>.',
      format: Boolean,
      default: true,
      env: 'HAPBEAT_INCLUDE_OLD_WORKERS',
    },
    timeouts: {
      connect: { doc: 'Hard limit to connect to a socket.', format: 'duration-text', default: '2s' as string | number, env: 'HAPBEAT_CONNECT_TIMEOUT' },
      read: { doc: 'Hard limit for one complete answer after connecting.', format: 'duration-text', default: '5s' as string | number, env: 'HAPBEAT_READ_TIMEOUT' },
    },
    max_connections_per_target: {
      doc: 'Concurrent CLI connections per target (the master CLI allows 10 in all, shared with operators).',
      format: 'nat',
      default: 2,
      env: 'HAPBEAT_MAX_CONNECTIONS',
    },
    max_response_bytes: {
      doc: 'Largest answer accepted from one command (about 230-320 bytes per server row).',
      format: 'size-text',
      default: '64MiB' as string | number,
      env: 'HAPBEAT_MAX_RESPONSE_BYTES',
    },
  },
  output: {
    type: {
      doc: 'Where documents go: auto (elasticsearch when hosts are set, else file), file, console or elasticsearch.',
      format: ['auto', 'file', 'console', 'elasticsearch'],
      default: 'auto',
      env: 'HAPBEAT_OUTPUT',
    },
    file: {
      path: { doc: 'Directory of the NDJSON files.', format: String, default: './data/output', env: 'HAPBEAT_OUTPUT_FILE_PATH' },
      filename: { doc: 'Name of the current file.', format: String, default: 'hapbeat.ndjson' },
      rotate_every_bytes: { doc: 'Rotate the file when it would grow past this size.', format: 'size-text', default: '10MiB' as string | number },
      keep_files: { doc: 'Files kept, the current one included.', format: 'nat', default: 7 },
    },
  },
  data_stream: {
    namespace: {
      doc: 'The data stream namespace: documents go to metrics-haproxy.<dataset>-<namespace>.',
      format: 'namespace',
      default: 'default',
      env: 'HAPBEAT_NAMESPACE',
    },
  },
  agent: {
    name: { doc: 'agent.name on every document; defaults to the host name.', format: String, default: '', env: 'HAPBEAT_AGENT_NAME' },
  },
  path: {
    data: { doc: 'Directory for hapbeat state (agent id).', format: String, default: './data', env: 'HAPBEAT_PATH_DATA' },
  },
  logging: {
    level: {
      doc: 'Log level on stderr.',
      format: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
      default: 'info',
      env: 'HAPBEAT_LOG_LEVEL',
    },
  },
};

export type RawConfig = convict.Config<typeof schema>;
