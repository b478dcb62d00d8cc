import type { Writable } from 'node:stream';
import type { HapbeatEvent } from '../documents/event.js';
import { allAcked, serializeBatch, type Output, type PublishResult } from './output.js';

/** NDJSON on stdout (or any stream). Acknowledges once the stream has accepted the bytes. */
export class ConsoleOutput implements Output {
  readonly name = 'console';
  private readonly stream: Writable;

  constructor(stream: Writable = process.stdout) {
    this.stream = stream;
  }

  async publish(events: readonly HapbeatEvent[]): Promise<PublishResult> {
    if (events.length === 0) return allAcked(events);
    const text = serializeBatch(events);
    await new Promise<void>((resolve, reject) => {
      this.stream.write(text, (err) => (err ? reject(err) : resolve()));
    });
    return allAcked(events);
  }

  async close(): Promise<void> {
    /* stdout stays open for the rest of the process */
  }
}
