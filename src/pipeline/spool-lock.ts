import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { HapbeatError } from '../errors.js';

/**
 * An exclusive lock on a spool directory: a `lock` file created with O_EXCL, holding the owner's pid, the
 * boot id and the process start time. A lock left by a process that is gone (kill -9, a reboot, a container
 * restart where the new agent gets the same pid) is recognised as stale and taken over at once, so a
 * restart never has to wait. Written here rather than taken from proper-lockfile, whose staleness is an
 * mtime timeout: an agent restarted right after kill -9 would fail until the timeout passed.
 */
export class SpoolLockedError extends HapbeatError {
  constructor(dir: string, owner: LockOwner) {
    super('HAPBEAT_ERR_SPOOL_LOCKED', `the spool directory ${dir} is in use by another hapbeat (pid ${owner.pid} on ${owner.host})`, {
      hint: `give each agent its own queue.disk.path, or stop the other agent; if no other hapbeat runs, delete ${path.join(dir, 'lock')}`,
    });
  }
}

interface LockOwner {
  pid: number;
  host: string;
  bootId: string;
  startTicks: string;
  token?: string;
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
    return o && typeof o === 'object' ? o : undefined;
  } catch {
    return undefined;
  }
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or '' where /proc is missing. */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false; // a shared filesystem: never steal another host's lock
  if (owner.pid === process.pid) return true; // our own pid: a previous life of this container
  if (owner.bootId && owner.bootId !== bootId()) return true; // written before a reboot
  if (!alive(owner.pid)) return true;
  const ticks = startTicks(owner.pid);
  return ticks !== undefined && ticks !== '' && owner.startTicks !== '' && ticks !== owner.startTicks; // pid reused
}

/** Lock files taken by this process, with their token: a lock file still holding one of them is ours and live. */
const held = new Map<string, string>();

export class SpoolLock {
  private constructor(
    private readonly file: string,
    private readonly token: string,
  ) {}

  /** Takes the lock or throws SpoolLockedError; other filesystem errors are thrown as they are. */
  static acquire(dir: string): SpoolLock {
    const file = path.join(dir, 'lock');
    const mine = held.get(path.resolve(file));
    if (mine !== undefined && readOwner(file)?.token === mine)
      throw new SpoolLockedError(dir, { pid: process.pid, host: os.hostname(), bootId: '', startTicks: '' });
    const me: LockOwner = { pid: process.pid, host: os.hostname(), bootId: bootId(), startTicks: startTicks(process.pid) ?? '', token: randomUUID() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        try {
          writeSync(fd, JSON.stringify(me));
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        held.set(path.resolve(file), me.token!);
        return new SpoolLock(file, me.token!);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = readOwner(file); // undefined: unreadable or half written (a crash while taking it)
      if (owner && typeof owner.pid === 'number' && !isStale(owner)) throw new SpoolLockedError(dir, owner);
      rmSync(file, { force: true });
    }
    throw new SpoolLockedError(dir, { pid: -1, host: os.hostname(), bootId: '', startTicks: '' });
  }

  release(): void {
    held.delete(path.resolve(this.file));
    if (readOwner(this.file)?.token === this.token) rmSync(this.file, { force: true });
  }
}
