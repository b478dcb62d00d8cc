import net from 'node:net';
import os from 'node:os';
import { stat } from 'node:fs/promises';
import PQueue from 'p-queue';
import { HapbeatError } from '../errors.js';
import {
  ConnectionResetError,
  CliPermissionError,
  ConnectTimeoutError,
  EmptyResponseError,
  HaproxyError,
  HaproxyUnreachableError,
  ProcessGoneError,
  ReadTimeoutError,
  ResponseTooLargeError,
  SocketPermissionError,
  UnknownCommandError,
} from './errors.js';
import { describeEndpoint, type Endpoint, type TargetMode } from './target.js';

export interface CliLimits {
  /** Hard limit for the TCP or unix connect. */
  connectTimeoutMs: number;
  /** Hard limit from connect to the end of the answer. */
  readTimeoutMs: number;
  /** The answer is cut off, and the command fails, past this many bytes. */
  maxResponseBytes: number;
}

export const DEFAULT_LIMITS: CliLimits = {
  connectTimeoutMs: 2000,
  readTimeoutMs: 5000,
  maxResponseBytes: 64 * 1024 * 1024,
};

export interface CommandResult {
  text: string;
  /** Wall time from connect to EOF, in nanoseconds. */
  durationNs: number;
}

const TARGET_NOT_FOUND = "Can't find the target PID matching the prefix";

/**
 * A HAProxy CLI client that sends exactly one command per connection: connect, write `cmd;quit\n`, and read to
 * EOF. The master CLI never closes a connection on its own and serves only 10 at a time, so every path here ends
 * by destroying the socket, and every wait has a hard timeout.
 *
 * Why `;quit` and not a half-close: HAProxy 3.0 and 3.2 answer a command for a process that is gone with one
 * error line and drop the rest of the line. When the client's half-close came with the command, the master
 * sometimes never sees the client leave, and keeps that connection for good (about one in ten, measured): ten
 * of them and the master CLI stops answering until the next reload. Closing only after the answer lets the
 * master see the close every time.
 *
 * At most `concurrency` commands run at once against this endpoint (default 2), leaving room for operators'
 * own sessions under the master's limit of 10.
 */
export class CliClient {
  readonly endpoint: Endpoint;
  readonly mode: TargetMode;
  readonly limits: CliLimits;
  private readonly queue: PQueue;
  private readonly label: string;

  constructor(endpoint: Endpoint, opts: { mode?: TargetMode; limits?: Partial<CliLimits>; concurrency?: number } = {}) {
    if (endpoint.kind === 'http') throw new HapbeatError('HAPBEAT_ERR_INTERNAL', 'CliClient needs a unix or tcp endpoint');
    this.endpoint = endpoint;
    this.mode = opts.mode ?? 'master';
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.queue = new PQueue({ concurrency: Math.max(1, opts.concurrency ?? 2) });
    this.label = describeEndpoint(endpoint);
  }

  /** Runs one command and returns its answer, or throws a typed HaproxyError. */
  run(command: string): Promise<CommandResult> {
    if (/[\r\n]/.test(command)) {
      return Promise.reject(new HapbeatError('HAPBEAT_ERR_COMMAND_REFUSED', `a CLI command must be one line: ${JSON.stringify(command)}`));
    }
    return this.queue.add(() => this.exchangeWithRetry(command)) as Promise<CommandResult>;
  }

  /**
   * A reload closes every master CLI connection. A command whose connection was reset after connecting is
   * sent once more, on a new connection, a moment later; everything else fails at once.
   */
  private async exchangeWithRetry(command: string): Promise<CommandResult> {
    try {
      return await this.exchange(command);
    } catch (err) {
      if (!(err instanceof ConnectionResetError)) throw err;
      await new Promise((r) => setTimeout(r, 100));
      return this.exchange(command);
    }
  }

