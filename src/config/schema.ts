import convict from 'convict';
import { ConfigError } from './errors.js';
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
    if (parseDuration(v) !== undefined) return;
    if ((typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v))) {
      const n = String(v).trim();
      throw new ConfigError(`"${n}" has no unit: write ${n}s (or 500ms, 1m, 2h)`);
    }
    throw new ConfigError('must be a duration such as 500ms, 10s, 1m or 2h');
  },
  coerce: (v: unknown) => v,
});

/** YAML 1.1's words, as a person means them; anything else is an error rather than "true". */
const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = { true: true, yes: true, on: true, false: false, no: false, off: false };

/** true/false, or yes/no and on/off in any case; undefined for anything else. */
export function parseBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  return BOOLEAN_WORDS[v.trim().toLowerCase()];
}

convict.addFormat({
  name: 'boolean',
  validate(v: unknown) {
    if (parseBoolean(v) === undefined)
      throw new ConfigError(`must be true or false (yes/no, on/off), not ${JSON.stringify(typeof v === 'string' ? v : String(v))}`);
  },
  coerce: (v: unknown) => v,
});

convict.addFormat({
  name: 'size-text',
  validate(v: unknown) {
    if (parseSize(v) === undefined) throw new ConfigError('must be a size such as 65536, 512KiB, 10MiB or 1GB');
  },
  coerce: (v: unknown) => v,
});

convict.addFormat({
  name: 'targets',
  validate(list: unknown) {
    if (!Array.isArray(list)) throw new ConfigError('must be a list of addresses or {address, name, mode} objects');
    list.forEach((t, i) => {
      const item = typeof t === 'string' ? { address: t } : t;
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        throw new ConfigError(`item ${i} must be an address string or an object with "address"`);
      }
      for (const k of Object.keys(item)) {
        if (!TARGET_KEYS.has(k)) throw new ConfigError(`item ${i} has an unknown key "${k}" (known: ${[...TARGET_KEYS].join(', ')})`);
      }
      const o = item as Record<string, unknown>;
      if (typeof o.address !== 'string') throw new ConfigError(`item ${i} needs "address" as a string`);
      if (o.mode !== undefined && !['master', 'socket', 'http'].includes(o.mode as string)) {
        throw new ConfigError(`item ${i}: mode must be master, socket or http, not ${JSON.stringify(o.mode)}`);
      }
      try {
        parseTarget(o.address, { mode: o.mode as TargetMode | undefined });
      } catch (err) {
        throw new ConfigError(`item ${i}: ${(err as Error).message}`);
      }
    });
  },
  // From an environment variable: a comma-separated list of addresses.
  coerce: (v: unknown) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
});

