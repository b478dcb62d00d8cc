import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import convict from 'convict';
import YAML from 'yaml';
import { ConfigError } from './errors.js';
import { parseTarget, type Target } from '../haproxy/target.js';
import type { CliLimits } from '../haproxy/cli-client.js';
import type { LogLevel } from '../log/logger.js';
import { parseDuration, parseSize } from './duration.js';
import { parseBoolean, schema, type TargetSetting } from './schema.js';
import type { WatchSettings } from './watch-settings.js';

export { ConfigError };

export interface TargetConfig extends Target {
  username?: string;
  password?: string;
}

/** The validated configuration, in the units the code uses (milliseconds, bytes, parsed targets). */
export interface HapbeatConfig {
  targets: TargetConfig[];
  periodMs: number;
  includeOldWorkers: boolean;
  limits: CliLimits;
  maxConnectionsPerTarget: number;
  output: {
    /** After `auto` is resolved: elasticsearch when hosts are set, file otherwise. */
    type: 'file' | 'console' | 'elasticsearch';
    file: { path: string; filename: string; rotateEveryBytes: number; keepFiles: number };
    elasticsearch: ElasticsearchConfig;
  };
  queue: QueueConfig;
  shutdownTimeoutMs: number;
  kibana: { host: string; username: string; password: string; apiKey: string; space: string };
  watches: WatchSettings;
  namespace: string;
  agentName: string;
  dataPath: string;
  logLevel: LogLevel;
  /** The config file read, if any. */
  file?: string;
  /** The settings as loaded (secrets masked), for `test config`. */
  effective: Record<string, unknown>;
}

export interface QueueConfig {
  /** After `auto` is resolved. */
  type: 'memory' | 'disk';
  maxEvents: number;
  disk: { path: string; maxBytes: number; segmentBytes: number };
}

/** Settings that moved: an old name gets a message with the new one. */
const RENAMED: Record<string, string> = {
  'output.elasticsearch.spool.path': 'queue.disk.path',
  'output.elasticsearch.spool.max_bytes': 'queue.disk.max_bytes',
  'output.elasticsearch.spool.segment_bytes': 'queue.disk.segment_bytes',
  'output.elasticsearch.queue.max_events': 'queue.max_events',
};

export interface ElasticsearchConfig {
  hosts: string[];
  auth?: { username: string; password: string } | { apiKey: string } | { bearer: string };
  caFile?: string;
  verifyCertificates: boolean;
  compression: boolean;
  timeoutMs: number;
  indexMode: 'data_stream' | 'index';
  bulkMaxSize: number;
  bulkMaxBytes: number;
  flushIntervalMs: number;
  maxConcurrentRequests: number;
  /** Requests in flight while a backlog drains. */
  backlogConcurrentRequests: number;
  backoffInitMs: number;
  backoffMaxMs: number;
  deadLetterPath: string;
  deadLetterIndex: string;
  tsdb: 'auto' | boolean;
  retentionDays: number;
  downsampleAfterDays: number;
  downsampleInterval: string;
  /** setup.template.enabled: install missing templates at start. */
  installTemplates: boolean;
}

export interface LoadOptions {
  /** A YAML config file. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** `key=value` overrides (dotted keys), applied last: from -E and from dedicated flags. */
  overrides?: Record<string, unknown>;
}

/**
 * Loads the configuration: schema defaults, then the YAML file, then HAPBEAT_* environment variables, then
 * command-line overrides. Validation is strict: an unknown key or a bad value fails with every problem listed.
 */
