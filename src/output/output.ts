import type { HapbeatEvent } from '../normalize/documents.js';

/** The outcome of one publish: which events are durable, which may be retried, which never will be. */
export interface PublishResult {
  /** Events now durably written (or already present: duplicates count here). */
  acked: number;
  /** Of those, how many were already there (a retried batch: 409 on the deterministic id). */
  duplicates: number;
  /** Events not written for a reason that may pass (network, 429, 5xx): the caller keeps and retries them. */
  retry: HapbeatEvent[];
  /** Events that can never be written as they are (mapping errors): the caller dead-letters them. */
  rejected: { event: HapbeatEvent; status?: number; reason: string }[];
}

/**
 * An output. `publish` resolves only when it knows the fate of every event it was given; nothing upstream
 * forgets an event before it is acknowledged. Outputs never throw for per-event problems: they report them.
 */
export interface Output {
  readonly name: string;
  publish(events: readonly HapbeatEvent[]): Promise<PublishResult>;
  /** Flushes and releases resources. */
  close(): Promise<void>;
}

export function allAcked(events: readonly HapbeatEvent[]): PublishResult {
  return { acked: events.length, duplicates: 0, retry: [], rejected: [] };
}

/**
 * One NDJSON line per event. The deterministic id travels in `@metadata._id`, as Beats' file and console outputs
 * carry their metadata, so a file can be replayed into Elasticsearch without creating duplicates.
 */
export function serializeEvent(e: HapbeatEvent): string {
  return `{"@metadata":{"_id":"${e.id}","dataset":"${e.dataset}"},${e.json.slice(1)}`;
}

export function serializeBatch(events: readonly HapbeatEvent[]): string {
  let s = '';
  for (const e of events) s += `${serializeEvent(e)}\n`;
  return s;
}
