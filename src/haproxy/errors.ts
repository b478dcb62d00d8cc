import { HapbeatError, printable, type ErrorCode } from '../errors.js';

/** Errors talking to a HAProxy CLI socket or stats page. Each names the socket and the likely fix. */
export class HaproxyError extends HapbeatError {
  readonly endpoint: string;
  constructor(code: ErrorCode, endpoint: string, message: string, options?: { hint?: string; cause?: unknown }) {
    super(code, message, options);
    this.endpoint = endpoint;
  }
}

/** The socket does not exist, or nothing listens on it. */
export class HaproxyUnreachableError extends HaproxyError {
  constructor(endpoint: string, reason: string, hint: string, cause?: unknown) {
    super('HAPBEAT_ERR_HAPROXY_UNREACHABLE', endpoint, `cannot connect to ${endpoint} (${reason})`, { hint, cause });
  }
}

/** The connection was reset after connecting (a reload closes every master CLI connection). */
export class ConnectionResetError extends HaproxyError {
  constructor(endpoint: string, command: string, cause: NodeJS.ErrnoException) {
    super('HAPBEAT_ERR_CONNECTION_RESET', endpoint, `${endpoint} closed the connection during "${command}" (${cause.code ?? 'reset'})`, {
      hint: 'HAProxy was probably reloaded or stopped; the next poll reconnects',
      cause,
    });
  }
}

/** The socket exists but this user may not open it. */
export class SocketPermissionError extends HaproxyError {
  constructor(endpoint: string, hint: string, cause?: unknown) {
    super('HAPBEAT_ERR_SOCKET_PERMISSION_DENIED', endpoint, `permission denied opening ${endpoint}`, { hint, cause });
  }
}

export class ConnectTimeoutError extends HaproxyError {
  constructor(endpoint: string, ms: number) {
    super('HAPBEAT_ERR_CONNECT_TIMEOUT', endpoint, `connecting to ${endpoint} took longer than ${ms} ms`, {
      hint: 'check that HAProxy is running and not overloaded, or raise haproxy.timeouts.connect',
    });
  }
}

export class ReadTimeoutError extends HaproxyError {
  readonly command: string;
  readonly bytesRead: number;
  constructor(endpoint: string, command: string, ms: number, bytesRead: number) {
    super('HAPBEAT_ERR_READ_TIMEOUT', endpoint, `no complete answer to "${command}" from ${endpoint} within ${ms} ms (${bytesRead} bytes read)`, {
      hint:
        'the socket accepted the connection but did not finish answering; HAProxy may be overloaded, or the ' +
        'master CLI is at its 10-connection limit (close idle socat sessions), or raise haproxy.timeouts.read',
    });
    this.command = command;
    this.bytesRead = bytesRead;
  }
}

export class ResponseTooLargeError extends HaproxyError {
  constructor(endpoint: string, command: string, limit: number) {
    super('HAPBEAT_ERR_RESPONSE_TOO_LARGE', endpoint, `the answer to "${command}" from ${endpoint} exceeded ${limit} bytes`, {
      hint: 'raise haproxy.max_response_bytes if this HAProxy really has that many proxies and servers',
    });
  }
}

/** HAProxy answered, but with nothing at all. */
export class EmptyResponseError extends HaproxyError {
  constructor(endpoint: string, command: string) {
    super('HAPBEAT_ERR_EMPTY_RESPONSE', endpoint, `empty answer to "${command}" from ${endpoint}`, {
      hint: 'the socket closed without answering; is this a HAProxy CLI socket?',
    });
  }
}

/** `Unknown command ...`: usually a master socket used as a worker socket, or the reverse. */
export class UnknownCommandError extends HaproxyError {
  constructor(endpoint: string, command: string, hint: string) {
    super('HAPBEAT_ERR_UNKNOWN_COMMAND', endpoint, `HAProxy at ${endpoint} does not know the command "${command}"`, { hint });
  }
}

/** `Can't find the target PID matching the prefix ...`: the process exited, or never existed. */
export class ProcessGoneError extends HaproxyError {
  readonly prefix: string;
  constructor(endpoint: string, prefix: string) {
    super('HAPBEAT_ERR_PROCESS_GONE', endpoint, `no HAProxy process matches ${printable(prefix, 40)} at ${endpoint}`, {
      hint: 'the process exited between "show proc" and this command (normal after a reload)',
    });
    this.prefix = printable(prefix, 40);
  }
}

/** `Permission denied`: the CLI level of the socket is too low for the command. */
export class CliPermissionError extends HaproxyError {
  constructor(endpoint: string, command: string) {
    super('HAPBEAT_ERR_CLI_PERMISSION_DENIED', endpoint, `HAProxy at ${endpoint} refused "${command}": permission denied`, {
      hint: 'give the socket a higher level, for example "stats socket /run/haproxy.sock mode 660 level admin"',
    });
  }
}

/** An HTTP stats page answered with an error status. */
export class HttpStatusError extends HaproxyError {
  readonly status: number;
  constructor(endpoint: string, status: number, hint: string) {
    super('HAPBEAT_ERR_HTTP_STATUS', endpoint, `stats page ${endpoint} answered HTTP ${status}`, { hint });
    this.status = status;
  }
}
