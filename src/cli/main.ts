import { checkHealth } from '../health.js';
import { Command, CommanderError } from 'commander';
import { agentVersion, loadAgentInfo } from '../agent-info.js';
import { agentCounters, buildAgent, runDaemon } from '../agent.js';
import { HapbeatError } from '../errors.js';
import { redactDeep, redactText } from '../redact.js';
import { createLogger, type Logger, type LogLevel } from '../log/logger.js';
import { ConsoleOutput } from '../output/console.js';
import { createSink } from '../pipeline/sink.js';
import { createClient } from '../output/elasticsearch/client.js';
import { preflight } from '../elastic/preflight.js';
import { settingDocs } from '../config/load.js';
import { addCommonOptions, configFromFlags, requireTargets, type CommonFlags } from './options.js';
import { testHaproxy } from './test-haproxy.js';
import { setupCommand, testOutputCommand } from './elasticsearch-commands.js';
import YAML from 'yaml';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { EXPORT_KINDS, exportText } from './export-command.js';
import { launchHelp, launchNotice, missingLaunchSettings } from '../launch-settings.js';

const EXAMPLES = `
Examples:
  # one poll of the local master CLI, documents on stdout
  hapbeat once --target /run/haproxy-master.sock

  # poll every 10s and write NDJSON files under ./data/output
  hapbeat run --target /run/haproxy-master.sock --output file

  # several HAProxy instances, a config file, and one setting overridden
  hapbeat run -c config/hapbeat.yml -t /run/lb1-master.sock -t 127.0.0.1:9999 -E haproxy.period=5s

  # ship into Elasticsearch: install the templates once, then run
  hapbeat setup -E output.elasticsearch.hosts=http://127.0.0.1:9200
  hapbeat run -t /run/haproxy-master.sock -E output.elasticsearch.hosts=http://127.0.0.1:9200

  # the dashboards (Kibana) and the alerts (Watcher); or export them for someone else to apply
  hapbeat setup --dashboards -E setup.kibana.host=http://127.0.0.1:5601
  hapbeat setup --watches -E output.elasticsearch.hosts=http://127.0.0.1:9200
  hapbeat export dashboards > hapbeat-dashboards.ndjson

  # check the setup
  hapbeat test config -c config/hapbeat.yml
  hapbeat test output -E output.elasticsearch.hosts=http://127.0.0.1:9200
  hapbeat test haproxy --target /run/haproxy-master.sock

HAProxy must run in master-worker mode with a master CLI socket, for example:
  haproxy -W -S /run/haproxy-master.sock -f /etc/haproxy/haproxy.cfg
(Debian and Ubuntu's systemd unit already passes -Ws -S /run/haproxy-master.sock.)
Without a master CLI, point --target at a worker "stats socket ... level admin" with the socket: prefix,
or at a stats page URL; hapbeat then sees only that one process, as Metricbeat does.
`;

function settingsHelp(): string {
  const rows = settingDocs().map((s) => `  ${s.key.padEnd(34)} ${s.env ? `[${s.env}] ` : ''}${s.doc} (default: ${JSON.stringify(s.default)})`);
  return `\nSettings (config file keys, environment variables, and -E key=value):\n${rows.join('\n')}\n`;
}

