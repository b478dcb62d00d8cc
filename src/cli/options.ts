import { Command, Option } from 'commander';
import { ConfigError, loadConfig, type HapbeatConfig } from '../config/load.js';

/** Options every command takes. Flags override HAPBEAT_* variables, which override the config file. */
export interface CommonFlags {
  config?: string;
  target?: string[];
  period?: string;
  output?: string;
  outputPath?: string;
  es?: string[];
  namespace?: string;
  oldWorkers?: boolean;
  logLevel?: string;
  setting?: string[];
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * Which flags a command takes: every command reads a config file, -E and --log-level; then only what applies
 * to it (setup never polls HAProxy, once always prints on stdout, ...). A flag a command does not take is an
 * error, never silently ignored.
 */
export type OptionGroup = 'haproxy' | 'output' | 'elasticsearch';

export function addCommonOptions(cmd: Command, groups: readonly OptionGroup[] = ['haproxy', 'output', 'elasticsearch']): Command {
  cmd.option('-c, --config <file>', 'YAML config file (see config/hapbeat.yml); env HAPBEAT_CONFIG');
  if (groups.includes('haproxy')) {
    cmd
      .option(
        '-t, --target <address>',
        'HAProxy to poll, repeatable: master CLI socket path or host:port (haproxy -S), "socket:<addr>" for a worker stats socket, or an http(s):// stats page',
        collect,
      )
      .option('--period <duration>', 'poll interval, with a unit: 10s, 500ms, 1m (haproxy.period)')
      .option('--no-old-workers', 'do not sample old workers draining after a reload');
  }
  if (groups.includes('output')) {
    cmd
      .addOption(new Option('--output <type>', 'where documents go (output.type)').choices(['auto', 'file', 'console', 'elasticsearch']))
      .option('--output-path <dir>', 'directory of the file output (output.file.path)');
  }
  if (groups.includes('elasticsearch')) {
    cmd
      .option('--es <url>', 'Elasticsearch URL, repeatable (output.elasticsearch.hosts)', collect)
      .option('--namespace <name>', 'data stream namespace (data_stream.namespace)');
  }
  return cmd
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']))
    .option(
      '-E, --setting <key=value>',
      "set any setting by its dotted name, repeatable, e.g. -E haproxy.timeouts.read=10s (the value is read by the setting's type)",
      collect,
    );
}

/** Loads the configuration from file, environment and these flags. */
export function configFromFlags(flags: CommonFlags, env: NodeJS.ProcessEnv = process.env): HapbeatConfig {
  const overrides: Record<string, unknown> = {};
  for (const kv of flags.setting ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new ConfigError(`-E ${JSON.stringify(kv)} is not key=value`, 'write it as -E haproxy.period=5s');
    // Text as typed: loadConfig reads it by the setting's type (a password of digits stays text).
    overrides[kv.slice(0, eq).trim()] = kv.slice(eq + 1);
  }
  if (flags.target?.length) overrides['haproxy.targets'] = flags.target;
  if (flags.period !== undefined) overrides['haproxy.period'] = flags.period;
  if (flags.output !== undefined) overrides['output.type'] = flags.output;
  if (flags.outputPath !== undefined) overrides['output.file.path'] = flags.outputPath;
  if (flags.es?.length) overrides['output.elasticsearch.hosts'] = flags.es;
  if (flags.namespace !== undefined) overrides['data_stream.namespace'] = flags.namespace;
  if (flags.oldWorkers === false) overrides['haproxy.include_old_workers'] = false;
  if (flags.logLevel !== undefined) overrides['logging.level'] = flags.logLevel;
  return loadConfig({ file: flags.config ?? env.HAPBEAT_CONFIG, env, overrides });
}

export function requireTargets(config: HapbeatConfig): void {
  if (config.targets.length === 0) {
    throw new ConfigError(
      'no HAProxy target is configured',
      'pass --target /run/haproxy-master.sock (the socket of "haproxy -W -S"), set HAPBEAT_TARGETS, or list haproxy.targets in the config file',
    );
  }
}
