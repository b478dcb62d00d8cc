import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';

/** Sockets this process has open, from /proc/self/fd (to prove that nothing leaks). */
export function ownSockets(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
}

/**
 * Established connections on the master's side of its CLI socket (the master serves 10 at most). HAProxy binds
 * `<path>.<pid>.tmp` and renames it, and the kernel keeps the bound name, so match the path as a prefix.
 */
export function masterConnections(socketPath: string): number {
  const out = execFileSync('ss', ['-xa'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => /\bESTAB\b/.test(l) && l.split(/\s+/).some((t) => t === socketPath || t.startsWith(`${socketPath}.`))).length;
}
