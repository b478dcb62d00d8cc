/**
 * Retry classification, in one place: what an answer or an error from an output means for the documents.
 * Every output and the delivery queue use these words, so the retry, backoff and probe decisions are taken
 * the same way whatever the destination.
 */

/**
 * - `unavailable`: cannot reach the destination, or it answered 5xx / timed out. Retried with backoff; the
 *   queue probes the output so that it resumes at once when the destination is back.
 * - `throttled`: the destination is up but refuses for now (429). Retried with backoff only (probing would
 *   succeed at once and hammer an overloaded cluster).
 * - `unauthorized`: 401/403. Retried with backoff: fixing the credentials or the role resumes delivery.
 * - `aborted`: the shutdown deadline cut the request short. The documents stay in the queue's buffer.
 */
export type FailureKind = 'unavailable' | 'throttled' | 'unauthorized' | 'aborted';

export interface OutputFailure {
  kind: FailureKind;
  message: string;
  status?: number;
  /**
   * The connection itself could not be made (refused, no route, unknown host): proof that the destination is
   * down, as good as a failed probe. Not set for timeouts or HTTP answers, after which a destination that
   * answers a probe may still be failing requests.
   */
  unreachable?: boolean;
}

/** What one HTTP status (of a whole request, or of one bulk item) means for the document(s). */
export type StatusVerdict = 'acked' | 'duplicate' | 'retry' | 'reject';

export function statusVerdict(status: number): StatusVerdict {
  if (status >= 200 && status < 300) return 'acked';
  if (status === 409) return 'duplicate';
  if (status === 429 || status >= 500 || status === 0 || status === 401 || status === 403) return 'retry';
  return 'reject';
}

/** The failure kind of a retried status. */
export function failureKindOf(status: number | undefined): FailureKind {
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'unauthorized';
  return 'unavailable';
}