/** Runs the CLI; resolves with the process exit code. */
export async function main(argv: string[], io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  // What setup and the test commands print goes through the URL-credential mask (documents do not need it:
  // addresses are stored without credentials).
  const report = { write: (s: string) => stdout.write(redactText(s)) } as NodeJS.WritableStream;
  let exitCode = 0;
  const program = new Command('hapbeat')
    .description('Ships HAProxy metrics from every process (all workers, old and new, through the master CLI) as haproxy.stat and haproxy.info documents.')
    .version(agentVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) })
    .exitOverride()
    .addHelpText('after', EXAMPLES);

  addCommonOptions(
    program
      .command('run')
      .description('poll every target on schedule and ship the documents until SIGINT or SIGTERM')
      .addHelpText('after', settingsHelp() + launchHelp()),
  ).action(async (flags: CommonFlags) => {
    const config = configFromFlags(flags);
    requireTargets(config);
    const log = createLogger(config.logLevel);
    // Signals are handled from the start: SIGTERM during the preflight stops cleanly; SIGUSR1 never opens a debugger.
    const stop = stopSignal(log);
    const { agent, persisted } = loadAgentInfo(config.dataPath, config.agentName);
    if (!persisted) log.warn({ path: config.dataPath }, `cannot write ${config.dataPath}/meta.json; agent.id will change on restart`);
    const missing = missingLaunchSettings(process.execArgv, process.env);
    if (missing.length > 0) log.info({ missing_launch_settings: missing }, launchNotice(missing)!);
    exitOnStrayErrors(log);
    if (config.output.type === 'elasticsearch') {
      const client = createClient(config.output.elasticsearch);
      try {
        await preflight(client, config.output.elasticsearch, config.namespace, log);
      } finally {
        await client.close();
      }
    }
    const a = buildAgent(config, agent, createSink(config, log), log);
    // A safety net under the bounded shutdown: should closing ever hang (a disk that never answers an fsync),
    // exit anyway shortly after the deadline. The disk spool is consistent at every moment.
    void stop.then(() => {
      setTimeout(() => {
        log.error({ shutdown_timeout_ms: config.shutdownTimeoutMs }, 'shutdown did not finish within shutdown_timeout + 1.5 s; exiting now');
        process.exit(1);
      }, config.shutdownTimeoutMs + 1500).unref();
    });
    exitCode = await runDaemon(a, config, log, { stopSignal: stop });
  });

  addCommonOptions(
    program
      .command('once')
      .description('poll every target once and print the documents as NDJSON on stdout, whatever output is configured; exit 1 if a target failed'),
    ['haproxy'],
  ).action(async (flags: CommonFlags) => {
    const config = configFromFlags(flags);
    requireTargets(config);
    const log = createLogger((flags.logLevel as LogLevel | undefined) ?? (config.logLevel === 'info' ? 'warn' : config.logLevel));
    const { agent } = loadAgentInfo(config.dataPath, config.agentName);
    // once prints documents: the console output behind a memory queue, whatever the configured output.
    const sink = createSink(
      { ...config, output: { ...config.output, type: 'console' }, queue: { ...config.queue, type: 'memory', maxEvents: Number.MAX_SAFE_INTEGER } },
      log,
      { output: new ConsoleOutput(stdout as NodeJS.WritableStream & import('node:stream').Writable) },
    );
    const a = buildAgent(config, agent, sink, log);
    const results = await Promise.all(a.collectors.map((c) => c.collect()));
    await sink.close(config.shutdownTimeoutMs);
    const failed = results.filter((r) => r.poll.error).length;
    // The counters always go to stderr (stdout holds the documents).
    stderr.write(`${JSON.stringify({ msg: 'once: done', counters: agentCounters(a) })}\n`);
    exitCode = failed > 0 || sink.counters.dropped > 0 ? 1 : 0;
  });

  addCommonOptions(
    program
      .command('setup')
      .description('install what users need, idempotently: the index templates and ILM policy (the default), the Kibana dashboards, the Watcher alerts')
      .option('--templates', 'the index templates and ILM policy in Elasticsearch (the default when nothing else is chosen)')
      .option('--dashboards', "the data view, visualizations and dashboards, through Kibana's import API (setup.kibana.host)")
      .option('--watches', 'the Watcher alerts, with the thresholds of the watches section (needs Watcher and a Gold+ licence or a trial)')
      .option('--dry-run', 'print every request instead of sending it')
      .addHelpText(
        'after',
        `
Examples:
  hapbeat setup --es http://127.0.0.1:9200                          # templates and ILM policy
  hapbeat setup --dashboards -E setup.kibana.host=http://127.0.0.1:5601 -E setup.kibana.space=ops
  hapbeat setup --watches --es https://es:9200 -E watches.actions.webhook_url=https://hooks.example/x
  hapbeat setup --templates --dashboards --watches -c /etc/hapbeat/hapbeat.yml   # everything
No cluster to talk to? "hapbeat export" prints the same for someone else to apply.
`,
      ),
    ['elasticsearch'],
  ).action(async (flags: CommonFlags & { dryRun?: boolean; templates?: boolean; dashboards?: boolean; watches?: boolean }) => {
    const config = configFromFlags(flags);
    const chosen = flags.templates || flags.dashboards || flags.watches;
    exitCode = await setupCommand(config, flags.dryRun === true, report, {
      templates: chosen ? flags.templates === true : true,
      dashboards: flags.dashboards === true,
      watches: flags.watches === true,
    });
  });

  addCommonOptions(
    program
      .command('export')
      .description('print what setup would install, with no cluster at all: template, ilm-policy, dashboards or watches')
      .argument('<what>', `one of: ${EXPORT_KINDS.join(', ')}`)
      .option('--es-version <version>', 'the Elasticsearch version the templates are for', '8.19.0')
      .option('-o, --out <file>', 'write to this file instead of stdout')
      .addHelpText(
        'after',
        `
Examples:
  hapbeat export template > templates.txt        # Dev Tools requests: paste into Kibana's console
  hapbeat export ilm-policy --es-version 9.2.0
  hapbeat export dashboards -o hapbeat-dashboards.ndjson   # Kibana: Stack Management, Saved objects, Import
  hapbeat export watches -c /etc/hapbeat/hapbeat.yml       # with the thresholds and actions of the config
`,
      ),
    ['elasticsearch'],
  ).action((what: string, flags: CommonFlags & { esVersion: string; out?: string }) => {
    const config = configFromFlags(flags);
    const text = exportText(what, config, flags.esVersion);
    if (flags.out) {
      writeFileSync(flags.out, text);
      stderr.write(`hapbeat export ${what}: written to ${flags.out}\n`);
    } else stdout.write(text);
  });

  addCommonOptions(
    program
      .command('health')
      .description('say whether hapbeat run is running and collecting, from its status file in path.data (for a container HEALTHCHECK); exit 0 healthy, 1 not')
      .addHelpText(
        'after',
        '\nhapbeat run rewrites <path.data>/health.json every period (at most every 5 s). Healthy: the file is fresh and a poll\nreached HAProxy within the last 3 periods (at least 30 s). Use the same config or HAPBEAT_PATH_DATA as run.\n',
      ),
    [],
  ).action((flags: CommonFlags) => {
    const config = configFromFlags(flags);
    const v = checkHealth(config.dataPath, Date.now());
    report.write(`${v.healthy ? 'healthy' : 'unhealthy'}: ${v.reason}\n`);
    exitCode = v.healthy ? 0 : 1;
  });

  const test = program.command('test').description('check the configuration or the connection to HAProxy');
  addCommonOptions(test.command('config').description('validate the configuration and print the effective settings')).action((flags: CommonFlags) => {
    const config = configFromFlags(flags);
    report.write(YAML.stringify(redactDeep(config.effective)));
    report.write(`Config OK${config.file ? ` (${config.file})` : ''}: ${config.targets.length} target(s)\n`);
    report.write(`Data directory: ${path.resolve(config.dataPath)} (agent id; disk queue in ${path.resolve(config.queue.disk.path)})\n`);
    if (config.targets.length === 0) report.write('Note: no target yet; "run" and "once" need --target or haproxy.targets.\n');
  });
  addCommonOptions(
    test.command('output').description('check the connection, version, authentication and privileges of the Elasticsearch output, and the disk queue'),
    ['elasticsearch'],
  ).action(async (flags: CommonFlags) => {
    const config = configFromFlags(flags);
    exitCode = await testOutputCommand(config, report);
  });
  addCommonOptions(test.command('haproxy').description('connect to every target, list the HAProxy processes found, and say what is wrong'), ['haproxy']).action(
    async (flags: CommonFlags) => {
      const config = configFromFlags(flags);
      requireTargets(config);
      exitCode = await testHaproxy(config, report);
    },
  );

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every usage error (unknown option, bad choice, missing value) exits 2,
      // like any other configuration error.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof HapbeatError) {
      stderr.write(`hapbeat: ${redactText(err.message)}\n`);
      return 2;
    }
    throw err;
  }
}

