import crypto, { createHash } from 'node:crypto';

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
  return sha1(key);
}

/**
 * Ids for many documents that share a prefix (every row of one process sample): the prefix's key is built once.
 * Same result as documentId([...prefix, ...rest]). Node's one-shot `crypto.hash` (20.12 and later) hashes a row
 * in half the time of a Hash object; older versions use one.
 */
export function documentIdsFor(
  prefix: readonly (string | number | boolean | undefined)[],
): (rest: readonly (string | number | boolean | undefined)[]) => string {
  let key = '';
  for (const p of prefix) key += `${p === undefined ? '\u0001' : String(p)}\u0000`;
  return (rest) => {
    let k = key;
    for (const p of rest) k += `${p === undefined ? '\u0001' : String(p)}\u0000`;
    return sha1(k);
  };
}

/** `crypto.hash`, where this Node has it. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;

/** The SHA-1 of `key`'s UTF-8 bytes, base64url. */
function sha1(key: string): string {
  return oneShot ? oneShot('sha1', key, 'base64url') : createHash('sha1').update(key).digest('base64url');
}