  private exchange(command: string): Promise<CommandResult> {
    const { connectTimeoutMs, readTimeoutMs, maxResponseBytes } = this.limits;
    const started = process.hrtime.bigint();
    return new Promise<CommandResult>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      let connected = false;
      const socket =
        this.endpoint.kind === 'unix'
          ? net.createConnection({ path: this.endpoint.path })
          : net.createConnection({ host: (this.endpoint as { host: string }).host, port: (this.endpoint as { port: number }).port });

      const finish = (err: Error | null, text?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(readTimer);
        socket.removeAllListeners('data');
        socket.destroy();
        if (err) reject(err);
        else resolve({ text: text!, durationNs: Number(process.hrtime.bigint() - started) });
      };

      const connectTimer = setTimeout(() => finish(new ConnectTimeoutError(this.label, connectTimeoutMs)), connectTimeoutMs);
      let readTimer: NodeJS.Timeout | undefined;

      socket.once('connect', () => {
        connected = true;
        clearTimeout(connectTimer);
        readTimer = setTimeout(() => finish(new ReadTimeoutError(this.label, command, readTimeoutMs, size)), readTimeoutMs);
        socket.write(`${command};quit\n`);
      });
      socket.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxResponseBytes) {
          finish(new ResponseTooLargeError(this.label, command, maxResponseBytes));
          return;
        }
        chunks.push(chunk);
        // HAProxy 3.x keeps the connection open after an unknown @prefix even when the write side is closed:
        // the one-line error is the whole answer, so do not wait for an EOF that may never come.
        if (size < 200 && chunks.length === 1 && chunk.toString('latin1').startsWith(TARGET_NOT_FOUND) && chunk.at(-1) === 0x0a) {
          finish(null, chunk.toString('utf8'));
        }
      });
      socket.once('end', () => finish(null, Buffer.concat(chunks, size).toString('utf8')));
      socket.once('error', (err: NodeJS.ErrnoException) => {
        if (connected) {
          // A reset after connect (e.g. a reload closing every master connection): keep what we have only if
          // it is complete, which we cannot know, so fail the command.
          finish(new ConnectionResetError(this.label, command, err));
          return;
        }
        this.connectError(err).then(
          (e) => finish(e),
          (e) => finish(e as Error),
        );
      });
    }).then((res) => {
      checkAnswer(res.text, command, this.label, this.mode);
      return res;
    });
  }

  private async connectError(err: NodeJS.ErrnoException): Promise<HaproxyError> {
    const where = this.label;
    const masterHint =
      this.endpoint.kind === 'unix'
        ? `is HAProxy running in master-worker mode with "-S ${this.endpoint.path}"?`
        : `is HAProxy running in master-worker mode with "-S ${where}" (or "-S ipv4@${where}")?`;
    const socketHint =
      this.endpoint.kind === 'unix'
        ? `is HAProxy running with "stats socket ${this.endpoint.path} level admin" in its global section?`
        : `is HAProxy running with "stats socket ipv4@${where} level admin" in its global section?`;
    const hint = this.mode === 'master' ? masterHint : socketHint;
    switch (err.code) {
      case 'ENOENT':
        return new HaproxyUnreachableError(where, 'the socket file does not exist', hint, err);
      case 'ECONNREFUSED':
        return new HaproxyUnreachableError(where, 'connection refused', hint, err);
      case 'EACCES':
      case 'EPERM':
        return new SocketPermissionError(where, await permissionHint(this.endpoint, this.mode), err);
      case 'ENOTSOCK':
        return new HaproxyUnreachableError(where, 'the path is not a socket', hint, err);
      default:
        return new HaproxyUnreachableError(where, err.code ?? err.message, hint, err);
    }
  }
}

/**
 * What to change so that this user may connect. The master socket's mode and group come from the -S
 * argument (-S <path>,mode,660,group,<group>), not from haproxy.cfg; a worker's stats socket from haproxy.cfg.
 */
export async function permissionHint(endpoint: Endpoint, mode: TargetMode): Promise<string> {
  let user = `uid ${process.getuid?.() ?? '?'}`;
  try {
    user = `user "${os.userInfo().username}" (${user})`;
  } catch {
    /* no passwd entry: keep the uid */
  }
  if (endpoint.kind !== 'unix') return `${user} may not connect`;
  try {
    const st = await stat(endpoint.path);
    const perms = (st.mode & 0o777).toString(8).padStart(3, '0');
    const now = `${user} needs read and write access to ${endpoint.path} (owner uid ${st.uid}, gid ${st.gid}, mode ${perms})`;
    return mode === 'master'
      ? `${now}; the master socket's permissions come from HAProxy's -S argument: start it with "-S ${endpoint.path},mode,660,group,<group>" (on Debian's haproxy.service, in a systemd drop-in) and add this user to <group>`
      : `${now}; add the user to the socket's group and set "mode 660" (and "user"/"group") on the "stats socket" line in haproxy.cfg`;
  } catch {
    return `${user} needs read and write access to ${endpoint.path} and search access to its directory`;
  }
}

/** Turns HAProxy's in-band error answers into typed errors. */
export function checkAnswer(text: string, command: string, endpoint: string, mode: TargetMode): void {
  if (text.length === 0) throw new EmptyResponseError(endpoint, command);
  if (text.startsWith(TARGET_NOT_FOUND)) {
    const m = /prefix '([^']*)'/.exec(text);
    throw new ProcessGoneError(endpoint, m?.[1] ?? command.split(' ')[0] ?? command);
  }
  if (text.startsWith('Unknown command')) {
    const hint =
      mode === 'master'
        ? command.startsWith('@')
          ? 'the worker does not support this command; check the HAProxy version'
          : `this looks like a worker stats socket, not the master CLI; point hapbeat at the "-S" socket, or set the target mode to "socket"`
        : `this looks like the master CLI, not a worker stats socket; set the target mode to "master"`;
    throw new UnknownCommandError(endpoint, command, hint);
  }
  if (text.startsWith('Permission denied')) throw new CliPermissionError(endpoint, command);
}
