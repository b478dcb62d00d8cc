import type { HapbeatConfig } from './config/load.js';
import { HaproxySource } from './haproxy/source.js';
import type { Logger } from './log/logger.js';
import type { AgentInfo } from './documents/envelope.js';
import type { DeliveryQueue } from './pipeline/delivery-queue.js';
import { Collector } from './pipeline/collector.js';
import { Poller } from './pipeline/poller.js';
import { within } from './pipeline/timing.js';
import { writeHealth, type HealthStatus } from './health.js';

export interface Agent {
  collectors: Collector[];
  sink: DeliveryQueue;
}

/** Wires, for every configured target: source → transform (parse → derive → documents) → delivery queue (buffer + output). */
export function buildAgent(config: HapbeatConfig, agent: AgentInfo, sink: DeliveryQueue, log: Logger): Agent {
  const settings = { agent, periodMs: config.periodMs, namespace: config.namespace };
  const collectors = config.targets.map((t) => {
    const source = new HaproxySource(t, {
      limits: config.limits,
      concurrency: config.maxConnectionsPerTarget,
      includeOldWorkers: config.includeOldWorkers,
      httpAuth: { username: t.username, password: t.password },
    });
    return new Collector(source, settings, log.child({ target: t.name }), (events) => sink.push(events));
  });
  return { collectors, sink };
}

/** Totals across the collectors and the delivery queue (`output_*`), for status logs and `once`. */
export function agentCounters(a: Agent): Record<string, number> {
  const total: Record<string, number> = {};
  for (const c of a.collectors) {
    for (const [k, v] of Object.entries(c.counters)) total[k] = (total[k] ?? 0) + v;
  }
  for (const [k, v] of Object.entries(a.sink.counters)) total[`output_${k}`] = v;
  return total;
}

export interface DaemonOptions {
  /** Status log interval. */
  statusEveryMs?: number;
  /** Resolves when the daemon should stop (a signal). */
  stopSignal: Promise<string>;
}

/**
 * `hapbeat run`: polls every target on schedule until the stop signal. Then, within `shutdown_timeout`: stops
 * polling (a poll in progress may finish and be kept), lets the delivery queue send what it can, aborts what is
 * still in flight at the deadline, and closes the queue: unacknowledged documents stay in the disk spool.
 * Resolves with the exit code: 0 on a clean stop, whatever was left for the next start.
 */
export async function runDaemon(a: Agent, config: HapbeatConfig, log: Logger, opts: DaemonOptions): Promise<number> {
  const poller = new Poller(
    a.collectors.map((c) => ({ name: c.name, run: () => c.collect().then(() => undefined) })),
    config.periodMs,
    log,
  );
  log.info(
    { targets: config.targets.map((t) => ({ name: t.name, mode: t.mode })), period_ms: config.periodMs, output: a.sink.name, queue: a.sink.buffer.type },
    `hapbeat started: ${config.targets.length} target(s), every ${config.periodMs} ms, output ${a.sink.name}, ${a.sink.buffer.type} queue`,
  );
  poller.start();
  const status = setInterval(() => log.info({ counters: agentCounters(a) }, 'status'), opts.statusEveryMs ?? 30_000);
  status.unref();
  // The health file (hapbeat health, a container HEALTHCHECK): rewritten every period, at most every 5 s.
  const startedAt = Date.now();
  let healthError = false;
  const health = (state: HealthStatus['state']) => {
    const err = writeHealth(config.dataPath, healthStatus(a, config, state, startedAt));
    if (err && !healthError)
      log.warn({ path: config.dataPath, error: err.message }, `cannot write the health file in ${config.dataPath}; hapbeat health will report it missing`);
    healthError = !!err;
  };
  health('running');
  const healthTimer = setInterval(() => health('running'), Math.min(config.periodMs, 5_000));
  healthTimer.unref();
  const signal = await opts.stopSignal;
  clearInterval(status);
  clearInterval(healthTimer);
  const started = Date.now();
  const deadline = started + config.shutdownTimeoutMs;
  log.info(
    { signal, shutdown_timeout_ms: config.shutdownTimeoutMs },
    `received ${signal}; stopping the polls and delivering for at most ${config.shutdownTimeoutMs} ms`,
  );
  // A poll stuck on HAProxy must not hold the shutdown: it gets half of the time at most.
  await within(poller.stop(), config.shutdownTimeoutMs / 2);
  await a.sink.close(Math.max(0, deadline - Date.now()));
  health('stopped');
  log.info({ counters: agentCounters(a), shutdown_ms: Date.now() - started }, 'hapbeat stopped');
  return 0;
}

function healthStatus(a: Agent, config: HapbeatConfig, state: HealthStatus['state'], startedAt: number): HealthStatus {
  const last = Math.max(...a.collectors.map((c) => c.lastSuccessAt ?? 0));
  const counters = agentCounters(a);
  const s: HealthStatus = {
    pid: process.pid,
    state,
    updated_at: Date.now(),
    started_at: startedAt,
    period_ms: config.periodMs,
    polls: counters.polls ?? 0,
    failed_polls: counters.failed_polls ?? 0,
    output: a.sink.name,
    queue_pending: a.sink.counters.pending,
  };
  if (last > 0) s.last_success_at = last;
  return s;
}