export function loadConfig(opts: LoadOptions = {}): HapbeatConfig {
  const env = opts.env ?? process.env;

  const conf = convict(schema as any, { env, args: [] });
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ConfigError(
        `cannot read config file ${opts.file} (${code ?? (err as Error).message})`,
        code === 'ENOENT' ? 'pass the path of an existing hapbeat.yml with --config, or leave --config out to use defaults and flags' : undefined,
        err,
      );
    }
    let data: unknown;
    try {
      data = YAML.parse(text, { prettyErrors: true, uniqueKeys: true });
    } catch (err) {
      throw new ConfigError(
        `config file ${opts.file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`,
        'fix the YAML syntax at the position given',
        err,
      );
    }
    if (data !== null && data !== undefined) {
      if (typeof data !== 'object' || Array.isArray(data)) {
        throw new ConfigError(`config file ${opts.file} must hold a mapping of settings at the top level`, 'see config/hapbeat.yml for the layout');
      }
      conf.load(data as object);
    }
  }
  for (const [key, value] of Object.entries(opts.overrides ?? {})) {
    if (RENAMED[key]) throw new ConfigError(`the setting "${key}" is now "${RENAMED[key]}"`, `write ${RENAMED[key]}=${String(value)}`);
    if (!conf.has(key as never) || settingFormat(key) === undefined) {
      const near = nearestSetting(key);
      throw new ConfigError(
        `unknown setting "${key}"${near ? `: did you mean ${near}?` : ''}`,
        `the settings are listed by "hapbeat run --help" and in config/hapbeat.yml`,
      );
    }
    conf.set(key as never, (typeof value === 'string' ? valueByType(key, value) : value) as never);
  }
  try {
    conf.validate({ allowed: 'strict' });
  } catch (err) {
    const lines = (err as Error).message
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const old = Object.keys(RENAMED).find((k) => l.includes(`'${k}'`));
        if (old) return `${l} (it is now "${RENAMED[old]}")`;
        const unknown = /configuration param '([^']+)' not declared in the schema/.exec(l)?.[1];
        const near = unknown ? nearestSetting(unknown) : undefined;
        return near ? `${l}: did you mean ${near}?` : l;
      });
    const where = opts.file ? `config file ${opts.file}, HAPBEAT_* environment or flags` : 'HAPBEAT_* environment or flags';
    throw new ConfigError(
      `invalid configuration (${where}):\n  - ${lines.join('\n  - ')}`,
      'correct the settings listed; "hapbeat test config" shows the effective configuration',
      err,
    );
  }
  return toConfig(conf as unknown as ConfigReader, opts.file, env);
}

/** convict's deep generic types are too heavy for this schema; values are validated at run time instead. */
interface ConfigReader {
  get(key: string): unknown;
  toString(): string;
}