convict.addFormat({
  name: 'url-list',
  validate(list: unknown) {
    if (!Array.isArray(list)) throw new ConfigError('must be a list of http(s) URLs');
    list.forEach((u, i) => {
      let url: URL;
      try {
        url = new URL(String(u));
      } catch {
        throw new ConfigError(`item ${i} (${JSON.stringify(u)}) is not a URL such as http://127.0.0.1:9200`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`item ${i} must be http:// or https://`);
    });
  },
  coerce: (v: unknown) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
});

convict.addFormat({
  name: 'namespace',
  validate(v: unknown) {
    if (typeof v !== 'string' || !/^[a-z0-9_.]{1,100}$/.test(v) || v.startsWith('.') || v.startsWith('_')) {
      throw new ConfigError('must be 1-100 lowercase letters, digits, "_" or "." (no "-"), as Elasticsearch data stream names require');
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
      format: 'boolean',
      default: true as boolean | string,
      env: 'HAPBEAT_INCLUDE_OLD_WORKERS',
    },
    timeouts: {
      connect: { doc: 'Hard limit to connect to a socket.', format: 'duration-text', default: '2s' as string | number, env: 'HAPBEAT_CONNECT_TIMEOUT' },
      read: {
        doc: 'Hard limit for one complete answer after connecting.',
        format: 'duration-text',
        default: '5s' as string | number,
        env: 'HAPBEAT_READ_TIMEOUT',
      },
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
    elasticsearch: {
      hosts: {
        doc: 'Elasticsearch URLs, e.g. http://127.0.0.1:9200; several for failover. Setting this makes output.type auto choose Elasticsearch.',
        format: 'url-list',
        default: [] as string[],
        env: 'HAPBEAT_ES_HOSTS',
      },
      username: { doc: 'Basic authentication user.', format: String, default: '', env: 'HAPBEAT_ES_USERNAME' },
      password: { doc: 'Basic authentication password (or password_file).', format: String, default: '', env: 'HAPBEAT_ES_PASSWORD', sensitive: true },
      password_file: { doc: 'A file holding the password.', format: String, default: '', env: 'HAPBEAT_ES_PASSWORD_FILE' },
      api_key: {
        doc: 'An API key (base64 "id:key" as Kibana shows it), or api_key_file.',
        format: String,
        default: '',
        env: 'HAPBEAT_ES_API_KEY',
        sensitive: true,
      },
      api_key_file: { doc: 'A file holding the API key.', format: String, default: '', env: 'HAPBEAT_ES_API_KEY_FILE' },
      bearer_token: { doc: 'A bearer token (or bearer_token_file).', format: String, default: '', env: 'HAPBEAT_ES_BEARER_TOKEN', sensitive: true },
      bearer_token_file: { doc: 'A file holding the bearer token.', format: String, default: '', env: 'HAPBEAT_ES_BEARER_TOKEN_FILE' },
      ssl: {
        ca_file: { doc: 'PEM file of the CA that signed the cluster certificate.', format: String, default: '', env: 'HAPBEAT_ES_CA_FILE' },
        verify: { doc: 'Verify the server certificate (turn off only to test).', format: 'boolean', default: true, env: 'HAPBEAT_ES_SSL_VERIFY' },
      },
      compression: {
        doc: 'gzip request bodies (at level 1, as Beats do: the fastest level; bodies still shrink about tenfold).',
        format: 'boolean',
        default: true,
      },
      timeout: { doc: 'Timeout of one request.', format: 'duration-text', default: '90s' as string | number },
      index_mode: {
        doc: 'data_stream (metrics-haproxy.<dataset>-<namespace>, written with create) or index (classic daily indices, for clusters without data streams).',
        format: ['data_stream', 'index'],
        default: 'data_stream',
      },
      bulk_max_size: { doc: 'Documents per bulk request.', format: 'nat', default: 1600 },
      bulk_max_bytes: { doc: 'Largest bulk request body before compression.', format: 'size-text', default: '10MiB' as string | number },
      flush_interval: {
        doc: 'A partial batch waits at most this long for more documents; a full batch goes at once.',
        format: 'duration-text',
        default: '1s' as string | number,
      },
      max_concurrent_requests: { doc: 'Bulk requests in flight at once.', format: 'nat', default: 2 },
      backlog_concurrent_requests: {
        doc: 'Bulk requests in flight at once while a backlog drains (what the spool kept through an outage or a restart), once Elasticsearch accepts documents again; set it to max_concurrent_requests to catch up at the live pace.',
        format: 'nat',
        default: 4,
      },
      backoff: {
        init: { doc: 'First retry delay (doubles, with jitter).', format: 'duration-text', default: '1s' as string | number },
        max: { doc: 'Longest retry delay.', format: 'duration-text', default: '60s' as string | number },
      },
      dead_letter: {
        path: {
          doc: 'NDJSON file for documents Elasticsearch rejects for good (mapping errors), with the reason; empty: <path.data>/dead-letter/hapbeat-dead-letter.ndjson.',
          format: String,
          default: '',
        },
        index: { doc: 'Also index rejected documents (as text, with the reason) into this index; empty: off.', format: String, default: '' },
      },
      tsdb: {
        doc: 'Use time series data streams (index.mode time_series): auto when the cluster supports them, true or false.',
        format: ['auto', 'true', 'false'],
        default: 'auto',
      },
      retention: { doc: 'How long data is kept (ILM delete phase, or data stream lifecycle).', format: 'duration-text', default: '90d' as string | number },
      downsample: {
        after: {
          doc: 'Time series data older than this is downsampled (ILM warm phase, or data stream lifecycle); at least the retention turns it off.',
          format: 'duration-text',
          default: '7d' as string | number,
        },
        interval: {
          doc: 'The downsampled interval: one document per series and interval (gauges keep min, max, sum and count; counters their last value).',
          format: 'duration-text',
          default: '5m' as string | number,
        },
      },
    },
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
  queue: {
    type: {
      doc: "How documents wait for the output: disk (a write-ahead spool: a poll counts once fsync'ed, nothing accepted is lost on a crash), memory (bounded, lost on a crash), or auto (disk for elasticsearch, memory for file and console).",
      format: ['auto', 'memory', 'disk'],
      default: 'auto',
      env: 'HAPBEAT_QUEUE_TYPE',
    },
    max_events: {
      doc: 'Documents held in memory: the whole memory queue, or what the disk queue holds while its spool cannot be written. Beyond it the newest poll is dropped (counted and logged).',
      format: 'nat',
      default: 3200,
    },
    disk: {
      path: {
        doc: "Directory of the disk queue's spool (one agent per directory); empty: <path.data>/spool.",
        format: String,
        default: '',
        env: 'HAPBEAT_SPOOL_PATH',
      },
      max_bytes: {
        doc: 'Spool size limit; when full, the oldest undelivered data is dropped (counted and logged).',
        format: 'size-text',
        default: '1GiB' as string | number,
      },
      segment_bytes: { doc: 'Size of one spool segment file.', format: 'size-text', default: '16MiB' as string | number },
    },
  },
  setup: {
    kibana: {
      host: { doc: 'Kibana URL for "hapbeat setup --dashboards", e.g. http://127.0.0.1:5601.', format: String, default: '', env: 'HAPBEAT_KIBANA_HOST' },
      username: { doc: 'Kibana basic authentication user (defaults to the Elasticsearch one).', format: String, default: '', env: 'HAPBEAT_KIBANA_USERNAME' },
      password: { doc: 'Kibana basic authentication password.', format: String, default: '', env: 'HAPBEAT_KIBANA_PASSWORD', sensitive: true },
      api_key: { doc: 'A Kibana API key (base64 "id:key").', format: String, default: '', env: 'HAPBEAT_KIBANA_API_KEY', sensitive: true },
      space: { doc: 'Kibana space to import into; empty: the default space.', format: String, default: '', env: 'HAPBEAT_KIBANA_SPACE' },
    },
    template: {
      enabled: {
        doc: 'Install the index templates (and ILM policy) at start when they are missing, as "hapbeat setup" does; false: only check them.',
        format: 'boolean',
        default: true as boolean | string,
        env: 'HAPBEAT_SETUP_TEMPLATE_ENABLED',
      },
    },
  },
  watches: {
    interval: { doc: 'How often each watch runs.', format: 'duration-text', default: '1m' as string | number },
    throttle: { doc: 'Minimum time between two notifications of one watch.', format: 'duration-text', default: '15m' as string | number },
    window: { doc: 'How far back each watch looks.', format: 'duration-text', default: '5m' as string | number },
    namespace: { doc: 'Data stream namespace the watches read; * for all.', format: String, default: '*' },
    thresholds: {
      servers_down: { doc: "Alert when more than this share of a backend's servers stays DOWN for the whole window.", format: Number, default: 0.25 },
      http_5xx: { doc: "Alert when a backend's 5xx share is above this...", format: Number, default: 0.05 },
      min_request_rate: { doc: '...counting only polls where it served at least this many requests per second.', format: Number, default: 1 },
      session_usage: { doc: 'Alert when sessions go above this share of their limit.', format: Number, default: 0.9 },
      queued: { doc: 'Alert when more than this many requests stay queued for a backend for the whole window.', format: 'nat', default: 10 },
    },
    actions: {
      log_level: { doc: 'Level of the logging action (always on): error, warn or info.', format: ['error', 'warn', 'info'], default: 'warn' },
      webhook_url: { doc: 'Also POST each alert as JSON to this URL; empty: off.', format: String, default: '' },
      index: { doc: 'Also store each alert in this index or data stream; empty: off.', format: String, default: '' },
    },
  },
  shutdown_timeout: {
    doc: 'On SIGTERM/SIGINT: how long hapbeat may keep delivering before it aborts what is in flight and exits (unacknowledged documents stay in the disk queue).',
    format: 'duration-text',
    default: '10s' as string | number,
    env: 'HAPBEAT_SHUTDOWN_TIMEOUT',
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
    data: {
      doc: 'Directory for hapbeat state (agent id, disk queue, dead letter); empty: $STATE_DIRECTORY (systemd), else $XDG_STATE_HOME/hapbeat, else ~/.local/state/hapbeat.',
      format: String,
      default: '',
      env: 'HAPBEAT_PATH_DATA',
    },
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
