import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileOutput, FileOutputError } from '../../src/output/file.js';
import type { HapbeatEvent } from '../../src/documents/event.js';

const ev = (i: number): HapbeatEvent => ({
  id: `id${i}`,
  dataset: 'haproxy.stat',
  timestamp: i,
  json: Buffer.from(JSON.stringify({ '@timestamp': new Date(i).toISOString(), n: i, pad: 'x'.repeat(200) })),
});

describe('FileOutput', () => {
  it('writes NDJSON, rotates by size and keeps a bounded number of files, losing nothing but the oldest files', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-file-'));
    const out = new FileOutput({ path: dir, filename: 'h.ndjson', rotateEveryBytes: 2048, keepFiles: 3 });
    for (let b = 0; b < 20; b++) {
      const r = await out.publish([ev(b * 3), ev(b * 3 + 1), ev(b * 3 + 2)]);
      expect(r).toEqual({ acked: 3, duplicates: 0, retry: [], rejected: [] });
    }
    await out.close();
    expect(readdirSync(dir).sort()).toEqual(['h.ndjson', 'h.ndjson.1', 'h.ndjson.2']);
    const lines = ['h.ndjson.2', 'h.ndjson.1', 'h.ndjson'].flatMap((f) => readFileSync(path.join(dir, f), 'utf8').trim().split('\n'));
    const ns = lines.map((l) => JSON.parse(l).n as number);
    // The newest events are all there, in order, without gaps.
    expect(ns).toEqual(Array.from({ length: ns.length }, (_, i) => 60 - ns.length + i));
    expect(JSON.parse(lines.at(-1)!)['@metadata']).toEqual({ _id: 'id59', dataset: 'haproxy.stat' });
    for (const f of readdirSync(dir)) expect(readFileSync(path.join(dir, f)).length).toBeLessThanOrEqual(2048);
  });

  it('fails with a clear error when the directory cannot be created', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hapbeat-file-'));
    writeFileSync(path.join(dir, 'plain'), '');
    const bad = path.join(dir, 'plain', 'sub');
    const out = new FileOutput({ path: bad, filename: 'h.ndjson', rotateEveryBytes: 4096, keepFiles: 2 });
    const e = await out.publish([ev(1)]).catch((x) => x);
    expect(e).toBeInstanceOf(FileOutputError);
    expect(e.message).toContain(`cannot write ${bad}/h.ndjson (ENOTDIR)`);
    expect(e.message).toContain('writable by this user');
  });
});
