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
