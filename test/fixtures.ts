import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Versions with recorded fixtures (directory names haproxy-<version>). */
export function fixtureVersions(): string[] {
  return readdirSync(root)
    .filter((d) => d.startsWith('haproxy-'))
    .map((d) => d.slice('haproxy-'.length))
    .sort();
}

/** The exact bytes HAProxy sent, as recorded by scripts/record-fixtures.ts. */
export function fixture(version: string, name: string): string {
  return readFileSync(path.join(root, `haproxy-${version}`, name), 'utf8');
}

export const V26 = '2.6.12-1+deb12u4';
