import type { InfoRecord } from '../parse/show-info.js';
import { documentId } from './document-id.js';
import { envelopePrefix, sampleIdParts, type SampleContext } from './envelope.js';
import type { FieldProblem, HapbeatEvent } from './event.js';
import { INFO_TREE, infoCells } from './field-plan.js';
import { emitFields } from './emit.js';
import { JsonWriter } from './json-writer.js';

export interface InfoResult {
  event: HapbeatEvent;
  problems: FieldProblem[];
  unknownKeys: string[];
}

/** Writes every info document, one at a time, into its blocks (see JsonWriter): nothing else is kept between calls. */
const w = new JsonWriter();

/** The `haproxy.info` document of one process sample. Pure. */
export function infoEvent(info: InfoRecord, ctx: SampleContext, durationNs: number): InfoResult {
  const problems: FieldProblem[] = [];
  w.begin();
  w.text(envelopePrefix(ctx, 'haproxy.info', durationNs));
  w.text('{');
  emitFields(w, INFO_TREE.nodes, infoCells(info), 0, undefined, 0, (field, value, expected) =>
    problems.push({ dataset: 'haproxy.info', field, value, reason: `expected ${expected}` }),
  );
  w.text('}}}');
  const json = w.finish();
  const unknownKeys = Object.keys(info).filter((k) => !INFO_TREE.known.has(k));
  return {
    event: { id: documentId(['info', ...sampleIdParts(ctx)]), dataset: 'haproxy.info', timestamp: ctx.sampledAt, json },
    problems,
    unknownKeys,
  };
}