function toConfig(conf: ConfigReader, file: string | undefined, env: NodeJS.ProcessEnv): HapbeatConfig {
  const get = <T>(key: string): T => conf.get(key) as T;
  const dataPath = get<string>('path.data') || defaultDataPath(env);
  const targets = get<(string | TargetSetting)[]>('haproxy.targets').map((t) => {
    const s: TargetSetting = typeof t === 'string' ? { address: t } : t;
    const target: TargetConfig = parseTarget(s.address, { name: s.name, mode: s.mode });
    if (s.username !== undefined) target.username = s.username;
    if (s.password !== undefined) target.password = s.password;
    return target;
  });
  const names = new Set<string>();
  for (const t of targets) {
    if (names.has(t.name)) throw new ConfigError(`two targets share the name "${t.name}"`, 'give each target a distinct name or address');
    names.add(t.name);
  }
  const periodMs = parseDuration(get<string>('haproxy.period'))!;
  if (periodMs < 100) throw new ConfigError(`haproxy.period ${get<string>('haproxy.period')} is shorter than 100ms`, 'use 1s or more');
  const concurrency = get<number>('haproxy.max_connections_per_target');
  if (concurrency < 1 || concurrency > 8) {
    throw new ConfigError(
      `haproxy.max_connections_per_target is ${concurrency}`,
      'use 1 to 8: the master CLI serves only 10 connections in all, shared with operators',
    );
  }
  const connect = parseDuration(get<string>('haproxy.timeouts.connect'))!;
  const read = parseDuration(get<string>('haproxy.timeouts.read'))!;
  if (connect <= 0 || read <= 0) throw new ConfigError('haproxy.timeouts.connect and .read must be above 0', 'use for example 2s and 5s');
  const effective = JSON.parse(conf.toString()) as Record<string, unknown>;
  maskSecrets(effective);
  const es = elasticsearchConfig(get, dataPath);
  const rawType = get<'auto' | 'file' | 'console' | 'elasticsearch'>('output.type');
  const type = rawType === 'auto' ? (es.hosts.length > 0 ? 'elasticsearch' : 'file') : rawType;
  if (type === 'elasticsearch' && es.hosts.length === 0) {
    throw new ConfigError(
      'output.type is elasticsearch but output.elasticsearch.hosts is empty',
      'set output.elasticsearch.hosts (or HAPBEAT_ES_HOSTS), e.g. http://127.0.0.1:9200',
    );
  }
  const queueType = get<'auto' | 'memory' | 'disk'>('queue.type');
  const queue: QueueConfig = {
    type: queueType === 'auto' ? (type === 'elasticsearch' ? 'disk' : 'memory') : queueType,
    maxEvents: get<number>('queue.max_events'),
    disk: {
      path: get<string>('queue.disk.path') || path.join(dataPath, 'spool'),
      maxBytes: parseSize(get('queue.disk.max_bytes'))!,
      segmentBytes: parseSize(get('queue.disk.segment_bytes'))!,
    },
  };
  if (queue.maxEvents < 1) throw new ConfigError('queue.max_events must be at least 1', 'the default is 3200');
  if (queue.disk.segmentBytes < 64 * 1024 || queue.disk.maxBytes < 2 * queue.disk.segmentBytes) {
    throw new ConfigError('queue.disk sizes are too small', 'segment_bytes at least 64KiB, and max_bytes at least twice segment_bytes');
  }
  const shutdownTimeoutMs = parseDuration(get('shutdown_timeout'))!;
  if (shutdownTimeoutMs < 100) throw new ConfigError(`shutdown_timeout ${String(get('shutdown_timeout'))} is shorter than 100ms`, 'use for example 10s');
  const wns = get<string>('watches.namespace');
  const watches: WatchSettings = {
    interval: `${parseDuration(get('watches.interval'))! / 1000}s`,
    throttle: `${parseDuration(get('watches.throttle'))! / 1000}s`,
    window: `${parseDuration(get('watches.window'))! / 1000}s`,
    indices: { stat: `metrics-haproxy.stat-${wns}`, info: `metrics-haproxy.info-${wns}`, process: `metrics-haproxy.process-${wns}` },
    periodMs,
    thresholds: {
      serversDown: get<number>('watches.thresholds.servers_down'),
      http5xx: get<number>('watches.thresholds.http_5xx'),
      minRequestRate: get<number>('watches.thresholds.min_request_rate'),
      sessionUsage: get<number>('watches.thresholds.session_usage'),
      queued: get<number>('watches.thresholds.queued'),
    },
    actions: {
      logLevel: get<'error' | 'warn' | 'info'>('watches.actions.log_level'),
      ...(get<string>('watches.actions.webhook_url') ? { webhookUrl: get<string>('watches.actions.webhook_url') } : {}),
      ...(get<string>('watches.actions.index') ? { index: get<string>('watches.actions.index') } : {}),
    },
  };
  for (const [k, v] of Object.entries(watches.thresholds)) {
    if (!Number.isFinite(v) || v < 0 || (k !== 'queued' && k !== 'minRequestRate' && v > 1))
      throw new ConfigError(`watches.thresholds: ${k} is ${v}`, 'shares are from 0 to 1 (0.25 is 25%); counts and rates are 0 or more');
  }
  return {
    targets,
    periodMs,
    queue,
    watches,
    kibana: {
      host: get<string>('setup.kibana.host'),
      username: get<string>('setup.kibana.username'),
      password: get<string>('setup.kibana.password'),
      apiKey: get<string>('setup.kibana.api_key'),
      space: get<string>('setup.kibana.space'),
    },
    shutdownTimeoutMs,
    includeOldWorkers: parseBoolean(get('haproxy.include_old_workers'))!,
    limits: { connectTimeoutMs: connect, readTimeoutMs: read, maxResponseBytes: parseSize(get<string>('haproxy.max_response_bytes'))! },
    maxConnectionsPerTarget: concurrency,
    output: {
      type,
      elasticsearch: es,
      file: {
        path: get<string>('output.file.path'),
        filename: get<string>('output.file.filename'),
        rotateEveryBytes: parseSize(get<string>('output.file.rotate_every_bytes'))!,
        keepFiles: get<number>('output.file.keep_files'),
      },
    },
    namespace: get<string>('data_stream.namespace'),
    agentName: get<string>('agent.name'),
    dataPath,
    logLevel: get<LogLevel>('logging.level'),
    file,
    effective,
  };
}

