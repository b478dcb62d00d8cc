import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseShowStat } from '../../src/parse/show-stat.js';
import { parseStatus } from '../../src/parse/status.js';
import { ParseError } from '../../src/parse/errors.js';
import { fixture, V26 } from '../fixtures.js';

function col(t: { header: string[]; rows: string[][] }, px: string, sv: string, name: string): string {
  const row = t.rows.find((r) => r[0] === px && r[1] === sv)!;
  return row[t.header.indexOf(name)]!;
}

describe('parseShowStat', () => {
  const t = parseShowStat(fixture(V26, 'show-stat.txt'));

  it('reads the 2.6.12 header by name: 128 columns, "-" at 103, src_ilim spelling', () => {
    expect(t.header).toHaveLength(128);
    expect(t.header.indexOf('-')).toBe(103);
    expect(t.header[0]).toBe('pxname');
    expect(t.header).toContain('src_ilim');
    expect(t.header).not.toContain('');
  });

  it('returns every row, aligned with the header', () => {
    expect(t.rows.map((r) => `${r[0]}/${r[1]}`)).toEqual([
      'fe_main/FRONTEND',
      'be_app/app1',
      'be_app/app2',
      'be_app/down1',
      'be_app/BACKEND',
      'be_slow/slow1',
      'be_slow/BACKEND',
      'li_both/FRONTEND',
      'li_both/t1',
      'li_both/BACKEND',
      'be_quirk/q1',
      'be_quirk/BACKEND',
    ]);
    for (const r of t.rows) expect(r).toHaveLength(128);
  });

  it('keeps exact values, empty fields, -1 sentinels and quoted commas and quotes', () => {
    expect(col(t, 'fe_main', 'FRONTEND', 'hrsp_2xx')).toBe('7');
    expect(col(t, 'fe_main', 'FRONTEND', 'qcur')).toBe('');
    expect(col(t, 'be_app', 'down1', 'lastsess')).toBe('-1');
    expect(col(t, 'be_quirk', 'q1', 'last_chk')).toBe('Down, for "maint"');
    expect(col(t, 'be_slow', 'slow1', 'status')).toBe('no check');
    expect(col(t, 'li_both', 't1', 'tracked')).toBe('be_app/app1');
    expect(col(t, 'be_app', 'app1', '-')).toBe('-');
  });

  it('parses the old worker of 2.6: all rows, frontends STOP', () => {
    const o = parseShowStat(fixture(V26, 'old-worker-show-stat.txt'));
    expect(o.rows).toHaveLength(12);
    expect(col(o, 'fe_main', 'FRONTEND', 'status')).toBe('STOP');
  });

  it('accepts a header-only answer (old 2.2 workers)', () => {
    const header = fixture(V26, 'show-stat.txt').split('\n')[0]!;
    expect(parseShowStat(`${header}\n\n`).rows).toEqual([]);
  });

  it('accepts a stats page CSV (no trailing blank line) and columns in another order', () => {
    const r = parseShowStat('# pxname,svname,new_col,scur,\nfe,FRONTEND,x,3,\n');
    expect(r.header).toEqual(['pxname', 'svname', 'new_col', 'scur']);
    expect(r.rows).toEqual([['fe', 'FRONTEND', 'x', '3']]);
  });

  it.each([
    ['', 'does not start with'],
    ['pxname,svname,\n', 'does not start with'],
    ["Can't find the target PID matching the prefix '@2'\n", 'does not start with'],
    ['# pxname,svname,scur,\nfe,FRONTEND,1,\nbe,BACKEND\n', 'cannot parse "show stat" output'],
    ['# pxname,svname,scur,\nfe,"FRONTEND,1,\n', 'cannot parse "show stat"'],
    ['# pxname,svname,scur,\nfe,FRONTEND,1,2\n', 'cannot parse "show stat"'],
    ['# a,b,\n1,2,\n', 'must begin with "pxname,svname"'],
    ['# pxname,svname,x,x,\n', 'appears twice'],
    ['# pxname,svname,,x,\n', 'empty column name'],
  ])('rejects %j', (text, msg) => {
    expect(() => parseShowStat(text)).toThrow(ParseError);
    expect(() => parseShowStat(text)).toThrow(msg);
  });

  it('names the line of a truncated answer', () => {
    const full = fixture(V26, 'show-stat.txt');
    const cut = full.slice(0, full.indexOf('\nbe_app,app2') + 30);
    try {
      parseShowStat(cut);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).line).toBe(4);
    }
  });

  it('round-trips random values with commas, quotes and spaces, quoted the way HAProxy quotes', () => {
    const value = fc.string({ maxLength: 12 }).filter((s) => !/[\r\n]/.test(s));
    const quote = (v: string) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value, value), { minLength: 1, maxLength: 8 }), (rows) => {
        const fixed = rows.map(([a, b, c]) => [`p${a}`, `s${b}`, c]);
        const text = `# pxname,svname,status,\n${fixed.map((r) => `${r.map(quote).join(',')},`).join('\n')}\n\n`;
        expect(parseShowStat(text).rows).toEqual(fixed);
      }),
      { numRuns: 1000 },
    );
  });

  it('only ever throws ParseError on mutated real output', () => {
    const base = fixture(V26, 'show-stat.txt');
    fc.assert(
      fc.property(fc.tuple(fc.nat(base.length), fc.nat(40), fc.string({ maxLength: 8 })), ([at, del, ins]) => {
        try {
          parseShowStat(base.slice(0, at) + ins + base.slice(at + del));
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseStatus', () => {
  it.each([
    ['UP', { name: 'UP' }],
    ['UP 2/3', { name: 'UP', transition: '2/3' }],
    ['DOWN 1/2', { name: 'DOWN', transition: '1/2' }],
    ['NOLB 1/2', { name: 'NOLB', transition: '1/2' }],
    ['MAINT (via be_app/s3)', { name: 'MAINT', reason: 'via', via: 'be_app/s3' }],
    ['MAINT (resolution)', { name: 'MAINT', reason: 'resolution' }],
    ['DOWN (agent)', { name: 'DOWN', reason: 'agent' }],
    ['DRAIN (agent)', { name: 'DRAIN', reason: 'agent' }],
    ['no check', { name: 'no check' }],
    ['OPEN', { name: 'OPEN' }],
    ['weird thing!', { name: 'weird thing!' }],
  ])('%s', (s, expected) => {
    expect(parseStatus(s)).toEqual(expected);
  });
});

describe('the CSV fast path', () => {
  it('gives exactly what csv-parse gives, for random HAProxy-style lines', async () => {
    const { parse } = await import('csv-parse/sync');
    const { splitLine } = await import('../../src/parse/show-stat.js');
    const value = fc.oneof(
      fc.constantFrom('', '0', '-1', 'UP 2/3', 'MAINT (via a/b)', 'no check', 'x,y', 'say "hi"'),
      fc.string({ maxLength: 8 }).filter((s) => !/[\r\n]/.test(s)),
    );
    const quote = (v: string) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 30 }), (values) => {
        const line = `${values.map(quote).join(',')},`;
        expect(splitLine(line, 1)).toEqual((parse(line) as string[][])[0]);
      }),
      { numRuns: 3000 },
    );
  });
});
