import type { Dataset } from '../fields/datasets.js';

export type { Dataset };

/**
 * A document on its way to an output. The body is kept as its JSON, UTF-8 bytes written once straight from
 * HAProxy's strings (see JsonWriter): no intermediate objects on the hot path, the same bytes for every
 * output, outside V8's heap while queued, and integers copied digit for digit (a u64 counter above 2^53
 * stays exact).
 */
export interface HapbeatEvent {
  /** Deterministic `_id`. */
  id: string;
  dataset: Dataset;
  /** Sample time, epoch ms (equal to the document's `@timestamp`). */
  timestamp: number;
  /** The document as UTF-8 JSON (no `_id` inside: that goes in the bulk action or `@metadata`). Never changed once built. */
  json: Buffer;
}

/** A value that could not be used; the field is left out of the document and the problem is logged. */
export interface FieldProblem {
  dataset: Dataset;
  field: string;
  value: string;
  reason: string;
  row?: string;
}
