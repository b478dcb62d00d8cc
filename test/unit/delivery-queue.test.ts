import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DeliveryQueue, type DeliveryOptions } from '../../src/pipeline/delivery-queue.js';
import { MemoryBuffer, type BufferedBatch, type QueueBuffer } from '../../src/pipeline/buffer.js';
import { DiskBuffer } from '../../src/pipeline/disk-buffer.js';
import { Backoff } from '../../src/pipeline/backoff.js';
import { createLogger } from '../../src/log/logger.js';
import type { Output, PublishOptions, PublishResult } from '../../src/output/output.js';
import type { HapbeatEvent } from '../../src/documents/event.js';

const events = (from: number, n: number): HapbeatEvent[] =>
  Array.from({ length: n }, (_, k) => ({ id: `e${from + k}`, dataset: 'haproxy.stat', timestamp: 1_800_000_000_000, json: Buffer.from(`{"n":${from + k}}`) }));
const opts: DeliveryOptions = { batchSize: 50, concurrency: 2, flushIntervalMs: 0, backoffInitMs: 20, backoffMaxMs: 100, probeEveryMs: 10 };

/** Collects JSON log lines. */
function logCapture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger('debug', stream), lines };
}

/**
 * Counts publishes in flight. `hold(want, ms)` keeps a publish in flight until `want` are (or `ms` pass), so
 * that the most ever in flight together (`most`) is seen exactly, whatever the machine's speed.
 */
