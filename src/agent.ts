import type { HapbeatConfig } from './config/load.js';
import { HaproxySource } from './haproxy/source.js';
import type { Logger } from './log/logger.js';
import type { AgentInfo } from './normalize/process-identity.js';
import type { Sink } from './output/create-output.js';
import { Collector } from './pipeline/collector.js';
import { Poller } from './pipeline/poller.js';

export interface Agent {
  collectors: Collector[];
  sink: Sink;
}

/** Wires sources → normalizer → publisher → output for every configured target. */
export function buildAgent(config: HapbeatConfig, agent: AgentInfo, sink: Sink, log: Logger): Agent {
  const settings = { agent, periodMs: config.periodMs, namespace: config.namespace };
  const collectors = config.targets.map((t) => {
    const source = new HaproxySource(t, {
      limits: config.limits,
      concurrency: config.maxConnectionsPerTarget,
      includeOldWorkers: config.includeOldWorkers,
      httpAuth: { username: t.username, password: t.password },
    });
    return new Collector(source, settings, log.child({ target: t.name }), (events) => sink.publish(events));
  });
  return { collectors, sink };
}

/** Totals across collectors and the publisher, for status logs and `once`. */
export function agentCounters(a: Agent): Record<string, number> {
  const total: Record<string, number> = {};
  for (const c of a.collectors) {
    for (const [k, v] of Object.entries(c.counters)) total[k] = (total[k] ?? 0) + v;
  }
  for (const [k, v] of Object.entries(a.sink.counters())) total[`output_${k}`] = v;
  return total;
}

export interface DaemonOptions {
  /** Status log interval. */
  statusEveryMs?: number;
  /** Resolves when the daemon should stop (a signal). */
  stopSignal: Promise<string>;
  /** Upper bound for the shutdown (finish polls, flush outputs). */
  shutdownTimeoutMs?: number;
}

/**
 * `hapbeat run`: polls every target on schedule until the stop signal, then finishes the polls in progress,
 * flushes the output and resolves with the exit code (0 on a clean stop).
 */
export async function runDaemon(a: Agent, config: HapbeatConfig, log: Logger, opts: DaemonOptions): Promise<number> {
  const poller = new Poller(
    a.collectors.map((c) => ({ name: c.name, run: () => c.collect().then(() => undefined) })),
    config.periodMs,
    log,
  );
  log.info(
    { targets: config.targets.map((t) => ({ name: t.name, mode: t.mode })), period_ms: config.periodMs, output: a.sink.name },
    `hapbeat started: ${config.targets.length} target(s), every ${config.periodMs} ms, output ${a.sink.name}`,
  );
  poller.start();
  const status = setInterval(() => log.info({ counters: agentCounters(a) }, 'status'), opts.statusEveryMs ?? 30_000);
  status.unref();
  const signal = await opts.stopSignal;
  clearInterval(status);
  log.info({ signal }, `received ${signal}; finishing the polls in progress and flushing the output`);
  const timeoutMs = opts.shutdownTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), timeoutMs);
  });
  const result = await Promise.race([
    poller.stop().then(() => a.sink.close(Math.max(1000, timeoutMs - 5000))).then(() => 'ok' as const),
    timedOut,
  ]);
  clearTimeout(timer);
  if (result === 'timeout') {
    log.error({ timeout_ms: timeoutMs }, 'shutdown took too long; exiting with polls or output still busy');
    return 1;
  }
  log.info({ counters: agentCounters(a) }, 'hapbeat stopped');
  return 0;
}
