import { createHash } from 'node:crypto';

/**
 * A deterministic `_id`: the same sample always gets the same id, so a batch re-sent after a crash or a retry
 * is answered 409 (already there) instead of being indexed twice. Built from every part that makes a
 * document unique: the target, the process (pid, start time, relative number), the row (proxy id and name,
 * server id and name, component type) and the sample time. FRONTEND and BACKEND rows of a `listen` section
 * share the proxy id and sid 0 but differ in type and name.
 */
export function documentId(parts: readonly (string | number | boolean | undefined)[]): string {
  const h = createHash('sha1');
  for (const p of parts) {
    h.update(p === undefined ? '\u0001' : String(p));
    h.update('\u0000');
  }
  return h.digest('base64url');
}
