import type { DerivedRow } from '../derive/rates.js';
import { derivedJson, EMIT_DERIVED, EMIT_INT, type FieldNode } from './field-plan.js';

/**
 * The JSON members (without braces) of the object a field tree builds from one row or record, or '' when no
 * field has a value. Integers are validated and copied as written; strings are JSON-escaped; an object is
 * written only when one of its fields has a value. Plain string appends are the cheapest way to build this
 * (V8 joins the pieces lazily; measured faster than Array#join and than a flattened op list); callers
 * flatten the finished document once (see flat()).
 */
export function emitFields(
  nodes: readonly FieldNode[],
  row: readonly string[],
  derived: DerivedRow | undefined,
  onProblem: (field: string, value: string, expected: string) => void,
): string {
  const r = row;
  let s = '';
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const f = n.field;
    if (f && f.how === EMIT_DERIVED) {
      // Rates and ratios: numbers from the derive step (NaN: none), never from the table.
      let x = derived ? derived[f.source]! : NaN;
      if (x !== x && n.fallbacks && derived) {
        for (const fb of n.fallbacks) {
          x = derived[fb.source]!;
          if (x === x) break;
        }
      }
      if (x !== x) continue;
      s += s === '' ? n.jsonKey : n.jsonKeyComma;
      s += derivedJson(x);
    } else if (f) {
      let src = f;
      let raw = r[f.source];
      if ((raw === undefined || raw === '') && n.fallbacks) {
        for (const fb of n.fallbacks) {
          raw = r[fb.source];
          if (raw !== undefined && raw !== '') {
            src = fb;
            break;
          }
        }
      }
      if (raw === undefined || raw === '') continue;
      let frag: string | null | undefined;
      if (src.how === EMIT_INT) {
        // Inlined integer check (optional minus, 1-20 digits, no leading zero): copied as written.
        const len = raw.length;
        let k = raw.charCodeAt(0) === 45 ? 1 : 0;
        frag = len > k && len - k <= 20 && !(raw.charCodeAt(k) === 48 && len - k > 1) ? raw : null;
        for (; frag !== null && k < len; k++) {
          const c = raw.charCodeAt(k);
          if (c < 48 || c > 57) frag = null;
        }
        if (frag === null) frag = src.emit(raw); // leading zeros, or really not a number
      } else {
        frag = src.emit(raw);
      }
      if (frag === undefined) continue; // an "unset" sentinel such as -1
      if (frag === null) {
        onProblem(src.spec.source, raw, src.spec.type);
        continue;
      }
      s += s === '' ? n.jsonKey : n.jsonKeyComma;
      s += frag;
    } else {
      const inner = emitFields(n.children!, row, derived, onProblem);
      if (inner === '') continue;
      s += s === '' ? n.jsonKey : n.jsonKeyComma;
      s += '{';
      s += inner;
      s += '}';
    }
  }
  return s;
}

const FLATTEN = /^/;
/** Makes V8 store a string built by many appends as one flat block (cheap now, and avoids a deep rope later). */
export function flat(s: string): string {
  FLATTEN.test(s);
  return s;
}
