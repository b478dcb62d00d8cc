/** A `status` value split into its parts: `UP 2/3`, `MAINT (via be/s3)`, `DOWN (agent)`, `no check`, `OPEN`. */
export interface ParsedStatus {
  /** The state word: UP, DOWN, MAINT, DRAIN, NOLB, OPEN, STOP, FULL, PAUSED, WAITING, "no check", ... */
  name: string;
  /** `n/m` while a server is going up or down (n checks of the m needed). */
  transition?: string;
  /** Why: `agent` (set by the agent check), `resolution` (DNS), or `via` (tracking another server). */
  reason?: 'agent' | 'resolution' | 'via';
  /** The tracked server, for `MAINT (via be/s3)`. */
  via?: string;
}

const STATUS_RE = /^(no check|[A-Z][A-Z_]*)(?: (\d+\/\d+))?(?: \((?:via ([^)]+)|(agent|resolution))\))?$/;

/** Pure; never throws. An unknown shape keeps the whole value as the name. */
export function parseStatus(s: string): ParsedStatus {
  const m = STATUS_RE.exec(s);
  if (!m) return { name: s };
  const out: ParsedStatus = { name: m[1]! };
  if (m[2]) out.transition = m[2];
  if (m[3]) {
    out.reason = 'via';
    out.via = m[3];
  } else if (m[4]) out.reason = m[4] as 'agent' | 'resolution';
  return out;
}

const parsed = new Map<string, Readonly<ParsedStatus>>();
/** parseStatus, remembered: a table repeats a handful of distinct values on thousands of rows. Do not modify the result. */
export function statusOf(s: string): Readonly<ParsedStatus> {
  let p = parsed.get(s);
  if (p === undefined) {
    p = parseStatus(s);
    if (parsed.size < 1000) parsed.set(s, p);
  }
  return p;
}
