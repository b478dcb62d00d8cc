import { describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Spool } from '../../src/pipeline/spool.js';
import type { HapbeatEvent } from '../../src/normalize/documents.js';

const ev = (i: number, pad = 0): HapbeatEvent => ({ id: `id-${i}`, dataset: i % 2 ? 'haproxy.info' : 'haproxy.stat', timestamp: 1_800_000_000_000 + i, json: JSON.stringify({ n: i, tab: 'a\tb', nl: 'x\ny', pad: 'p'.repeat(pad) }) });
const batch = (from: number, n: number, pad = 0) => Array.from({ length: n }, (_, k) => ev(from + k, pad));
const dir = () => mkdtempSync(path.join(os.tmpdir(), 'hapbeat-spool-'));
const opts = { maxBytes: 1 << 20, segmentBytes: 64 * 1024 };

async function drain(s: Spool): Promise<HapbeatEvent[]> {
  const out: HapbeatEvent[] = [];
  for (;;) {
    const r = await s.peek();
    if (!r) return out;
    out.push(...r.events);
    await s.ack(r);
  }
}

describe('Spool', () => {
  it('returns batches in order, exactly as appended, and is empty after acks', async () => {
    const s = Spool.open(dir(), opts);
    await s.append(batch(0, 3));
    await s.append(batch(3, 2));
    expect(s.events).toBe(5);
    const got = await drain(s);
    expect(got).toEqual(batch(0, 5));
    expect(s.events).toBe(0);
    expect(s.empty).toBe(true);
    await s.close();
  });

  it('replays what was not acknowledged after a restart, and nothing that was', async () => {
    const d = dir();
    const s1 = Spool.open(d, opts);
    for (let b = 0; b < 10; b++) await s1.append(batch(b * 10, 10, 500));
    const first = (await s1.peek())!;
    await s1.ack(first);
    const second = (await s1.peek())!; // in flight when the process dies: not acked
    expect(second.events[0]!.id).toBe('id-10');
    // no close(): as after kill -9
    const s2 = Spool.open(d, opts);
    expect(s2.recovered).toEqual([]);
    expect(s2.events).toBe(90);
    const got = await drain(s2);
    expect(got.map((e) => e.id)).toEqual(batch(10, 90).map((e) => e.id));
    await s2.append(batch(100, 1));
    expect((await drain(s2)).map((e) => e.id)).toEqual(['id-100']);
    await s2.close();
    // Delivered segments are deleted.
    expect(readdirSync(d).filter((f) => f.endsWith('.seg')).length).toBeLessThanOrEqual(1);
  });

  it('cuts off and reports a truncated tail (a crash during a write), keeping every complete record', async () => {
    const d = dir();
    const s1 = Spool.open(d, opts);
    await s1.append(batch(0, 4));
    await s1.append(batch(4, 4));
    const seg = path.join(d, readdirSync(d).find((f) => f.endsWith('.seg'))!);
    const full = statSync(seg).size;
    truncateSync(seg, full - 7);
    const s2 = Spool.open(d, opts);
    expect(s2.recovered).toHaveLength(1);
    expect(s2.recovered[0]).toMatch(/a record cut short at byte \d+; \d+ bytes cut off/);
    expect((await drain(s2)).map((e) => e.id)).toEqual(batch(0, 4).map((e) => e.id));
  });

  it('detects a corrupt record by its checksum', async () => {
    const d = dir();
    const s1 = Spool.open(d, opts);
    await s1.append(batch(0, 2));
    await s1.append(batch(2, 2));
    const seg = path.join(d, readdirSync(d).find((f) => f.endsWith('.seg'))!);
    const buf = readFileSync(seg);
    buf[buf.length - 5]! ^= 0xff; // flip a byte in the second record's payload
    writeFileSync(seg, buf);
    const s2 = Spool.open(d, opts);
    expect(s2.recovered[0]).toContain('failing its checksum');
    expect((await drain(s2)).map((e) => e.id)).toEqual(['id-0', 'id-1']);
  });

  it('ignores garbage appended after the last record', async () => {
    const d = dir();
    const s1 = Spool.open(d, opts);
    await s1.append(batch(0, 2));
    const seg = path.join(d, readdirSync(d).find((f) => f.endsWith('.seg'))!);
    appendFileSync(seg, Buffer.from('garbage!garbage!'));
    const s2 = Spool.open(d, opts);
    expect(s2.recovered).toHaveLength(1);
    expect((await drain(s2)).map((e) => e.id)).toEqual(['id-0', 'id-1']);
  });

  it('stays within its size by dropping the oldest segments, and counts what it dropped', async () => {
    const s = Spool.open(dir(), { maxBytes: 256 * 1024, segmentBytes: 64 * 1024 });
    for (let b = 0; b < 100; b++) await s.append(batch(b * 10, 10, 1000)); // ~1 MB
    expect(s.bytes).toBeLessThanOrEqual(256 * 1024);
    expect(s.droppedEvents).toBeGreaterThan(0);
    const got = await drain(s);
    expect(got.length + s.droppedEvents).toBe(1000);
    // What is left is the newest data, in order and without gaps.
    const ids = got.map((e) => Number(e.id.slice(3)));
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, k) => 1000 - ids.length + k));
  });

  it('says how to fix an unusable directory', () => {
    const d = dir();
    writeFileSync(path.join(d, 'file'), '');
    expect(() => Spool.open(path.join(d, 'file', 'spool'), opts)).toThrow('must be a directory this user can write');
  });
});
