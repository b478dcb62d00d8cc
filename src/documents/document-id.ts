import { createHash } from 'node:crypto';

/**
 * A deterministic `_id`: the same sample always gets the same id, so a batch re-sent after a crash or a retry
 * is answered 409 (already there) instead of being indexed twice. Built from every part that makes a
 * document unique: the target, the process (pid, start time, relative number), the row (proxy id and name,
 * server id and name, component type) and the sample time. FRONTEND and BACKEND rows of a `listen` section
 * share the proxy id and sid 0 but differ in type and name.
 */
export function documentId(parts: readonly (string | number | boolean | undefined)[]): string {
  let key = '';
  for (const p of parts) key += `${p === undefined ? '\u0001' : String(p)}\u0000`;
  return createHash('sha1').update(key).digest('base64url');
}

/**
 * Ids for many documents that share a prefix (every row of one process sample): the prefix is hashed once and
 * the hash state copied per document. Same result as documentId([...prefix, ...rest]).
 */
export function documentIdsFor(
  prefix: readonly (string | number | boolean | undefined)[],
): (rest: readonly (string | number | boolean | undefined)[]) => string {
  let key = '';
  for (const p of prefix) key += `${p === undefined ? '\u0001' : String(p)}\u0000`;
  const base = createHash('sha1').update(key);
  return (rest) => {
    let k = '';
    for (const p of rest) k += `${p === undefined ? '\u0001' : String(p)}\u0000`;
    return base.copy().update(k).digest('base64url');
  };
}
