import { HapbeatError, printable } from '../errors.js';

/**
 * The only commands hapbeat sends to HAProxy, built from validated numbers: a process number or a pid that
 * came from HAProxy's own answers is never pasted into a command unchecked, so a crafted or garbled answer can
 * never turn into another command. (The master CLI is an admin interface: "shutdown sessions" is one line away.)
 */
export type ProcessCommand = 'show info' | 'show stat' | 'show info typed' | 'show stat typed';

/** The largest pid any system gives (pid_t is a signed 32-bit integer). */
const PID_MAX = 2_147_483_647;

export class InvalidProcessNumberError extends HapbeatError {
  constructor(what: string, value: unknown) {
    super('HAPBEAT_ERR_INVALID_PROCESS_NUMBER', `HAProxy reported an invalid ${what} ${JSON.stringify(printable(String(value), 40))}`, {
      hint: 'a process number must be a whole number from 1 to 2147483647; hapbeat never builds a command from anything else',
    });
  }
}

export function isProcessNumber(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 && n <= PID_MAX;
}

/** `@<n> <command>`: the current process with relative number n. */
export function byRelativeNumber(n: number, command: ProcessCommand): string {
  if (!isProcessNumber(n)) throw new InvalidProcessNumberError('relative process number', n);
  return `@${n} ${command}`;
}

/** `@!<pid> <command>`: one process by its OS pid (old workers, or the process that answered @n). */
export function byPid(pid: number, command: ProcessCommand): string {
  if (!isProcessNumber(pid)) throw new InvalidProcessNumberError('Pid', pid);
  return `@!${pid} ${command}`;
}

/** A pid as HAProxy wrote it (`Pid: 1234` in show info), validated; throws for anything that is not one. */
export function parsePid(text: string): number {
  const n = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!isProcessNumber(n)) throw new InvalidProcessNumberError('Pid', text);
  return n;
}
