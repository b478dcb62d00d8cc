const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `500ms`, `10s`, `1.5m`, `2h`, `90d` → milliseconds; undefined if not a duration. A unit is required: a bare
 * `5` means 5 seconds to some readers and 5 ms to others, so it is refused (the format says "write 5s").
 */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  const m = DURATION_RE.exec(s);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i;
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };

/** `10MiB`, `500kb`, `1048576` → bytes; undefined if not a size. */
export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = SIZE_RE.exec(v.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]!);
}
