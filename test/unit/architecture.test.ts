import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/, from the bottom up: a module may import its own layer and the ones below, never one above.
 * A poll goes haproxy (I/O) → parse → derive → documents → pipeline (queue) → output; config, elastic and kibana
 * sit beside them at the height of what they use.
 */
const LAYERS: string[][] = [
  ['errors.ts', 'arrays.ts', 'byte-writer.ts', 'redact.ts', 'launch-settings.ts', 'strings.ts'],
  ['log'],
  ['fields'],
  ['parse'],
  ['haproxy'],
  ['derive'],
  ['documents'],
  ['config'],
  ['agent-info.ts'],
  ['elastic'],
  ['kibana'],
  ['output'],
  ['pipeline'],
  ['health.ts', 'agent.ts'],
  ['cli'],
];
const layerOf = (rel: string) => LAYERS.findIndex((l) => l.includes(rel.split('/')[0]!));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const SRC = files('src').map((f) => ({ rel: path.relative('src', f), text: readFileSync(f, 'utf8') }));

describe('the architecture of src/', () => {
  it('every module belongs to a layer', () => {
    expect(SRC.filter((f) => layerOf(f.rel) < 0).map((f) => f.rel)).toEqual([]);
  });

  it('no module imports a layer above its own', () => {
    const upward: string[] = [];
    for (const f of SRC) {
      for (const m of f.text.matchAll(/from '(\.[^']+)'/g)) {
        const target = path.relative('src', path.resolve('src', path.dirname(f.rel), m[1]!)).replace(/\.js$/, '.ts');
        if (layerOf(target) > layerOf(f.rel)) upward.push(`${f.rel} imports ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('throws only typed errors: no plain Error, TypeError or RangeError is created in src/', () => {
    const plain = SRC.flatMap((f) => [...f.text.matchAll(/new (Error|TypeError|RangeError)\(/g)].map(() => f.rel));
    expect(plain).toEqual([]);
  });

  it('parses text only in parse/: no regex on HAProxy answers elsewhere in the per-poll path', () => {
    const outside = SRC.filter((f) => /^(haproxy\/source|derive\/|documents\/|pipeline\/collector|pipeline\/transform)/.test(f.rel)).filter((f) =>
      /\.exec\(|\.match\(|\/\^[A-Z][a-z_]+: /.test(f.text),
    );
    expect(outside.map((f) => f.rel)).toEqual([]);
  });
});
