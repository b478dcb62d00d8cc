import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { HapbeatEvent } from '../documents/event.js';
import { HapbeatError } from '../errors.js';
import { allAcked, serializeBatch, type Output, type PublishResult } from './output.js';

export interface FileOutputOptions {
  /** Directory of the files. */
  path: string;
  /** Name of the current file; rotated files get .1, .2, ... (1 is the newest). */
  filename: string;
  /** Rotate when the current file would grow past this many bytes. */
  rotateEveryBytes: number;
  /** Files kept in all, the current one included; the oldest is deleted. */
  keepFiles: number;
}

export class FileOutputError extends HapbeatError {
  constructor(file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException)?.code ?? 'error';
    super('HAPBEAT_ERR_FILE_OUTPUT', `cannot write ${file} (${code})`, {
      hint: 'check that output.file.path exists or can be created, is writable by this user, and has free space',
      cause,
    });
  }
}

/**
 * NDJSON files, rotated by size, with a bounded number kept. Each batch is written in one append and
 * fdatasync'ed before it is acknowledged, so an acknowledged event survives a crash.
 */
export class FileOutput implements Output {
  readonly name = 'file';
  readonly file: string;
  private readonly opts: FileOutputOptions;
  private handle?: FileHandle;
  private size = 0;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(opts: FileOutputOptions) {
    this.opts = { ...opts, keepFiles: Math.max(1, opts.keepFiles), rotateEveryBytes: Math.max(1024, opts.rotateEveryBytes) };
    this.file = path.join(opts.path, opts.filename);
  }

  publish(events: readonly HapbeatEvent[]): Promise<PublishResult> {
    // Writes are serialized so that rotation never interleaves with an append.
    const p = this.chain.then(() => this.write(events));
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async write(events: readonly HapbeatEvent[]): Promise<PublishResult> {
    if (events.length === 0) return allAcked(events);
    const data = Buffer.from(serializeBatch(events), 'utf8');
    try {
      if (!this.handle) await this.openCurrent();
      if (this.size > 0 && this.size + data.length > this.opts.rotateEveryBytes) await this.rotate();
      await this.handle!.appendFile(data);
      await this.handle!.datasync();
      this.size += data.length;
    } catch (err) {
      throw new FileOutputError(this.file, err);
    }
    return allAcked(events);
  }

  private async openCurrent(): Promise<void> {
    await mkdir(this.opts.path, { recursive: true });
    this.handle = await open(this.file, 'a', 0o640);
    this.size = (await stat(this.file)).size;
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    const keep = this.opts.keepFiles;
    if (keep <= 1) {
      await rm(this.file, { force: true });
    } else {
      await rm(`${this.file}.${keep - 1}`, { force: true });
      for (let i = keep - 2; i >= 1; i--) {
        await rename(`${this.file}.${i}`, `${this.file}.${i + 1}`).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
        });
      }
      await rename(this.file, `${this.file}.1`);
    }
    await this.openCurrent();
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle?.close();
    this.handle = undefined;
  }
}
