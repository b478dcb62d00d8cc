import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Spool, SpoolError, SpoolLockedError } from '../../src/pipeline/spool.js';
import { encodeRecord, RECORD_HEADER_BYTES } from '../../src/pipeline/spool-format.js';
import type { HapbeatEvent } from '../../src/documents/event.js';

/** `pad` bytes that do not compress (the spool gzips its records), so that sizes stay predictable. */
const noise = (n: number) =>
  randomBytes(Math.ceil((n * 3) / 4))
    .toString('base64')
    .slice(0, n);
const ev = (i: number, pad = 0): HapbeatEvent => ({
  id: `id-${i}`,
  dataset: i % 2 ? 'haproxy.info' : 'haproxy.stat',
  timestamp: 1_800_000_000_000 + i,
  json: Buffer.from(JSON.stringify({ n: i, tab: 'a\tb', nl: 'x\ny', pad: noise(pad) })),
});
const batch = (from: number, n: number, pad = 0) => Array.from({ length: n }, (_, k) => ev(from + k, pad));
const dir = () => mkdtempSync(path.join(os.tmpdir(), 'hapbeat-spool-'));
const opts = { maxBytes: 1 << 20, segmentBytes: 64 * 1024, ackEveryMs: 1 };
const segs = (d: string) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.seg'))
    .sort()
    .map((f) => path.join(d, f));

/** Reads every record and releases it. */
async function drain(s: Spool): Promise<HapbeatEvent[]> {
  const out: HapbeatEvent[] = [];
  for (;;) {
    const r = await s.next();
    if (!r) return out;
    out.push(...r.events);
    s.release(r);
  }
}

