import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Rejected } from './output.js';

export type { Rejected };

/**
 * Documents Elasticsearch rejected for good (a mapping error, ...): appended as NDJSON with the reason and
 * status, fsync'ed, so that nothing is dropped silently and each can be fixed and replayed.
 */
export class DeadLetterFile {
  private handle?: FileHandle;
  private chain: Promise<unknown> = Promise.resolve();
  written = 0;

  constructor(readonly file: string) {}

  write(items: readonly Rejected[], now = Date.now()): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    const p = this.chain.then(async () => {
      if (!this.handle) {
        await mkdir(path.dirname(this.file), { recursive: true });
        this.handle = await open(this.file, 'a', 0o640);
      }
      let s = '';
      const at = new Date(now).toISOString();
      for (const r of items) {
        s += `${JSON.stringify({ '@timestamp': at, _id: r.event.id, dataset: r.event.dataset, status: r.status ?? null, reason: r.reason }).slice(
          0,
          -1,
        )},"document":${r.event.json.toString()}}\n`;
      }
      await this.handle.appendFile(s);
      await this.handle.datasync();
      this.written += items.length;
    });
    this.chain = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle?.close();
    this.handle = undefined;
  }
}