/** Reads a secret from its setting, or from the file named by `<key>_file`; never both. */
function secret(get: <T>(k: string) => T, key: string): string {
  const inline = get<string>(key);
  const file = get<string>(`${key}_file`);
  if (inline && file) throw new ConfigError(`both ${key} and ${key}_file are set`, 'keep one of them');
  if (!file) return inline;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(
      `cannot read ${key}_file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'check the path and that this user may read it',
      err,
    );
  }
}

function elasticsearchConfig(get: <T>(k: string) => T, dataPath: string): ElasticsearchConfig {
  const p = 'output.elasticsearch';
  const username = get<string>(`${p}.username`);
  const password = secret(get, `${p}.password`);
  const apiKey = secret(get, `${p}.api_key`);
  const bearer = secret(get, `${p}.bearer_token`);
  const methods = [username || password ? 'basic' : '', apiKey ? 'api_key' : '', bearer ? 'bearer_token' : ''].filter(Boolean);
  if (methods.length > 1) throw new ConfigError(`more than one Elasticsearch authentication is set (${methods.join(', ')})`, 'keep exactly one');
  if ((username && !password) || (!username && password)) {
    throw new ConfigError('output.elasticsearch.username and password go together', 'set both, or use api_key');
  }
  const auth = username ? { username, password } : apiKey ? { apiKey } : bearer ? { bearer } : undefined;
  const retention = parseDuration(get(`${p}.retention`))!;
  const tsdb = get<string>(`${p}.tsdb`);
  const cfg: ElasticsearchConfig = {
    hosts: get<string[]>(`${p}.hosts`),
    auth,
    caFile: get<string>(`${p}.ssl.ca_file`) || undefined,
    verifyCertificates: parseBoolean(get(`${p}.ssl.verify`))!,
    compression: parseBoolean(get(`${p}.compression`))!,
    timeoutMs: parseDuration(get(`${p}.timeout`))!,
    indexMode: get<'data_stream' | 'index'>(`${p}.index_mode`),
    bulkMaxSize: get<number>(`${p}.bulk_max_size`),
    bulkMaxBytes: parseSize(get(`${p}.bulk_max_bytes`))!,
    flushIntervalMs: parseDuration(get(`${p}.flush_interval`))!,
    maxConcurrentRequests: get<number>(`${p}.max_concurrent_requests`),
    backlogConcurrentRequests: get<number>(`${p}.backlog_concurrent_requests`),
    backoffInitMs: parseDuration(get(`${p}.backoff.init`))!,
    backoffMaxMs: parseDuration(get(`${p}.backoff.max`))!,
    deadLetterPath: get<string>(`${p}.dead_letter.path`) || path.join(dataPath, 'dead-letter', 'hapbeat-dead-letter.ndjson'),
    deadLetterIndex: get<string>(`${p}.dead_letter.index`),
    tsdb: tsdb === 'auto' ? 'auto' : tsdb === 'true',
    retentionDays: Math.max(1, Math.round(retention / 86_400_000)),
    downsampleAfterDays: Math.max(1, Math.round(parseDuration(get(`${p}.downsample.after`))! / 86_400_000)),
    downsampleInterval: `${Math.max(1, Math.round(parseDuration(get(`${p}.downsample.interval`))! / 60_000))}m`,
    installTemplates: parseBoolean(get('setup.template.enabled'))!,
  };
  if (cfg.bulkMaxSize < 1) throw new ConfigError(`${p}.bulk_max_size must be at least 1`, 'the default is 1600');
  if (cfg.maxConcurrentRequests < 1 || cfg.maxConcurrentRequests > 16)
    throw new ConfigError(`${p}.max_concurrent_requests is ${cfg.maxConcurrentRequests}`, 'use 1 to 16');
  if (cfg.backlogConcurrentRequests < 1 || cfg.backlogConcurrentRequests > 16)
    throw new ConfigError(
      `${p}.backlog_concurrent_requests is ${cfg.backlogConcurrentRequests}`,
      'use 1 to 16 (the default, 4, catches up twice as fast as live)',
    );
  if (cfg.backoffInitMs <= 0 || cfg.backoffMaxMs < cfg.backoffInitMs)
    throw new ConfigError(`${p}.backoff.init must be above 0 and at most backoff.max`, 'the defaults are 1s and 60s');
  if (cfg.caFile) {
    try {
      readFileSync(cfg.caFile);
    } catch (err) {
      throw new ConfigError(`cannot read ${p}.ssl.ca_file ${cfg.caFile}`, 'give the path of a PEM CA file this user may read', err);
    }
  }
  return cfg;
}

function maskSecrets(o: unknown): void {
  if (Array.isArray(o)) o.forEach(maskSecrets);
  else if (o && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) {
      if (/password|api_key|token|secret/i.test(k) && !/_file$/.test(k) && v) (o as Record<string, unknown>)[k] = '[redacted]';
      else maskSecrets(v);
    }
  }
}

/** Every dotted setting name, for error messages and --help. */
export function settingNames(): string[] {
  const out: string[] = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(node)) {
      const v2 = v as Record<string, unknown>;
      if (v2 && typeof v2 === 'object' && 'default' in v2) out.push(prefix + k);
      else walk(v2, `${prefix}${k}.`);
    }
  };
  walk(schema as unknown as Record<string, unknown>, '');
  return out;
}

/** Every setting with its doc, default and environment variable, for --help and the README. */
export function settingDocs(): { key: string; doc: string; default: unknown; env?: string }[] {
  const out: { key: string; doc: string; default: unknown; env?: string }[] = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(node)) {
      const v2 = v as Record<string, unknown>;
      if (v2 && typeof v2 === 'object' && 'default' in v2) {
        out.push({ key: prefix + k, doc: String(v2.doc ?? ''), default: v2.default, env: v2.env as string | undefined });
      } else walk(v2, `${prefix}${k}.`);
    }
  };
  walk(schema as unknown as Record<string, unknown>, '');
  return out;
}

/**
 * Where hapbeat keeps its state when path.data is not set: never the working directory, so that the agent id
 * and the disk queue do not change with where it was started. systemd's StateDirectory= first.
 */
export function defaultDataPath(env: NodeJS.ProcessEnv): string {
  const systemd = env.STATE_DIRECTORY?.split(':')[0];
  if (systemd) return systemd;
  if (env.XDG_STATE_HOME) return path.join(env.XDG_STATE_HOME, 'hapbeat');
  return path.join(env.HOME || os.homedir(), '.local', 'state', 'hapbeat');
}

/** A setting's schema node (undefined for a group or an unknown key). */
function settingNode(key: string): { format?: unknown } | undefined {
  let node: unknown = schema;
  for (const part of key.split('.')) {
    if (!node || typeof node !== 'object' || !(part in node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node && typeof node === 'object' && 'default' in node ? (node as { format?: unknown }) : undefined;
}

function settingFormat(key: string): unknown {
  return settingNode(key)?.format;
}

/**
 * A -E value, read by its setting's type rather than by its look: whole numbers for counts, a comma list or
 * a YAML flow list for lists, and the text as it is for everything else (a password of digits stays text).
 */
function valueByType(key: string, raw: string): unknown {
  const format = settingFormat(key);
  if (format === 'nat') return /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (format === 'targets' || format === 'url-list') {
    if (raw.trim().startsWith('[')) {
      try {
        return YAML.parse(raw) as unknown;
      } catch {
        return raw;
      }
    }
    return raw
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  }
  return raw;
}

/** The known setting closest to a mistyped one (by edit distance, or by its last part), if any is close. */
export function nearestSetting(key: string): string | undefined {
  const names = settingNames();
  const byTail = names.filter((n) => n.endsWith(`.${key}`));
  if (byTail.length === 1) return byTail[0];
  let best: { name: string; d: number } | undefined;
  for (const n of names) {
    const d = editDistance(key, n);
    if (!best || d < best.d) best = { name: n, d };
  }
  return best && best.d <= Math.max(2, Math.floor(key.length / 4)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
