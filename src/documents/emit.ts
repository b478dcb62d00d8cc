import type { DerivedRows } from '../derive/rates.js';
import { EMIT_DERIVED, EMIT_INT, EMIT_STRING, type FieldNode } from './field-plan.js';
import type { JsonWriter } from './json-writer.js';
import type { Cells } from '../parse/stat-table.js';

const OPEN = 123;
const CLOSE = 125;
const ZERO = 48;
const QUOTE = 34;

/**
 * Writes the JSON members (without braces) of the object a field tree builds from one row of cells (the row
 * whose first cell's span is at `base` in `cells.spans`, and whose derived values, if any, start at `d0` in
 * `derived`), and says whether it wrote any. Keys are copied from the bytes the plan encoded once. Integers, and
 * strings that need no escape, are copied as written, character by character from the cells' text; derived
 * numbers are written rounded without making a string; other values are JSON-encoded by their field's emitter.
 * An object is written only when one of its fields has a value (otherwise its key is taken back).
 */
export function emitFields(
  w: JsonWriter,
  nodes: readonly FieldNode[],
  cells: Cells,
  base: number,
  derived: DerivedRows | undefined,
  d0: number,
  onProblem: (field: string, value: string, expected: string) => void,
): boolean {
  const text = cells.text;
  const spans = cells.spans;
  let any = false;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const f = n.field;
    if (f && f.how === EMIT_DERIVED) {
      // Rates and ratios: numbers from the derive step (NaN: none), never from the table.
      let x = derived ? derived[d0 + f.source]! : NaN;
      if (x !== x && n.fallbacks && derived) {
        for (const fb of n.fallbacks) {
          x = derived[d0 + fb.source]!;
          if (x === x) break;
        }
      }
      if (x !== x) continue;
      w.bytes(any ? n.keyComma : n.key);
      if (x === 0) w.char(ZERO);
      else w.rounded(x);
      any = true;
    } else if (f) {
      let src = f;
      let s = spans[base + 2 * f.source]!;
      let e = spans[base + 2 * f.source + 1]!;
      if (s === e && n.fallbacks) {
        for (const fb of n.fallbacks) {
          s = spans[base + 2 * fb.source]!;
          e = spans[base + 2 * fb.source + 1]!;
          if (s !== e) {
            src = fb;
            break;
          }
        }
      }
      if (s === e) continue;
      if (src.how === EMIT_INT) {
        // An integer as HAProxy writes it is copied as written; anything else goes to the emitter below.
        const mark = w.mark;
        w.bytes(any ? n.keyComma : n.key);
        if (w.integer(text, s, e)) {
          any = true;
          continue;
        }
        w.rewind(mark);
      } else if (src.how === EMIT_STRING) {
        // Printable ASCII without a quote or a backslash (names, addresses, statuses) is its own JSON: copied.
        let k = s;
        for (; k < e; k++) {
          const c = text.charCodeAt(k);
          if (c < 32 || c > 126 || c === 34 || c === 92) break;
        }
        if (k === e) {
          w.bytes(any ? n.keyComma : n.key);
          w.char(QUOTE);
          w.span(text, s, e);
          w.char(QUOTE);
          any = true;
          continue;
        }
      }
      // Leading zeros, a value that is not a number, a string to escape, or a field with its own emitter.
      const raw = text.slice(s, e);
      const frag = src.emit(raw);
      if (frag === undefined) continue; // an "unset" sentinel such as -1
      if (frag === null) {
        onProblem(src.spec.source, raw, src.spec.type);
        continue;
      }
      w.bytes(any ? n.keyComma : n.key);
      w.text(frag);
      any = true;
    } else {
      const mark = w.mark;
      w.bytes(any ? n.keyComma : n.key);
      w.char(OPEN);
      if (!emitFields(w, n.children!, cells, base, derived, d0, onProblem)) {
        w.rewind(mark);
        continue;
      }
      w.char(CLOSE);
      any = true;
    }
  }
  return any;
}
