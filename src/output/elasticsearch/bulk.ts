import { appendAll } from '../../arrays.js';
import { ByteWriter } from '../../byte-writer.js';
import type { HapbeatEvent } from '../../documents/event.js';
import { failureKindOf, statusVerdict } from '../failure.js';
import { emptyResult, type PublishResult } from '../output.js';

/**
 * The `_bulk` body: a `create` action per document (data streams accept only create), with the document's
 * `_id` where `sendId` says so (not into time series data streams, which make their own). Built straight into
 * a buffer (see ByteWriter): `w`, when given, is a writer borrowed from a BufferPool.
 *
 * `indexFor` must depend only on an event's dataset and timestamp: it is asked again only when those change
 * (the documents of one sample share both), and an action line without an id is encoded once per index.
 */
export function bulkBody(
  events: readonly HapbeatEvent[],
  indexFor: (e: HapbeatEvent) => string,
  sendId: boolean | ((e: HapbeatEvent) => boolean),
  w = new ByteWriter(bulkEstimate(events)),
): Buffer {
  let dataset: string | undefined;
  let timestamp = NaN;
  let index = '';
  let action: Buffer | undefined;
  for (const e of events) {
    if (e.dataset !== dataset || e.timestamp !== timestamp) {
      dataset = e.dataset;
      timestamp = e.timestamp;
      const next = indexFor(e);
      if (next !== index) {
        index = next;
        action = undefined;
      }
    }
    if (typeof sendId === 'boolean' ? sendId : sendId(e)) w.write('{"create":{"_index":"').write(index).write('","_id":"').write(e.id).write('"}}\n');
    else w.bytes((action ??= Buffer.from(`{"create":{"_index":"${index}"}}\n`)));
    w.bytes(e.json);
    w.write('\n');
  }
  return w.finish();
}

/** About the bytes of the `_bulk` body of `events` (their JSON and an action line each). */
export function bulkEstimate(events: readonly HapbeatEvent[]): number {
  let estimate = 0;
  for (const e of events) estimate += e.json.length + 100;
  return estimate;
}

export interface BulkItem {
  status: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
}

/**
 * Sorts a bulk response's items into outcomes, in order:
 * 2xx acknowledged; 409 already there (our deterministic id, or the TSDB id from the same dimensions and
 * time): a duplicate, which counts as delivered; 429 and 5xx retried; any other 4xx (a mapping error, ...)
 * can never succeed as it is and is rejected, with its reason, for the dead letter.
 */
export function classifyItems(events: readonly HapbeatEvent[], items: readonly { create?: BulkItem; index?: BulkItem }[]): PublishResult {
  const r = emptyResult();
  if (items.length !== events.length) {
    // A response that does not match the request cannot be trusted item by item: retry everything.
    appendAll(r.retry, events);
    return r;
  }
  for (let i = 0; i < events.length; i++) {
    const item = items[i]!.create ?? items[i]!.index;
    const e = events[i]!;
    const status = item?.status ?? 0;
    switch (statusVerdict(status)) {
      case 'acked':
        r.acked++;
        break;
      case 'duplicate':
        r.acked++;
        r.duplicates++;
        break;
      case 'retry':
        r.retry.push(e);
        if (!r.failure)
          r.failure = { kind: failureKindOf(status), status, message: `Elasticsearch answered ${status} for some documents (${itemReason(item)})` };
        break;
      case 'reject':
        r.rejected.push({ event: e, status, reason: itemReason(item) });
    }
  }
  return r;
}

function itemReason(item: BulkItem | undefined): string {
  const err = item?.error;
  if (!err) return `status ${item?.status ?? 'missing'}`;
  const cause = err.caused_by?.reason ? ` (${err.caused_by.type ?? 'cause'}: ${err.caused_by.reason})` : '';
  return `${err.type ?? 'error'}: ${err.reason ?? ''}${cause}`;
}
