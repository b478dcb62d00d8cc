import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseShowStat } from '../../src/parse/show-stat.js';
import { parseStatus } from '../../src/parse/status.js';
import { ParseError } from '../../src/parse/errors.js';
import { fixture, V26 } from '../fixtures.js';
import { cellNumber, tableFromRows, tableRows, type StatTable } from '../../src/parse/stat-table.js';
import { parse as csvParse } from 'csv-parse/sync';
import { execFileSync } from 'node:child_process';

function col(t: StatTable, px: string, sv: string, name: string): string {
  const row = tableRows(t).find((r) => r[0] === px && r[1] === sv)!;
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
    expect(tableRows(t).map((r) => `${r[0]}/${r[1]}`)).toEqual([
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
    for (const r of tableRows(t)) expect(r).toHaveLength(128);
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
    expect(o.rowCount).toBe(12);
    expect(col(o, 'fe_main', 'FRONTEND', 'status')).toBe('STOP');
  });

  it('accepts a header-only answer (old 2.2 workers)', () => {
    const header = fixture(V26, 'show-stat.txt').split('\n')[0]!;
    expect(tableRows(parseShowStat(`${header}\n\n`))).toEqual([]);
  });

  it('accepts a stats page CSV (no trailing blank line) and columns in another order', () => {
    const r = parseShowStat('# pxname,svname,new_col,scur,\nfe,FRONTEND,x,3,\n');
    expect(r.header).toEqual(['pxname', 'svname', 'new_col', 'scur']);
    expect(tableRows(r)).toEqual([['fe', 'FRONTEND', 'x', '3']]);
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
        expect(tableRows(parseShowStat(text))).toEqual(fixed);
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

describe('the stat table: cells are spans of the answer', () => {
  it('agrees with csv-parse on random answers: quoted and plain lines, CRLF, blank lines, any characters', () => {
    const value = fc.string({ unit: 'grapheme', maxLength: 10 }).filter((v) => !/[\r\n]/.test(v));
    const quote = (v: string) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value, value, value), { maxLength: 10 }), fc.boolean(), fc.nat(3), (rows, crlf, blanks) => {
        const fixed = rows.map(([a, b, c, d]) => [`p${a}`, `s${b}`, c, d]);
        const eol = crlf ? '\r\n' : '\n';
        const text = `# pxname,svname,status,x,${eol}${fixed.map((r) => `${r.map(quote).join(',')},${eol}`).join('')}${eol.repeat(blanks)}`;
        const expected = (csvParse(text.slice(2), { relax_column_count: true, skip_empty_lines: true }) as string[][]).slice(1).map((r) => r.slice(0, 4));
        const t = parseShowStat(text);
        expect(t.rowCount).toBe(fixed.length);
        expect(tableRows(t)).toEqual(expected);
        expect(tableRows(t)).toEqual(fixed);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads numbers from the characters as Number reads the text, and an empty cell as no value', () => {
    const digits = fc.stringMatching(/^-?[0-9]{1,22}$/);
    const other = fc.constantFrom('', '-', '1.5', '1e3', ' 7', '0x10', 'abc', '--1', '-0', '007', '18446744073709551615');
    fc.assert(
      fc.property(fc.oneof(digits, other), (v) => {
        const t = tableFromRows(['pxname', 'svname', 'v'], [['p', 's', v]]);
        const expected = v === '' ? NaN : Number(v);
        expect(Object.is(cellNumber(t, 0, 2), expected)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    const t = tableFromRows(['pxname', 'svname'], [['p', 's']]);
    expect(cellNumber(t, 0, -1)).toBeNaN(); // a column the table lacks
  });

  // The point of spans: a 2,000-server answer split into a string per cell was 2.5 MB of V8 heap per poll.
  // Measured in a process of its own: what a parsed table adds to the heap while it is alive, the answer aside.
  it('a parsed table adds little to the heap beyond its answer: no string per cell', () => {
    const script = `
      import { readFileSync } from 'node:fs';
      import { parseShowStat } from ${JSON.stringify(new URL('../../src/parse/show-stat.ts', import.meta.url).href)};
      const one = readFileSync(${JSON.stringify(new URL(`../fixtures/haproxy-${V26}/show-stat.txt`, import.meta.url).pathname)}, 'utf8').trimEnd().split('\\n');
      const text = [one[0], ...Array.from({ length: 200 }, () => one.slice(1)).flat(), ''].join('\\n');
      parseShowStat(text); // compiled code counts in the heap too: compile it first
      gc(); gc(); const before = process.memoryUsage().heapUsed;
      const table = parseShowStat(text);
      gc(); gc();
      console.log(JSON.stringify({ rows: table.rowCount, textMb: text.length / 1e6, addedMb: (process.memoryUsage().heapUsed - before) / 1e6 }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as {
      rows: number;
      textMb: number;
      addedMb: number;
    };
    expect(out.rows).toBe(12 * 200);
    // As strings and arrays, the cells took 5.5 times the answer (3.3 MB); as spans, about nothing.
    expect(out.addedMb).toBeLessThan(out.textMb / 2);
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
