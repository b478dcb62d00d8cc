import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseShowInfo } from '../../src/parse/show-info.js';
import { ParseError } from '../../src/parse/errors.js';
import { fixture, V26 } from '../fixtures.js';

describe('parseShowInfo', () => {
  it('parses the recorded 2.6 output: keys with spaces, quoted values, the 2.6 typo key', () => {
    const i = parseShowInfo(fixture(V26, 'show-info.txt'));
    expect(Object.keys(i)).toHaveLength(70);
    expect(i.Name).toBe('HAProxy');
    expect(i.Version).toBe('2.6.12-1+deb12u4');
    expect(i['Unstoppable Jobs']).toBe('1');
    expect(i['Build info']).toBe('2.6.12-1+deb12u4');
    expect(i.description).toBe('Lab node, with comma');
    expect(i.Uptime).toMatch(/^0d 0h00m\d\ds$/);
    expect(i.TotalSplicdedBytesOut).toBe('0');
    expect(i.Stopping).toBe('0');
    expect(i.Process_num).toBe('1');
    expect(i.Start_time_sec).toMatch(/^\d{10}$/);
  });

  it('parses an old worker (Stopping: 1)', () => {
    const i = parseShowInfo(fixture(V26, 'old-worker-show-info.txt'));
    expect(i.Stopping).toBe('1');
  });

  it('splits on the first ": " only, and accepts an empty value', () => {
    expect(parseShowInfo('Name: HAProxy\nnode: a: b\nIdle_pct:\n\n')).toEqual({ Name: 'HAProxy', node: 'a: b', Idle_pct: '' });
  });

  it('unescapes doubled quotes', () => {
    expect(parseShowInfo('Name: HAProxy\ndescription: "say ""hi"", ok"\n\n').description).toBe('say "hi", ok');
  });

  it.each([
    ['', 'no "Key: value" lines'],
    ['\n\n', 'no "Key: value" lines'],
    ["Can't find the target PID matching the prefix '@9'\n", 'expected "Key: value"'],
    ['Unknown command, but maybe one of the following ones is a better match:\n  show proc   : x\n', 'invalid key'],
    ['Foo: 1\nBar: 2\n\n', 'neither "Name" nor "Pid"'],
    ['Name: HAProxy\ndescription: "unterminated\n', 'unterminated quoted value'],
    ['Name: HAProxy\ndescription: "a"b"\n', 'not doubled'],
    ['Name: x\n{"json": 1}\n', 'invalid key'],
  ])('rejects %j', (text, msg) => {
    expect(() => parseShowInfo(text)).toThrow(ParseError);
    expect(() => parseShowInfo(text)).toThrow(msg);
  });

  it('only ever throws ParseError on random and mutated input', () => {
    const base = fixture(V26, 'show-info.txt');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.tuple(fc.nat(base.length), fc.string({ maxLength: 10 })).map(([a, s]) => base.slice(0, a) + s + base.slice(a + s.length)),
        ),
        (text) => {
          try {
            parseShowInfo(text);
          } catch (e) {
            expect(e).toBeInstanceOf(ParseError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
