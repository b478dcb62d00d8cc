/** The number shapes HAProxy prints, checked without a regex on the hot path. Pure. */

/** An optional minus and 1-20 digits: the integers HAProxy prints. */
export function isIntText(s: string): boolean {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (i >= n || n - i > 20) return false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const DECIMAL_RE = /^-?\d+(?:\.\d+)?$/;

/** An integer or a decimal fraction written with digits (no exponent, no sign but minus). */
export function isDecimalText(s: string): boolean {
  return DECIMAL_RE.test(s);
}

/** The value of an integer or decimal text, or undefined for anything else (including ''). */
export function decimalOf(s: string | undefined): number | undefined {
  return s !== undefined && s !== '' && DECIMAL_RE.test(s) ? Number(s) : undefined;
}

/** The value of a non-negative integer text (digits only), or undefined. */
export function countOf(s: string | undefined): number | undefined {
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined;
}
