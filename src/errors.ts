/**
 * The base of every error hapbeat raises on purpose. Each has a stable `code` (for logs, tests and alerting)
 * and a message that names the bad input and says how to fix it.
 */
export class HapbeatError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options?: { hint?: string; cause?: unknown }) {
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
