import { TargetDeriver, type DerivedPoll } from '../derive/derive-poll.js';
import type { DocumentSettings } from '../documents/envelope.js';
import { pollDocuments, type PollDocuments } from '../documents/poll-documents.js';
import type { TargetPoll } from '../haproxy/source.js';

/** A poll after the transform: what was derived, and the documents built from it. */
export interface TransformedPoll extends PollDocuments {
  derived: DerivedPoll;
}

/**
 * One target's transform, one way: raw answers → parse → derive (identities, rates, totals, lifecycle) →
 * documents. The derive step keeps state across polls (previous counters), so there is one per target.
 */
export class PollTransform {
  private readonly deriver = new TargetDeriver();

  constructor(private readonly settings: DocumentSettings) {}

  run(poll: TargetPoll): TransformedPoll {
    const derived = this.deriver.derive(poll);
    return { ...pollDocuments(derived, this.settings), derived };
  }
}
