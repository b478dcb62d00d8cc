import { describe, expect, it } from 'vitest';
import { sizeBounds, statParts } from '../../bench/doc-size.js';
import { PollTransform } from '../../src/pipeline/transform.js';
import { recordedPoll } from '../../lab/recorded-poll.js';
import { docOf, testSettings, type Doc } from '../documents.js';
import { fixture, V26 } from '../fixtures.js';

/** The bytes of the fields hapbeat derives in a parsed stat object, each as `"key":value` plus one separator. */
function derivedBytes(stat: Doc): { bytes: number; members: number } {
  let bytes = 0;
  let members = 0;
  const walk = (o: Doc) => {
    for (const [k, v] of Object.entries(o)) {
      const derived = k.endsWith('_per_s') || k.endsWith('_ratio') || k === 'component' || k === 'state';
      if (derived) {
        bytes += JSON.stringify(k).length + 1 + JSON.stringify(v).length + 1;
        members++;
      } else if (typeof v === 'object' && v !== null) walk(v as Doc);
    }
  };
  walk(stat);
  return { bytes, members };
}

describe("the bench's split of a stat document's bytes (goal 3's breakdown)", () => {
  // Two polls of the same recorded sample: the second has every rate (all 0) and ratio.
  const poll = (at: number) => recordedPoll('/run/haproxy-master.sock', at, { info: fixture(V26, 'show-info.txt'), stat: fixture(V26, 'show-stat.txt') });
  const transform = new PollTransform(testSettings);
  transform.run(poll(1_800_000_000_000));
  const stats = transform.run(poll(1_800_000_001_000)).events.filter((e) => e.dataset === 'haproxy.stat');

  it('the envelope, the columns and the derived fields add up to the document, and derived holds exactly the derived members', () => {
    expect(stats).toHaveLength(12);
    let members = 0;
    for (const e of stats) {
      const parts = statParts(e.json.toString());
      expect(parts.envelope + parts.columns + parts.derived).toBe(e.json.length);
      const doc = docOf(e);
      const expected = derivedBytes(doc.haproxy.stat as Doc);
      expect(parts.derived).toBe(expected.bytes);
      // The envelope is the document without its stat object.
      expect(parts.envelope).toBe(e.json.length - JSON.stringify(doc.haproxy.stat).length);
      members += expected.members;
    }
    // 12 rows, each with its component and state (24), plus the rates of their counters and the ratios (328).
    expect(members).toBe(352);
  });

  it('refuses a document that is not haproxy.stat', () => {
    expect(() => statParts('{"haproxy":{"info":{}}}')).toThrow(/not a haproxy.stat document/);
  });

  it('the floor keeps every field and name and shortens each value to one character; zeros are left out but for the identity', () => {
    const doc =
      '{"@timestamp":"2026-11-21T00:00:00.000Z","haproxy":{"stat":{"proxy":{"id":0},"server":{"id":0,"backup":0},"in":{"bytes":123456,"bytes_per_s":0},"h2":{"x":0},"status":"UP 2/3","up":true}}}';
    const b = sizeBounds([doc]);
    expect(b.floor).toBe(
      '{"@timestamp":0,"haproxy":{"stat":{"proxy":{"id":0},"server":{"id":0,"backup":0},"in":{"bytes":0,"bytes_per_s":0},"h2":{"x":0},"status":0,"up":0}}}'
        .length,
    );
    expect(b.statFloor).toBe('{"proxy":{"id":0},"server":{"id":0,"backup":0},"in":{"bytes":0,"bytes_per_s":0},"h2":{"x":0},"status":0,"up":0}'.length);
    expect(b.withoutZeros).toBe(
      '{"@timestamp":"2026-11-21T00:00:00.000Z","haproxy":{"stat":{"proxy":{"id":0},"server":{"id":0},"in":{"bytes":123456},"status":"UP 2/3","up":true}}}'
        .length,
    );
    // On real documents: a mean over the documents, below each document's size.
    const jsons = stats.map((e) => e.json.toString());
    const real = sizeBounds(jsons);
    expect(real.floor).toBeLessThan(jsons.reduce((a, j) => a + j.length, 0) / jsons.length);
    expect(sizeBounds([jsons[0]!, jsons[0]!])).toEqual(sizeBounds([jsons[0]!]));
  });
});
