import type { DerivedRow } from '../derive/rates.js';
import { derivedJson, EMIT_DERIVED, EMIT_INT, type FieldNode } from './field-plan.js';
import type { JsonWriter } from './json-writer.js';

const OPEN = 123;
const CLOSE = 125;
const ZERO = 48;

/**
 * Writes the JSON members (without braces) of the object a field tree builds from one row or record, and
 * says whether it wrote any. Integers are validated and copied as written; strings are JSON-escaped; an
 * object is written only when one of its fields has a value (otherwise its key is taken back).
 */
export function emitFields(
  w: JsonWriter,
  nodes: readonly FieldNode[],
  row: readonly string[],
  derived: DerivedRow | undefined,
  onProblem: (field: string, value: string, expected: string) => void,
): boolean {
  const r = row;
  let any = false;
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
      w.text(any ? n.jsonKeyComma : n.jsonKey);
      if (x === 0) w.char(ZERO);
      else w.text(derivedJson(x));
      any = true;
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
      w.text(any ? n.jsonKeyComma : n.jsonKey);
      w.text(frag);
      any = true;
    } else {
      const mark = w.mark;
      w.text(any ? n.jsonKeyComma : n.jsonKey);
      w.char(OPEN);
      if (!emitFields(w, n.children!, row, derived, onProblem)) {
        w.rewind(mark);
        continue;
      }
      w.char(CLOSE);
      any = true;
    }
  }
  return any;
}
