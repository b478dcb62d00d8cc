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
