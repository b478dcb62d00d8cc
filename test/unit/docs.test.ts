import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readmeWithReferences } from '../../scripts/reference.js';
import { RECORDED_NATURES_FILE, recordedNaturesSource } from '../../scripts/recorded-natures.js';

describe('README references', () => {
  it('are generated from the code and up to date (run "npm run docs" after changing a setting or field)', () => {
    const text = readFileSync('README.md', 'utf8');
    const fresh = readmeWithReferences(text);
    expect(text).toBe(fresh);
  });

  it('the recorded field natures match the recorded typed output (run "npm run docs" after npm run record-fixtures)', () => {
    expect(readFileSync(RECORDED_NATURES_FILE, 'utf8')).toBe(recordedNaturesSource());
  });

  it('document every setting and every field', () => {
    const text = readFileSync('README.md', 'utf8');
    for (const key of ['haproxy.targets', 'haproxy.timeouts.read', 'output.file.keep_files', 'data_stream.namespace']) expect(text).toContain(`\`${key}\``);
    for (const field of ['haproxy.stat.session.current', 'haproxy.stat.in.bytes', 'haproxy.info.idle.pct', 'haproxy.stat.check.agent.last'])
      expect(text).toContain(`\`${field}\``);
  });
});