/**
 * A promise rejected with no handler, or an exception nobody caught, is a bug: log it and exit non-zero (70,
 * EX_SOFTWARE) so that a supervisor restarts a clean process, rather than spinning on in an unknown state.
 */
function exitOnStrayErrors(log: Logger): void {
  const die = (kind: string) => (err: unknown) => {
    log.fatal(
      { error: { message: (err as Error)?.message ?? String(err), stack: (err as Error)?.stack } },
      `${kind}: ${(err as Error)?.message ?? String(err)}; exiting (this is a bug in hapbeat)`,
    );
    process.exit(70);
  };
  process.on('unhandledRejection', die('unhandled promise rejection'));
  process.on('uncaughtException', die('uncaught exception'));
}

function stopSignal(log: Logger): Promise<string> {
  return new Promise((resolve) => {
    let received = false;
    const on = (sig: string) => {
      if (received) {
        log.error({ signal: sig }, `second ${sig}: exiting at once`);
        process.exit(130);
      }
      received = true;
      resolve(sig);
    };
    process.on('SIGINT', () => on('SIGINT'));
    process.on('SIGTERM', () => on('SIGTERM'));
    // HAProxy's master sends SIGUSR1 to its programs at every reload. Node's default for SIGUSR1 is to open a
    // debugger on 127.0.0.1:9229, which any local user could drive: a handler replaces that default.
    process.on('SIGUSR1', () =>
      log.info(
        { signal: 'SIGUSR1' },
        'received SIGUSR1 (HAProxy sends it to its programs at a reload); ignored, hapbeat keeps running. Under HAProxy, keep "no option start-on-reload" in the program section so that no second hapbeat starts',
      ),
    );
  });
}