/** Simulates kill -9: the lock file stays, written by a pid that no longer exists. */
function orphanLock(d: string): void {
  const lock = JSON.parse(readFileSync(path.join(d, 'lock'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(d, 'lock'), JSON.stringify({ ...lock, pid: 2 ** 22 + 12345, token: 'a process that is gone' }));
}

describe('Spool (write-ahead)', () => {
  it('hands out batches in order, exactly as appended, and is empty once they are released', async () => {
    const s = Spool.open(dir(), opts);
    await s.append(batch(0, 3));
    await s.append(batch(3, 2));
    expect(s.events).toBe(5);
    expect(await drain(s)).toEqual(batch(0, 5));
    expect(s.events).toBe(0);
    expect(s.empty).toBe(true);
    await s.close();
  });

  it('replays what was not released after a kill -9, and nothing that was', async () => {
    const d = dir();
    const s1 = Spool.open(d, { ...opts, cacheEvents: 0 });
    for (let b = 0; b < 10; b++) await s1.append(batch(b * 10, 10, 500));
    const first = (await s1.next())!;
    s1.release(first);
    s1.writeAck();
    const second = (await s1.next())!; // in flight when the process dies: not released
    expect(second.events[0]!.id).toBe('id-10');
    orphanLock(d); // no close(): as after kill -9
    const s2 = Spool.open(d, opts);
    expect(s2.recovered).toEqual([]);
    expect(s2.events).toBe(90);
    expect((await drain(s2)).map((e) => e.id)).toEqual(batch(10, 90).map((e) => e.id));
    await s2.append(batch(100, 1));
    expect((await drain(s2)).map((e) => e.id)).toEqual(['id-100']);
    await s2.close();
    expect(segs(d).length).toBeLessThanOrEqual(1); // delivered segments are deleted
    await s1.close(); // the "killed" one: only to release its file handles
  });

  it('moves the delivered position only over records released in a row (out-of-order releases)', async () => {
    const d = dir();
    const s1 = Spool.open(d, { ...opts, cacheEvents: 0 });
    for (let b = 0; b < 4; b++) await s1.append(batch(b * 2, 2));
    const [a, b, c] = [(await s1.next())!, (await s1.next())!, (await s1.next())!];
    s1.release(b);
    s1.release(c); // a is still in flight
    s1.writeAck();
    orphanLock(d);
    const s2 = Spool.open(d, opts);
    expect(s2.events).toBe(8); // everything from a on comes again (b and c as 409 duplicates)
    s2.release((await s2.next())!);
    void a;
    await s2.close();
    await s1.close(); // the "killed" one: only to release its file handles
  });

  it('cuts off and reports a torn last record (a crash during a write), keeping every complete record', async () => {
    const d = dir();
    const s1 = Spool.open(d, opts);
    await s1.append(batch(0, 4));
    await s1.append(batch(4, 4));
    await s1.close();
    const seg = segs(d)[0]!;
    truncateSync(seg, statSync(seg).size - 7);
    const s2 = Spool.open(d, opts);
    expect(s2.recovered).toHaveLength(1);
    expect(s2.recovered[0]).toMatch(/an incomplete last record .* at byte \d+; \d+ bytes cut off/);
    expect((await drain(s2)).map((e) => e.id)).toEqual(batch(0, 4).map((e) => e.id));
    expect(s2.quarantinedEvents).toBe(0); // never accepted: not a loss
  });

  it('a flipped byte in a middle record: that record is skipped, quarantined and counted; every other record is replayed', async () => {
    const d = dir();
    const s1 = Spool.open(d, { ...opts, segmentBytes: 1 << 20, maxBytes: 4 << 20 });
    const sizes: number[] = [];
    for (let r = 0; r < 14; r++) {
      await s1.append(batch(r * 30, 30, 200));
      sizes.push(statSync(segs(d)[0]!).size);
    }
    await s1.close();
    const seg = segs(d)[0]!;
    const buf = readFileSync(seg);
    buf[sizes[1]! + RECORD_HEADER_BYTES + 100]! ^= 0x01; // a byte inside record 3's payload
    writeFileSync(seg, buf);
    const s2 = Spool.open(d, opts);
    const got = await drain(s2);
    expect(got.length).toBe(13 * 30);
    expect(got.map((e) => e.id)).toEqual([...batch(0, 60), ...batch(90, 330)].map((e) => e.id));
    expect(s2.quarantinedEvents).toBe(30);
    expect(s2.damage).toHaveLength(1);
    expect(s2.damage[0]).toContain('failing its checksum');
    const q = readdirSync(path.join(d, 'quarantine'));
    expect(q).toHaveLength(1);
    expect(statSync(path.join(d, 'quarantine', q[0]!)).size).toBe(sizes[2]! - sizes[1]!);
    await s2.close();
  });

  it('a flipped byte while running (not only at open) is skipped the same way', async () => {
    const d = dir();
    const s = Spool.open(d, { ...opts, cacheEvents: 0 });
    for (let r = 0; r < 3; r++) await s.append(batch(r * 5, 5));
    const seg = segs(d)[0]!;
    const buf = readFileSync(seg);
    buf[Math.floor(buf.length / 2)]! ^= 0x40; // the middle record
    writeFileSync(seg, buf);
    const got = await drain(s);
    expect(got.map((e) => e.id)).toEqual([...batch(0, 5), ...batch(10, 5)].map((e) => e.id));
    expect(s.quarantinedEvents).toBe(5);
    expect(s.events).toBe(0);
    await s.close();
  });

  it('a damaged header: the next good record is found by its magic and checksums; the loss is counted by line ends', async () => {
    const d = dir();
    const s1 = Spool.open(d, opts);
    await s1.append(batch(0, 3));
    await s1.append(batch(3, 4));
    await s1.append(batch(7, 2));
    await s1.close();
    const seg = segs(d)[0]!;
    const buf = readFileSync(seg);
    const second = encodeRecord(batch(0, 3)).length;
    buf[second + 5]! ^= 0xff; // the second record's length field
    writeFileSync(seg, buf);
    const s2 = Spool.open(d, opts);
    expect((await drain(s2)).map((e) => e.id)).toEqual(['id-0', 'id-1', 'id-2', 'id-7', 'id-8']);
    expect(s2.quarantinedEvents).toBe(4);
    expect(s2.damage[0]).toContain('a damaged record header');
    await s2.close();
  });

  it('ignores garbage appended after the last record', async () => {
    const d = dir();
    const s1 = Spool.open(d, opts);
    await s1.append(batch(0, 2));
    await s1.close();
    appendFileSync(segs(d)[0]!, Buffer.from('garbage!garbage!garbage!'));
    const s2 = Spool.open(d, opts);
    expect((await drain(s2)).map((e) => e.id)).toEqual(['id-0', 'id-1']);
    await s2.close();
  });

  it('stays within its size by dropping the oldest segments, and counts what it dropped', async () => {
    const s = Spool.open(dir(), { maxBytes: 256 * 1024, segmentBytes: 64 * 1024 });
    for (let b = 0; b < 100; b++) await s.append(batch(b * 10, 10, 1000)); // ~1 MB
    expect(s.bytes).toBeLessThanOrEqual(256 * 1024);
    expect(s.droppedEvents).toBeGreaterThan(0);
    const got = await drain(s);
    expect(got.length + s.droppedEvents).toBe(1000);
    const ids = got.map((e) => Number(e.id.slice(3)));
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, k) => 1000 - ids.length + k)); // the newest, in order
    await s.close();
  });

  it('a short write followed by ENOSPC: a typed error, no partial record left behind, and the spool goes on when space returns', async () => {
    const d = dir();
    let failNext = false;
    const s = Spool.open(d, {
      ...opts,
      write: async (fh, buf, off, len, pos) => {
        if (failNext && off === 0) return fh.write(buf, off, Math.floor(len / 2), pos); // half of the record
        if (failNext) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        return fh.write(buf, off, len, pos);
      },
    });
    await s.append(batch(0, 5));
    const size = statSync(segs(d)[0]!).size;
    failNext = true;
    const err = await s.append(batch(5, 5)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpoolError);
    expect((err as SpoolError).code).toBe('HAPBEAT_ERR_SPOOL_NO_SPACE');
    expect((err as SpoolError).message).toContain('is full (ENOSPC');
    expect((err as SpoolError).message).toContain('queue.disk.path');
    expect(statSync(segs(d)[0]!).size).toBe(size); // cut back
    expect(s.events).toBe(5);
    failNext = false;
    await s.append(batch(10, 5));
    expect((await drain(s)).map((e) => e.id)).toEqual([...batch(0, 5), ...batch(10, 5)].map((e) => e.id));
    await s.close();
    const again = Spool.open(d, opts);
    expect(again.recovered).toEqual([]);
    await again.close();
  });

  it('types filesystem errors by cause: unwritable, full, I/O', () => {
    const mk = (code: string) => SpoolError.from(Object.assign(new Error(code), { code }), '/x', 'appending');
    expect(mk('EACCES').code).toBe('HAPBEAT_ERR_SPOOL_NOT_WRITABLE');
    expect(mk('EROFS').code).toBe('HAPBEAT_ERR_SPOOL_NOT_WRITABLE');
    expect(mk('ENOSPC').code).toBe('HAPBEAT_ERR_SPOOL_NO_SPACE');
    expect(mk('EDQUOT').code).toBe('HAPBEAT_ERR_SPOOL_NO_SPACE');
    expect(mk('EIO').code).toBe('HAPBEAT_ERR_SPOOL_IO');
    expect(mk('EACCES').message).toBe(
      'the spool directory /x is not writable (EACCES while appending): make /x a directory that the user running hapbeat can write (queue.disk.path)',
    );
  });

  it('one agent per directory: a second open fails with the owner named; a stale lock (kill -9) is taken over', async () => {
    const d = dir();
    const s1 = Spool.open(d, opts);
    expect(() => Spool.open(d, opts)).toThrow(SpoolLockedError);
    expect(() => Spool.open(d, opts)).toThrow(`the spool directory ${d} is in use by another hapbeat (pid ${process.pid}`);
    await s1.close();
    expect(existsSync(path.join(d, 'lock'))).toBe(false);
    const s2 = Spool.open(d, opts);
    orphanLock(d);
    const s3 = Spool.open(d, opts); // the "other" owner is gone
    await s3.close();
    await s2.close();
  });

  it('writes nothing after close', async () => {
    const d = dir();
    const s = Spool.open(d, opts);
    await s.append(batch(0, 1));
    await s.close();
    const err = await s.append(batch(1, 1)).catch((e: unknown) => e);
    expect((err as SpoolError).code).toBe('HAPBEAT_ERR_SPOOL_CLOSED');
    expect(statSync(segs(d)[0]!).size).toBe(encodeRecord(batch(0, 1)).length);
  });

  it('says how to fix an unusable directory', () => {
    const d = dir();
    writeFileSync(path.join(d, 'file'), '');
    expect(() => Spool.open(path.join(d, 'file', 'spool'), opts)).toThrow('is not writable (ENOTDIR while opening it): make');
  });
});

describe('Spool, a very large poll', () => {
  it('is split into records of at most 8,192 documents, written and read back in order', async () => {
    const d = dir();
    const s = Spool.open(d, { maxBytes: 64 << 20, segmentBytes: 16 << 20 });
    await s.append(batch(0, 20_000));
    const sizes: number[] = [];
    const got: HapbeatEvent[] = [];
    for (let r = await s.next(); r; r = await s.next()) {
      sizes.push(r.events.length);
      got.push(...r.events.slice(0, 1));
      s.release(r);
    }
    expect(sizes).toEqual([8192, 8192, 3616]);
    expect(got.map((e) => e.id)).toEqual(['id-0', 'id-8192', 'id-16384']);
    expect(s.events).toBe(0);
    await s.close();
  });
});
