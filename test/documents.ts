import type { HapbeatEvent } from '../src/documents/event.js';
import type { TargetPoll } from '../src/haproxy/source.js';
import { PollTransform, type TransformedPoll } from '../src/pipeline/transform.js';

/** A document as tests read it. */
export type Doc = Record<string, any>;

/** The document of an event as an object (parses its JSON). */
export function docOf(e: HapbeatEvent): Doc {
  return JSON.parse(e.json.toString()) as Doc;
}

export const testSettings = { agent: { name: 'a', version: '0', id: 'x', hostname: 'h' }, periodMs: 1000, namespace: 'default' };

/**
 * One poll through a fresh transform, keeping only the per-process documents (they come first): what a test
 * of one process's documents wants, without the instance's totals and lifecycle events.
 */
export function perProcess(poll: TargetPoll, settings = testSettings): TransformedPoll {
  const t = new PollTransform(settings).run(poll);
  const n = t.processes.reduce((a, p) => a + p.statDocs + p.infoDocs, 0);
  return { ...t, events: t.events.slice(0, n) };
}
