/**
 * Credentials written into URLs (http://user:password@host/...) must never reach a log line, a command's
 * output, an error message or a document. Targets and Elasticsearch hosts are stored without them; these
 * functions are the safety net for any text that still carries a URL (an error from a library, a setting
 * echoed back).
 */

/** A URL with its user-info replaced by "***" (or the text unchanged if it does not parse as a URL). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '***';
    u.password = '';
    return u.toString();
  } catch {
    return redactText(url);
  }
}

/** The URL without its user-info (for addresses and names), plus the credentials it held. */
export function splitCredentials(url: string): { url: string; username?: string; password?: string } {
  const u = new URL(url);
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.username = '';
  u.password = '';
  return { url: u.toString(), ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

// scheme://user-info@ — the user-info runs to the last "@" before the path (a raw "@" in a password included),
// and holds no "/", whitespace or double quote (the end of a JSON string).
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s"]*@/gi;

/** Replaces the user-info of every URL inside a text by "***". */
export function redactText(text: string): string {
  return text.includes('@') ? text.replace(USERINFO, '$1***@') : text;
}

/** A copy of a value with every string redacted (objects and arrays walked). Cheap when nothing needs it. */
export function redactDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactDeep(v, depth + 1);
  return out as T;
}
