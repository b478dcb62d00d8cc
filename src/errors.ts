/**
 * Every error hapbeat raises on purpose has a code from this catalog: stable, prefixed, for logs, tests and
 * alerting. Each entry says when it happens and what generally fixes it; the error's own message names the bad
 * input. The README's table of codes is generated from this list (`npm run docs`).
 */
export const ERROR_CATALOG = {
  HAPBEAT_ERR_CONFIG_INVALID: {
    when: 'a setting, flag or environment variable has a bad value, or the configuration file cannot be read',
    hint: 'fix the setting the message names; `hapbeat test config` checks a configuration without running it',
  },
  HAPBEAT_ERR_TARGET_ADDRESS_INVALID: {
    when: 'a HAProxy target address is neither a socket path, host:port, nor an http(s) stats URL',
    hint: 'write the master socket path (/run/haproxy-master.sock), ipv4@host:port, or http://host:port/stats;csv',
  },
  HAPBEAT_ERR_HAPROXY_UNREACHABLE: {
    when: 'nothing listens at the target address',
    hint: 'check that HAProxy runs with -S <socket> (master CLI) and that the path or port matches',
  },
  HAPBEAT_ERR_SOCKET_PERMISSION_DENIED: {
    when: 'the operating system refused to open the socket',
    hint: "give hapbeat's user access to the socket: -S <path>,mode,660,group,<group> on HAProxy's command line",
  },
  HAPBEAT_ERR_CONNECT_TIMEOUT: {
    when: 'connecting took longer than haproxy.timeouts.connect',
    hint: 'HAProxy is overloaded or the address leads nowhere; raise the timeout only if it is merely slow',
  },
  HAPBEAT_ERR_READ_TIMEOUT: {
    when: 'an answer did not end within haproxy.timeouts.read',
    hint: 'a very large show stat takes longer: raise haproxy.timeouts.read',
  },
  HAPBEAT_ERR_CONNECTION_RESET: {
    when: 'HAProxy closed the connection in the middle of an answer',
    hint: 'usually a reload or a stopping worker; the next poll tries again',
  },
  HAPBEAT_ERR_RESPONSE_TOO_LARGE: {
    when: 'an answer exceeded haproxy.max_response_bytes',
    hint: 'raise haproxy.max_response_bytes for very large configurations',
  },
  HAPBEAT_ERR_EMPTY_RESPONSE: { when: 'HAProxy answered nothing', hint: 'the address may be a worker socket without the stats level, or not HAProxy at all' },
  HAPBEAT_ERR_UNKNOWN_COMMAND: {
    when: 'HAProxy did not know a command hapbeat sent',
    hint: 'point hapbeat at the master CLI (-S) rather than a worker socket, or check the HAProxy version',
  },
  HAPBEAT_ERR_PROCESS_GONE: { when: 'a process listed by show proc exited before it answered', hint: 'normal around reloads; the process is skipped' },
  HAPBEAT_ERR_CLI_PERMISSION_DENIED: {
    when: 'HAProxy refused a command for lack of level',
    hint: 'give the stats socket "level operator" (or admin), or use the master CLI',
  },
  HAPBEAT_ERR_HTTP_STATUS: { when: 'a stats page answered an HTTP error', hint: 'check the URL (it needs ;csv) and the credentials' },
  HAPBEAT_ERR_INVALID_PROCESS_NUMBER: {
    when: 'HAProxy reported a pid or process number that is not a valid number',
    hint: 'the socket may not be a HAProxy master CLI; hapbeat sends no command built from it',
  },
  HAPBEAT_ERR_PARSE: {
    when: 'an answer is not in the format HAProxy uses for that command',
    hint: 'the message quotes the line; report it with the HAProxy version if HAProxy sent it',
  },
  HAPBEAT_ERR_SPOOL_NO_SPACE: {
    when: 'the disk holding the spool is full',
    hint: 'free space or move queue.disk.path; documents are held in memory meanwhile (queue.max_events)',
  },
  HAPBEAT_ERR_SPOOL_NOT_WRITABLE: {
    when: "hapbeat's user cannot write the spool directory",
    hint: 'make queue.disk.path writable by the user hapbeat runs as',
  },
  HAPBEAT_ERR_SPOOL_IO: { when: 'reading or writing the spool failed at the device', hint: 'check the disk; a damaged record is quarantined and counted' },
  HAPBEAT_ERR_SPOOL_CLOSED: { when: 'something was written to the spool after shutdown', hint: 'a bug: please report it' },
  HAPBEAT_ERR_SPOOL_LOCKED: {
    when: 'another hapbeat uses the same spool directory',
    hint: 'stop the other one, or give each agent its own queue.disk.path (or path.data)',
  },
  HAPBEAT_ERR_FILE_OUTPUT: { when: 'the file output cannot write its file', hint: 'make output.file.path writable and check the free space' },
  HAPBEAT_ERR_ELASTICSEARCH_ACCESS_DENIED: {
    when: "Elasticsearch refused hapbeat's credentials or their privileges",
    hint: 'grant the role the README describes (create_doc and auto_configure on metrics-haproxy.*)',
  },
  HAPBEAT_ERR_ELASTICSEARCH_UNSUPPORTED: {
    when: 'the Elasticsearch version lacks something the chosen settings need',
    hint: 'the message names the setting to change',
  },
  HAPBEAT_ERR_ELASTICSEARCH_ANSWER: {
    when: 'Elasticsearch answered something hapbeat did not expect',
    hint: 'check that the URL points at Elasticsearch, not at a proxy or Kibana',
  },
  HAPBEAT_ERR_TEMPLATES_NOT_INSTALLED: {
    when: "hapbeat's index templates are missing and its user may not install them",
    hint: 'run `hapbeat setup` once with a user that may manage templates, or set setup.template.enabled: false and install them yourself',
  },
  HAPBEAT_ERR_KIBANA_IMPORT: {
    when: 'Kibana refused the saved objects',
    hint: 'the message lists the objects and why; check the Kibana URL, space and credentials',
  },
  HAPBEAT_ERR_COMMAND_REFUSED: {
    when: 'hapbeat refused to send a command that is not one plain line (it would let a value inject a second command)',
    hint: 'a bug: hapbeat builds commands only from validated numbers; please report it',
  },
  HAPBEAT_ERR_INTERNAL: {
    when: "an invariant of hapbeat's own code does not hold (for example two field tables that contradict each other)",
    hint: 'a bug: please report it with the message',
  },
} as const satisfies Record<string, { when: string; hint: string }>;

/** The codes of ERROR_CATALOG, as a literal union. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

/**
 * The base of every error hapbeat raises on purpose. Each has a code from ERROR_CATALOG and a message that
 * names the bad input and says how to fix it (`hint`, when given, is specific to this occurrence).
 */
export class HapbeatError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { hint?: string; cause?: unknown }) {
    super(options?.hint ? `${message}: ${options.hint}` : message, { cause: options?.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options?.hint;
  }
}

/** Turns anything thrown into a one-line description, without a stack, for logs and CLI output. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A compact, JSON-friendly view of an error for structured logs. */
export function errorFields(err: unknown): { code?: string; message: string } {
  if (err instanceof HapbeatError) return { code: err.code, message: err.message };
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? { code, message: err.message } : { message: err.message };
  }
  return { message: String(err) };
}

/**
 * Text from outside (a socket's answer, a file) made safe for a message or a log line: control characters,
 * DEL and C1 controls (terminal escape sequences among them) are written as \u escapes, and long text is cut.
 */
export function printable(text: string, max = 120): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
