import { ownCopy } from '../strings.js';

/**
 * What a field means, in HAProxy's own words: the origin and nature letters of `show stat typed` and
 * `show info typed` (management.txt §9.2). Origin: M metric, S status, K key, C config, P product.
 * Nature: C counter, G gauge, R rate, a average, M max, m min, L limit, A age, D duration, T time, N name,
 * O output.
 */
export interface FieldNature {
  origin: string;
  nature: string;
}

/** component_type 0..3 → typed objtype letter (frontend, backend, server, listener). */
export const OBJ_LETTER = ['F', 'B', 'S', 'L'] as const;

/**
 * Reads the field natures from `show stat typed`, by "<objtype>.<field>". Lines are
 * `<obj>.<iid>.<id>.<pos>.<name>.<proc>:<ONS>:<type>:<value>`; the name never contains ':' or '.', and the
 * value (which may contain anything) is ignored. Lines of another shape are skipped. The map holds nothing of
 * `text`. Pure.
 */
export function parseStatTypedNatures(text: string): Map<string, FieldNature> {
  const out = new Map<string, FieldNature>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const head = line.slice(0, colon).split('.');
    if (head.length < 6 || !(OBJ_LETTER as readonly string[]).includes(head[0]!)) continue;
    const name = head.slice(4, -1).join('.');
    const tags = line.slice(colon + 1, colon + 4);
    if (tags.length !== 3) continue;
    const key = `${head[0]}.${name}`;
    if (!out.has(key)) out.set(ownCopy(key), { origin: tags[0]!, nature: tags[1]! });
  }
  return out;
}

/**
 * Reads the field natures from `show info typed`, by key: `<pos>.<name>.<proc>:<ONS>:<type>:<value>`. The map
 * holds nothing of `text`. Pure.
 */
export function parseInfoTypedNatures(text: string): Map<string, FieldNature> {
  const out = new Map<string, FieldNature>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const head = line.slice(0, colon);
    const first = head.indexOf('.');
    const last = head.lastIndexOf('.');
    if (first < 0 || last <= first) continue;
    const name = head.slice(first + 1, last);
    const tags = line.slice(colon + 1, colon + 4);
    if (tags.length === 3 && !out.has(name)) out.set(ownCopy(name), { origin: tags[0]!, nature: tags[1]! });
  }
  return out;
}
