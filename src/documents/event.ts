import type { Dataset } from '../fields/datasets.js';

export type { Dataset };

/**
 * A document on its way to an output. The body is kept as its JSON text, built once straight from HAProxy's
 * strings: no intermediate objects on the hot path, the same bytes for every output, compact in queues, and
 * integers copied digit for digit (a u64 counter above 2^53 stays exact).
 */
export interface HapbeatEvent {
  /** Deterministic `_id`. */
  id: string;
  dataset: Dataset;
  /** Sample time, epoch ms (equal to the document's `@timestamp`). */
  timestamp: number;
  /** The document as JSON (no `_id` inside: that goes in the bulk action or `@metadata`). */
  json: string;
}

/** A value that could not be used; the field is left out of the document and the problem is logged. */
export interface FieldProblem {
  dataset: Dataset;
  field: string;
  value: string;
  reason: string;
  row?: string;
}
