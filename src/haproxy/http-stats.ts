import { HttpStatusError, HaproxyUnreachableError, ReadTimeoutError, ResponseTooLargeError } from './errors.js';
import { redactUrl } from './target.js';
import type { CliLimits } from './cli-client.js';
import type { CommandResult } from './cli-client.js';

export interface HttpAuth {
  username?: string;
  password?: string;
}

/** The `;csv` form of a stats page URL (Metricbeat appends it the same way). */
export function csvUrl(url: string): string {
  const u = new URL(url);
  if (!u.pathname.endsWith(';csv')) u.pathname = `${u.pathname};csv`;
  return u.toString();
}

/**
 * Reads a HAProxy stats page as CSV with Node's built-in fetch (undici), with a hard timeout and a size cap.
 * Credentials come from the URL or from `auth`, and are never logged.
 */
export async function fetchStatsCsv(url: string, limits: CliLimits, auth: HttpAuth = {}): Promise<CommandResult> {
  const target = new URL(csvUrl(url));
  const user = auth.username ?? decodeURIComponent(target.username);
  const pass = auth.password ?? decodeURIComponent(target.password);
  target.username = '';
  target.password = '';
  const label = redactUrl(url);
  const headers: Record<string, string> = { accept: 'text/csv, text/plain' };
  if (user || pass) headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  const started = process.hrtime.bigint();
  const timeoutMs = limits.connectTimeoutMs + limits.readTimeoutMs;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  let size = 0;
  try {
    let res: Response;
    try {
      res = await fetch(target, { headers, signal: ac.signal, redirect: 'error' });
    } catch (err) {
      if (ac.signal.aborted) throw new ReadTimeoutError(label, 'GET ;csv', timeoutMs, 0);
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new HaproxyUnreachableError(
        label,
        cause?.code ?? (err as Error).message,
        'is the stats page enabled ("stats enable" and "stats uri" in a frontend or listen section) and reachable?',
        err,
      );
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new HttpStatusError(label, res.status, 'set the stats page credentials (username and password, as in "stats auth user:pass")');
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new HttpStatusError(label, res.status, 'check the stats page URL ("stats uri")');
    }
    const chunks: Uint8Array[] = [];
    const reader = res.body!.getReader();
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (err) {
        if (ac.signal.aborted) throw new ReadTimeoutError(label, 'GET ;csv', timeoutMs, size);
        throw err;
      }
      if (r.done) break;
      size += r.value.length;
      if (size > limits.maxResponseBytes) {
        await reader.cancel();
        throw new ResponseTooLargeError(label, 'GET ;csv', limits.maxResponseBytes);
      }
      chunks.push(r.value);
    }
    return {
      text: Buffer.concat(chunks).toString('utf8'),
      durationNs: Number(process.hrtime.bigint() - started),
    };
  } finally {
    clearTimeout(timer);
  }
}
