import { HapbeatError, printable } from '../errors.js';

/** Input that is not what HAProxy sends for that command. Names the command, the line and what was wrong. */
export class ParseError extends HapbeatError {
  readonly what: string;
  readonly line: number | undefined;
  readonly excerpt: string | undefined;

  constructor(what: string, problem: string, opts: { line?: number; excerpt?: string; cause?: unknown } = {}) {
    const at = opts.line !== undefined ? ` at line ${opts.line}` : '';
    // The excerpt is what HAProxy (or something else on that socket) sent: escaped, so no byte reaches a log raw.
    const ex = opts.excerpt !== undefined ? ` ("${printable(opts.excerpt, 120).replace(/"/g, '\\"')}")` : '';
    super('HAPBEAT_ERR_PARSE', `cannot parse "${what}" output${at}: ${problem}${ex}`, { cause: opts.cause });
    this.what = what;
    this.line = opts.line;
    this.excerpt = opts.excerpt;
  }
}

export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
