import { HapbeatError } from '../errors.js';
import { redactText, redactUrl, splitCredentials } from '../redact.js';

/** Where a HAProxy CLI or stats page is reached. */
export type Endpoint =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host: string; port: number }
  /** A stats page; `url` holds no credentials (they were written in the URL, and are kept apart here). */
  | { kind: 'http'; url: string; username?: string; password?: string };

/**
 * How hapbeat talks to a target:
 * - `master`: the master CLI (`haproxy -W -S <socket>`); every worker, current and old, is sampled;
 * - `socket`: a single worker's stats socket (`stats socket ... level admin`); one process, like Metricbeat;
 * - `http`: a stats page (`stats uri`), read as `;csv`; one process, and no `show info`.
 */
export type TargetMode = 'master' | 'socket' | 'http';

export interface Target {
  /** A short name for logs and documents; defaults to the address. */
  name: string;
  /** The address as the user wrote it, without any credentials; this becomes `service.address`. */
  address: string;
  mode: TargetMode;
  endpoint: Endpoint;
}

export class TargetAddressError extends HapbeatError {
  constructor(address: string, why: string) {
    super('HAPBEAT_ERR_TARGET_ADDRESS_INVALID', `invalid HAProxy target address ${JSON.stringify(redactText(address))}: ${why}`, {
      hint:
        'use a socket path (/run/haproxy-master.sock, unix@/path), host:port (127.0.0.1:9999, ipv4@host:port, ' +
        '[::1]:9999), or an http(s):// stats page URL; prefix with "socket:" for a plain worker stats socket',
    });
  }
}

const MODE_PREFIXES: Record<string, TargetMode> = { 'master:': 'master', 'socket:': 'socket' };

/**
 * Parses one target address. Accepted forms:
 *   /run/haproxy-master.sock, ./rel.sock, unix@/path, unix:///path   (unix socket)
 *   127.0.0.1:9999, localhost:9999, ipv4@127.0.0.1:9999, ipv6@[::1]:9999, [::1]:9999, tcp://host:port
 *   http(s)://host[:port]/stats                                      (stats page, mode http)
 * An optional "master:" or "socket:" prefix picks the mode for socket addresses (default master).
 */
export function parseTarget(input: string, opts: { name?: string; mode?: TargetMode } = {}): Target {
  if (typeof input !== 'string') throw new TargetAddressError(String(input), 'it is not a string');
  const address = input.trim();
  if (address === '') throw new TargetAddressError(input, 'it is empty');
  if (/[\0\r\n]/.test(address)) throw new TargetAddressError(input, 'it contains a control character');

  let rest = address;
  let mode: TargetMode | undefined = opts.mode;
  for (const [prefix, m] of Object.entries(MODE_PREFIXES)) {
    if (rest.startsWith(prefix)) {
      if (mode && mode !== m) {
        throw new TargetAddressError(input, `the "${prefix}" prefix contradicts mode "${mode}"`);
      }
      mode = m;
      rest = rest.slice(prefix.length);
      break;
    }
  }

  const endpoint = parseEndpoint(rest, input);
  if (endpoint.kind === 'http') {
    if (mode && mode !== 'http') {
      throw new TargetAddressError(input, `an http(s) URL is a stats page, so mode "${mode}" cannot apply`);
    }
    mode = 'http';
  } else if (mode === 'http') {
    throw new TargetAddressError(input, 'mode "http" needs an http:// or https:// URL');
  }
  // A stats page URL loses its credentials here, before it becomes a name, an address, a log field or a document.
  const withCredentials = endpoint.kind === 'http' && (endpoint.username !== undefined || endpoint.password !== undefined);
  const shown = withCredentials ? `${address.slice(0, address.length - rest.length)}${(endpoint as { url: string }).url}` : address;
  return { name: opts.name?.trim() ? redactText(opts.name.trim()) : shown, address: shown, mode: mode ?? 'master', endpoint };
}

function parseEndpoint(s: string, original: string): Endpoint {
  if (/^https?:\/\//i.test(s)) {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw new TargetAddressError(original, 'the URL does not parse');
    }
    if (!url.hostname) throw new TargetAddressError(original, 'the URL has no host');
    return { kind: 'http', ...splitCredentials(url.toString()) };
  }
  if (s.startsWith('unix://')) return unixPath(s.slice('unix://'.length), original);
  if (s.startsWith('unix@')) return unixPath(s.slice('unix@'.length), original);
  if (s.startsWith('tcp://')) return hostPort(s.slice('tcp://'.length), original);
  if (s.startsWith('ipv4@')) return hostPort(s.slice('ipv4@'.length), original);
  if (s.startsWith('ipv6@')) return hostPort(s.slice('ipv6@'.length), original);
  if (s.startsWith('/') || s.startsWith('./') || s.startsWith('../')) return unixPath(s, original);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    throw new TargetAddressError(original, `the scheme ${s.split(':')[0]}:// is not supported`);
  }
  if (/:\d+$/.test(s)) return hostPort(s, original);
  throw new TargetAddressError(original, 'it is neither a socket path (starting with /) nor host:port');
}

function unixPath(p: string, original: string): Endpoint {
  if (p === '') throw new TargetAddressError(original, 'the socket path is empty');
  return { kind: 'unix', path: p };
}

function hostPort(s: string, original: string): Endpoint {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(s);
  if (!m) throw new TargetAddressError(original, 'expected host:port (or [ipv6]:port)');
  const host = (m[1] ?? m[2])!;
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TargetAddressError(original, `port ${m[3]} is outside 1-65535`);
  }
  return { kind: 'tcp', host, port };
}

export function describeEndpoint(e: Endpoint): string {
  switch (e.kind) {
    case 'unix':
      return e.path;
    case 'tcp':
      return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
    case 'http':
      return redactUrl(e.url);
  }
}

export { redactUrl };
