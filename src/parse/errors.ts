import { HapbeatError } from '../errors.js';

/** Input that is not what HAProxy sends for that command. Names the command, the line and what was wrong. */
export class ParseError extends HapbeatError {
  readonly what: string;
  readonly line: number | undefined;
  readonly excerpt: string | undefined;

  constructor(what: string, problem: string, opts: { line?: number; excerpt?: string; cause?: unknown } = {}) {
    const at = opts.line !== undefined ? ` at line ${opts.line}` : '';
    const ex = opts.excerpt !== undefined ? ` (${JSON.stringify(truncate(opts.excerpt, 120))})` : '';
    super('parse_error', `cannot parse "${what}" output${at}: ${problem}${ex}`, { cause: opts.cause });
    this.what = what;
    this.line = opts.line;
    this.excerpt = opts.excerpt;
  }
}

export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
