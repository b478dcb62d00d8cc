import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HapbeatEvent } from '../../src/documents/event.js';
import { ByteWriter } from '../../src/byte-writer.js';
import { bulkBody } from '../../src/output/elasticsearch/bulk.js';

/** The body as it is defined: for each event, its action line (with the id where asked), its JSON, a new line. */
function joined(events: readonly HapbeatEvent[], indexFor: (e: HapbeatEvent) => string, sendId: (e: HapbeatEvent) => boolean): string {
  return events
    .map((e) => {
      const action = sendId(e) ? { create: { _index: indexFor(e), _id: e.id } } : { create: { _index: indexFor(e) } };
      return `${JSON.stringify(action)}\n${e.json.toString()}\n`;
    })
    .join('');
}

const DAY = 86_400_000;
/** A daily index, as `hapbeat-<dataset>-<namespace>-<day>` names are: it depends on the dataset and the time. */
const daily = (e: HapbeatEvent) => `hapbeat-${e.dataset}-default-${Math.floor(e.timestamp / DAY)}`;

describe('the _bulk body', () => {
  it('is each event with its action line, whatever runs of datasets, times and ids the events come in', () => {
    const event = fc.record({
      id: fc.stringMatching(/^[0-9a-f]{40}$/),
      dataset: fc.constantFrom('haproxy.stat', 'haproxy.info', 'haproxy.process'),
      // Samples a few ms apart, some across midnight.
      timestamp: fc.constantFrom(1_800_000_000_000, 1_800_000_000_001, 20_000 * DAY - 1, 20_000 * DAY),
      json: fc.json().map((j) => Buffer.from(j)),
    });
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 60 }),
        fc.constantFrom<'all' | 'none' | 'info'>('all', 'none', 'info'),
        fc.nat(5000),
        (events, ids, estimate) => {
          const sendId = (e: HapbeatEvent) => ids === 'all' || (ids === 'info' && e.dataset === 'haproxy.info');
          const asked = ids === 'all' || ids === 'none' ? ids === 'all' : sendId;
          const body = bulkBody(events, daily, asked, new ByteWriter(estimate));
          expect(body.toString()).toBe(joined(events, daily, sendId));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('asks for the index once per run of events with one dataset and timestamp', () => {
    const e = (dataset: HapbeatEvent['dataset'], timestamp: number): HapbeatEvent => ({ id: 'x', dataset, timestamp, json: Buffer.from('{}') });
    const events = [e('haproxy.stat', 1), e('haproxy.stat', 1), e('haproxy.stat', 1), e('haproxy.info', 1), e('haproxy.stat', 2), e('haproxy.stat', 2)];
    let asked = 0;
    const body = bulkBody(events, (x) => (asked++, `i-${x.dataset}`), false);
    expect(asked).toBe(3);
    expect(
      body
        .toString()
        .split('\n')
        .filter((l) => l.startsWith('{"create"')),
    ).toEqual([
      ...Array(3).fill('{"create":{"_index":"i-haproxy.stat"}}'),
      '{"create":{"_index":"i-haproxy.info"}}',
      ...Array(2).fill('{"create":{"_index":"i-haproxy.stat"}}'),
    ]);
  });
});
