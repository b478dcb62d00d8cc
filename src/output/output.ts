import type { HapbeatEvent } from '../documents/event.js';
import type { OutputFailure } from './failure.js';

/** A document an output can never write as it is (a mapping error, ...): it goes to the dead letter. */
export interface Rejected {
  event: HapbeatEvent;
  status?: number;
  reason: string;
}

/** The outcome of one publish: which events are durable, which may be retried, which never will be. */
export interface PublishResult {
  /** Events now durably written (or already present: duplicates count here). */
  acked: number;
  /** Of those, how many were already there (a retried batch: 409 on the deterministic id). */
  duplicates: number;
  /** Events not written for a reason that may pass (network, 429, 5xx, an abort): the queue keeps them. */
  retry: HapbeatEvent[];
  /** Events that can never be written as they are: the queue dead-letters them. */
  rejected: Rejected[];
  /** Why events are in `retry`, when the output knows (drives the log, the backoff and the probe). */
  failure?: OutputFailure;
}

export interface PublishOptions {
  /** Aborted at the shutdown deadline: the output gives up at once and returns the batch as `retry`. */
  signal?: AbortSignal;
}

/**
 * An output: the last stage of the pipeline, behind the delivery queue. `publish` resolves only when it knows
 * the fate of every event it was given, and never throws for ordinary failures: it reports them in the
 * result. (A throw is still caught by the queue and treated as "retry the whole batch".)
 */
export interface Output {
  readonly name: string;
  publish(events: readonly HapbeatEvent[], opts?: PublishOptions): Promise<PublishResult>;
  /**
   * Cheap health check used while backing off after an `unavailable` failure: true as soon as the destination
   * answers again, so the queue can stop waiting and drain at full speed. Outputs without one are retried on
   * the backoff schedule alone.
   */
  probe?(signal: AbortSignal): Promise<boolean>;
  /** Flushes and releases resources. */
  close(): Promise<void>;
}

export function allAcked(events: readonly HapbeatEvent[]): PublishResult {
  return { acked: events.length, duplicates: 0, retry: [], rejected: [] };
}

export function emptyResult(): PublishResult {
  return { acked: 0, duplicates: 0, retry: [], rejected: [] };
}

/** Adds `r` into `into` (the first failure is kept). */
export function mergeResults(into: PublishResult, r: PublishResult): PublishResult {
  into.acked += r.acked;
  into.duplicates += r.duplicates;
  for (const e of r.retry) into.retry.push(e);
  for (const x of r.rejected) into.rejected.push(x);
  if (r.failure && !into.failure) into.failure = r.failure;
  return into;
}

/**
 * One NDJSON line per event. The deterministic id travels in `@metadata._id`, as Beats' file and console outputs
 * carry their metadata, so a file can be replayed into Elasticsearch without creating duplicates.
 */
export function serializeEvent(e: HapbeatEvent): string {
  return `{"@metadata":{"_id":"${e.id}","dataset":"${e.dataset}"},${e.json.toString('utf8', 1)}`;
}

export function serializeBatch(events: readonly HapbeatEvent[]): string {
  let s = '';
  for (const e of events) s += `${serializeEvent(e)}\n`;
  return s;
}
