import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { KIBANA_NDJSON, kibanaNdjson, queryFiles } from '../../src/kibana/objects.js';
import { checkNdjson } from '../harness/kibana-checker.js';

describe('Kibana saved objects (kibana/hapbeat-dashboards.ndjson)', () => {
  it('are generated from the typed definitions and up to date (run "npm run kibana")', () => {
    expect(readFileSync(KIBANA_NDJSON, 'utf8')).toBe(kibanaNdjson());
  });

  it('the query set in kibana/queries/ is up to date (run "npm run kibana")', () => {
    for (const [file, text] of queryFiles()) expect(readFileSync(file, 'utf8'), file).toBe(text);
  });

  it('pass every offline check: stamps, attributes, JSON strings, references, operations, fields, accessors', () => {
    expect(checkNdjson(readFileSync(KIBANA_NDJSON, 'utf8'))).toEqual([]);
  });

  it('the checker catches what breaks a dashboard (it can fail)', () => {
    const objs = kibanaNdjson()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const lens = objs.find((o) => o.type === 'lens');
    const dash = objs.find((o) => o.type === 'dashboard');
    const broken = [
      { ...lens, typeMigrationVersion: '10.1.0' },
      {
        ...dash,
        id: 'x',
        attributes: { ...dash.attributes, panelsJSON: JSON.parse(dash.attributes.panelsJSON), sections: [] },
        references: dash.references.slice(1),
      },
    ];
    const col = Object.values(lens.attributes.state.datasourceStates.formBased.layers)[0] as { columns: Record<string, { sourceField: string }> };
    Object.values(col.columns).find((c) => c.sourceField !== '@timestamp')!.sourceField = 'haproxy.stat.no_such_field';
    const problems = checkNdjson([...objs.filter((o) => o.type === 'index-pattern'), lens, ...broken].map((o) => JSON.stringify(o)).join('\n'));
    expect(problems.some((p) => p.includes('typeMigrationVersion 10.1.0'))).toBe(true);
    expect(problems.some((p) => p.includes('attribute sections is not allowed'))).toBe(true);
    expect(problems.some((p) => p.includes('panelsJSON must be a JSON string'))).toBe(true);
    expect(problems.some((p) => p.includes('haproxy.stat.no_such_field, which no template maps'))).toBe(true);
    expect(problems.some((p) => p.includes('reference') && p.includes('not in the bundle'))).toBe(true);
  });
});