function inflightGauge() {
  const g = {
    now: 0,
    most: 0,
    async hold(want: number, ms: number): Promise<void> {
      g.most = Math.max(g.most, ++g.now);
      const until = Date.now() + ms;
      while (g.now < want && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
      g.now--;
    },
  };
  return g;
}

/** An output that takes what `accept` allows and records what it got. */
class TestOutput implements Output {
  readonly name = 'test';
  readonly got: string[] = [];
  calls = 0;
  probes: boolean[] = [];
  constructor(
    /** `down`: unavailable with no more said (a timeout, a proxy); `refused`: the connection itself was refused. */
    private readonly accept: (
      call: number,
      events: readonly HapbeatEvent[],
      signal?: AbortSignal,
    ) => Promise<'ok' | 'down' | 'refused'> | 'ok' | 'down' | 'refused',
    private readonly probeAnswers?: () => boolean,
  ) {}
  async publish(ev: readonly HapbeatEvent[], o: PublishOptions = {}): Promise<PublishResult> {
    const verdict = await this.accept(++this.calls, ev, o.signal);
    if (o.signal?.aborted) return { acked: 0, duplicates: 0, retry: [...ev], rejected: [], failure: { kind: 'aborted', message: 'aborted' } };
    if (verdict === 'down') return { acked: 0, duplicates: 0, retry: [...ev], rejected: [], failure: { kind: 'unavailable', message: 'timed out' } };
    if (verdict === 'refused') {
      return { acked: 0, duplicates: 0, retry: [...ev], rejected: [], failure: { kind: 'unavailable', message: 'connection refused', unreachable: true } };
    }
    for (const e of ev) this.got.push(e.id);
    return { acked: ev.length, duplicates: 0, retry: [], rejected: [] };
  }
  probe = async (): Promise<boolean> => {
    const up = this.probeAnswers?.() ?? true;
    this.probes.push(up);
    return up;
  };
  async close(): Promise<void> {}
}

describe('DeliveryQueue', () => {
  it('delivers every document once, in order, in batches of batchSize', async () => {
    const out = new TestOutput(() => 'ok');
    const q = new DeliveryQueue(out, new MemoryBuffer(10_000, createLogger('silent')), undefined, { ...opts, concurrency: 1 }, createLogger('silent'));
    for (let p = 0; p < 7; p++) await q.push(events(p * 30, 30));
    expect(await q.waitIdle(10_000)).toBe(true);
    expect(out.got).toEqual(events(0, 210).map((e) => e.id));
    expect(q.counters).toMatchObject({ queued: 210, acked: 210, dropped: 0, pending: 0 });
    await q.close(1000);
  });

  it('memory queue, output down: keeps up to max_events, counts the newest polls it cannot keep, and counts what is left at shutdown', async () => {
    const { log, lines } = logCapture();
    const out = new TestOutput(() => 'down');
    const q = new DeliveryQueue(out, new MemoryBuffer(25, log), undefined, opts, log);
    for (let p = 0; p < 5; p++) await q.push(events(p * 10, 10));
    expect(q.counters).toMatchObject({ queued: 50, dropped: 30, pending: 20 });
    await q.close(200);
    expect(q.counters).toMatchObject({ dropped: 50, pending: 0 });
    expect(lines.filter((l) => String(l.msg).includes('is full')).length).toBe(1); // rate-limited
    expect(lines.some((l) => String(l.msg).includes('20 undelivered document(s) of the memory queue (queue.type: disk keeps them) are lost'))).toBe(true);
  });

  it('a memory queue always takes a poll larger than max_events when it is empty', async () => {
    const out = new TestOutput(() => 'ok');
    const q = new DeliveryQueue(out, new MemoryBuffer(5, createLogger('silent')), undefined, opts, createLogger('silent'));
    await q.push(events(0, 40));
    expect(await q.waitIdle(10_000)).toBe(true);
    expect(out.got.length).toBe(40);
    await q.close(100);
  });

  it('close() is bounded by its deadline while the output never answers: in-flight publishes are aborted, nothing is released', async () => {
    const seen: AbortSignal[] = [];
    const out = new TestOutput((_c, _e, signal) => {
      seen.push(signal!);
      return new Promise<'ok'>((resolve) => signal!.addEventListener('abort', () => resolve('ok')));
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-q-'));
    const buffer = new DiskBuffer({ dir, maxEvents: 1000, maxBytes: 1 << 20, segmentBytes: 64 << 10 }, createLogger('silent'));
    const q = new DeliveryQueue(out, buffer, undefined, opts, createLogger('silent'));
    await q.push(events(0, 20));
    while (out.calls === 0) await new Promise((r) => setTimeout(r, 5));
    await q.close(150);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.aborted)).toBe(true);
    expect(out.got).toEqual([]);
    // Still in the spool for the next start, and the spool was not written after close.
    const again = new DiskBuffer({ dir, maxEvents: 1000, maxBytes: 1 << 20, segmentBytes: 64 << 10 }, createLogger('silent'));
    expect(again.stats().pending).toBe(20);
    await again.close();
  });

  it('after an outage, a probe that sees the output back ends the backoff at once (catch-up at full speed)', async () => {
    let down = true;
    let probesWhileDown = 0;
    const out = new TestOutput(
      () => (down ? 'down' : 'ok'),
      () => {
        if (down && ++probesWhileDown >= 2) down = false; // the cluster comes back
        return !down;
      },
    );
    const { log, lines } = logCapture();
    // A backoff of 60 s: the test could only end in time through the probe.
    const q = new DeliveryQueue(out, new MemoryBuffer(1000, log), undefined, { ...opts, backoffInitMs: 60_000, backoffMaxMs: 60_000 }, log);
    await q.push(events(0, 10));
    expect(await q.waitIdle(20_000)).toBe(true);
    expect(out.got.length).toBe(10);
    expect(out.probes).toEqual([false, true]);
    expect(lines.some((l) => String(l.msg).includes('answers again; delivering the backlog at full speed'))).toBe(true);
    await q.close(100);
  });

  it('a refused connection counts as seeing the output down: a recovery right after it ends the backoff at the first probe', async () => {
    // The request is refused, and the cluster is back before the first probe (found by CI: a 49.9 s wait).
    const out = new TestOutput((call) => (call === 1 ? 'refused' : 'ok'));
    const { log, lines } = logCapture();
    const q = new DeliveryQueue(out, new MemoryBuffer(1000, log), undefined, { ...opts, backoffInitMs: 60_000, backoffMaxMs: 60_000 }, log);
    await q.push(events(0, 10));
    expect(await q.waitIdle(20_000)).toBe(true);
    expect(out.got.length).toBe(10);
    expect(out.probes).toEqual([true]);
    expect(lines.filter((l) => String(l.msg).includes('answers again; delivering the backlog at full speed')).length).toBe(1);
    await q.close(100);
  });

  it('a probe that always succeeds while publishing fails (a proxy, 401) does not cut the backoff short', async () => {
    const out = new TestOutput(
      () => 'down',
      () => true,
    );
    const q = new DeliveryQueue(
      out,
      new MemoryBuffer(1000, createLogger('silent')),
      undefined,
      { ...opts, backoffInitMs: 60_000, backoffMaxMs: 60_000 },
      createLogger('silent'),
    );
    await q.push(events(0, 10));
    expect(await q.waitIdle(300)).toBe(false);
    expect(out.calls).toBe(1);
    await q.close(50);
  });

  it('a backlog from before a restart drains with backlogConcurrency requests in flight, live documents then with concurrency', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-q-'));
    const spool = () => new DiskBuffer({ dir, maxEvents: 10_000, maxBytes: 8 << 20, segmentBytes: 1 << 20 }, createLogger('silent'));
    // An outage leaves 500 documents (10 batches of 50) in the spool.
    const before = new DeliveryQueue(
      new TestOutput(() => 'down'),
      spool(),
      undefined,
      { ...opts, backoffInitMs: 60_000, backoffMaxMs: 60_000 },
      createLogger('silent'),
    );
    for (let p = 0; p < 10; p++) await before.push(events(p * 50, 50));
    await before.close(50);
    const gauge = inflightGauge();
    let want = 4;
    const out = new TestOutput(async () => {
      await gauge.hold(want, 3000);
      return 'ok' as const;
    });
    const { log, lines } = logCapture();
    const q = new DeliveryQueue(out, spool(), undefined, { ...opts, backlogConcurrency: 4 }, log);
    while (!lines.some((l) => String(l.msg).startsWith('backlog delivered'))) await new Promise((r) => setTimeout(r, 5));
    expect(out.got.length).toBe(500);
    expect(gauge.most).toBe(4);
    // Live documents: back to `concurrency` (2).
    gauge.most = 0;
    want = 2;
    for (let p = 10; p < 20; p++) await q.push(events(p * 50, 50));
    expect(await q.waitIdle(20_000)).toBe(true);
    // Publishes in flight together may finish in any order: each document exactly once.
    expect([...out.got].sort()).toEqual(
      events(0, 1000)
        .map((e) => e.id)
        .sort(),
    );
    expect(gauge.most).toBe(2);
    await q.close(100);
  });

  it('while the output fails, a backlog is retried with concurrency requests in flight, not backlogConcurrency', async () => {
    const whileDown = inflightGauge();
    let failures = 0;
    const out = new TestOutput(async () => {
      if (failures >= 6) return 'ok' as const;
      // Wait for a third request in flight (which must not come) or 200 ms, then fail.
      await whileDown.hold(3, 200);
      failures++;
      return 'down' as const;
    });
    const q = new DeliveryQueue(
      out,
      new MemoryBuffer(10_000, createLogger('silent')),
      undefined,
      { ...opts, backlogConcurrency: 4, probeEveryMs: 1000 },
      createLogger('silent'),
    );
    for (let p = 0; p < 10; p++) await q.push(events(p * 50, 50));
    expect(await q.waitIdle(20_000)).toBe(true);
    expect(whileDown.most).toBe(2);
    expect(failures).toBeGreaterThanOrEqual(6);
    expect(out.got.length).toBe(500);
    await q.close(100);
  });

  it('survives a buffer whose reads fail: logs at most every 30 s, backs off, and delivers once reads work again', async () => {
    const { log, lines } = logCapture();
    const inner = new MemoryBuffer(1000, log);
    let failures = 5;
    const flaky: QueueBuffer = {
      type: 'disk',
      durable: true,
      push: (e) => inner.push(e),
      next: async (): Promise<BufferedBatch | undefined> => {
        if (failures > 0) {
          failures--;
          throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
        }
        return inner.next();
      },
      release: (b) => inner.release(b),
      get unread() {
        return inner.unread;
      },
      stats: () => inner.stats(),
      discardVolatile: () => inner.discardVolatile(),
      close: () => inner.close(),
    };
    const out = new TestOutput(() => 'ok');
    const q = new DeliveryQueue(out, flaky, undefined, opts, log);
    await q.push(events(0, 10));
    expect(await q.waitIdle(20_000)).toBe(true);
    expect(out.got.length).toBe(10);
    expect(lines.filter((l) => String(l.msg).startsWith('delivery paused')).length).toBe(1);
    await q.close(100);
  });
});

describe('Backoff', () => {
  it('doubles from init to max with equal jitter, and resets', () => {
    const b = new Backoff(100, 1000, () => 1);
    expect([b.fail(0), b.fail(0), b.fail(0), b.fail(0), b.fail(0)]).toEqual([100, 200, 400, 800, 1000]);
    const low = new Backoff(100, 1000, () => 0);
    expect(low.fail(0)).toBe(50);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.remaining(0)).toBe(0);
  });
});
