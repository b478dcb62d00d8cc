import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseShowProc, parseProcUptime } from '../../src/parse/show-proc.js';
import { ParseError } from '../../src/parse/errors.js';
import { currentNumbers } from '../../src/haproxy/source.js';
import { fixture, V26 } from '../fixtures.js';

// Captures from the reference notes (HAProxy 2.2.9 with nbproc 3, and 3.2.26), kept byte for byte,
// including the 15-character padding and trailing spaces.
const P22_RELOAD = [
  '#<PID>          <type>          <relative PID>  <reloads>       <uptime>        <version>      ',
  '6307            master          0               1               0d00h05m35s     2.2.9-2+deb11u6',
  '# workers',
  '30652           worker          1               0               0d00h00m02s     2.2.9-2+deb11u6',
  '30653           worker          2               0               0d00h00m02s     2.2.9-2+deb11u6',
  '30654           worker          3               0               0d00h00m02s     2.2.9-2+deb11u6',
  '# old workers',
  '6309            worker          [was: 1]        1               0d00h05m35s     2.2.9-2+deb11u6',
  '6310            worker          [was: 2]        1               0d00h05m35s     2.2.9-2+deb11u6',
  '6311            worker          [was: 3]        1               0d00h05m35s     2.2.9-2+deb11u6',
  '# programs',
  '30651           dummy           -               0               0d00h00m02s     -              ',
  '',
  '',
].join('\n');

const P22_FAILED = [
  '#<PID>          <type>          <relative PID>  <reloads>       <uptime>        <version>      ',
  '6307            master          0               3               0d00h05m48s     2.2.9-2+deb11u6',
  '# workers',
  '# old workers',
  '31287           worker          [was: 1]        1               0d00h00m12s     2.2.9-2+deb11u6',
  '6311            worker          [was: 3]        3               0d00h05m48s     2.2.9-2+deb11u6',
  '# programs',
  '# old programs',
  '31286           dummy           -               1               0d00h00m12s     -',
  '',
  '',
].join('\n');

const P32_DEBUG = [
  '#<PID>          <type>          <reloads>       <uptime>        <version>      \t\t <ipc_fd[0]>     <ipc_fd[1]>    ',
  '6336            master          5 [failed: 0]   0d00h08m24s     3.2.26-1       \t\t 5               7              ',
  '# workers',
  '822             worker          0               0d00h02m16s     3.2.26-1       \t\t 6               -1             ',
  '# old workers',
  '6338            worker          5               0d00h08m24s     3.2.26-1       \t\t 3               -1             ',
  '# programs',
  '821             dummy           0               20728d06h14m50s -              ',
  '',
].join('\n');

const P32_FAILED = [
  '#<PID>          <type>          <reloads>       <uptime>        <version>      ',
  '6336            master          3 [failed: 1]   0d00h05m48s     3.2.26-1       ',
  '# workers',
  '# old workers',
  '30423           worker          1               0d00h00m20s     3.2.26-1       ',
  '6338            worker          3               0d00h05m48s     3.2.26-1       ',
  '',
].join('\n');

describe('parseShowProc', () => {
  it('parses the recorded 2.6 output', () => {
    const p = parseShowProc(fixture(V26, 'show-proc.txt'));
    expect(p.grammar).toBe('2.5');
    expect(p.master.type).toBe('master');
    expect(p.master.failedReloads).toBe(0);
    expect(p.master.reloads).toBe(0);
    expect(p.workers).toHaveLength(1);
    expect(p.workers[0]!.version).toBe('2.6.12-1+deb12u4');
    expect(p.oldWorkers).toHaveLength(0);
    expect(p.programs).toHaveLength(0);
    expect(currentNumbers(p)).toEqual([1]);
  });

  it('parses the recorded 2.6 output after a reload with an old worker', () => {
    const p = parseShowProc(fixture(V26, 'show-proc-after-reload.txt'));
    expect(p.master.reloads).toBe(1);
    expect(p.workers.map((w) => w.reloads)).toEqual([0]);
    expect(p.oldWorkers).toHaveLength(1);
    expect(p.oldWorkers[0]!.reloads).toBe(1);
    expect(p.workers[0]!.pid).not.toBe(p.oldWorkers[0]!.pid);
  });

  it('parses 2.2 nbproc with [was: N] and programs', () => {
    const p = parseShowProc(P22_RELOAD);
    expect(p.grammar).toBe('2.0');
    expect(p.master).toMatchObject({ pid: 6307, reloads: 1, uptimeSec: 335, version: '2.2.9-2+deb11u6' });
    expect(p.workers.map((w) => [w.pid, w.relativePid])).toEqual([
      [30652, 1],
      [30653, 2],
      [30654, 3],
    ]);
    expect(p.oldWorkers.map((w) => [w.pid, w.wasRelativePid, w.reloads])).toEqual([
      [6309, 1, 1],
      [6310, 2, 1],
      [6311, 3, 1],
    ]);
    expect(p.programs).toEqual([{ pid: 30651, type: 'dummy', reloads: 0, uptimeSec: 2, version: '-' }]);
    expect(currentNumbers(p)).toEqual([1, 2, 3]);
  });

  it('parses a 2.2 failed reload: empty # workers, old programs, and @N still planned from [was: N]', () => {
    const p = parseShowProc(P22_FAILED);
    expect(p.workers).toEqual([]);
    expect(p.oldWorkers.map((w) => w.pid)).toEqual([31287, 6311]);
    expect(p.oldPrograms.map((w) => w.type)).toEqual(['dummy']);
    expect(currentNumbers(p)).toEqual([1, 3]);
  });

  it('parses 3.2 show proc debug and the broken program uptime', () => {
    const p = parseShowProc(P32_DEBUG);
    expect(p.master).toMatchObject({ pid: 6336, reloads: 5, failedReloads: 0, version: '3.2.26-1' });
    expect(p.workers.map((w) => w.pid)).toEqual([822]);
    expect(p.oldWorkers.map((w) => w.pid)).toEqual([6338]);
    expect(p.programs[0]!.uptimeSec).toBe(20728 * 86400 + 6 * 3600 + 14 * 60 + 50);
  });

  it('parses a 3.2 failed reload (empty # workers, no # programs) and still plans @1', () => {
    const p = parseShowProc(P32_FAILED);
    expect(p.master.failedReloads).toBe(1);
    expect(p.workers).toEqual([]);
    expect(p.oldWorkers.map((w) => w.pid)).toEqual([30423, 6338]);
    expect(currentNumbers(p)).toEqual([1]);
  });

  it('accepts a version longer than its 15-character column', () => {
    const t =
      '#<PID>          <type>          <reloads>       <uptime>        <version>      \n1 master 0 [failed: 0] 0d00h00m01s 2.6.12-1+deb12u4-extra-long\n# workers\n2 worker 0 0d00h00m01s 2.6.12-1+deb12u4-extra-long\n\n';
    expect(parseShowProc(t).workers[0]!.version).toBe('2.6.12-1+deb12u4-extra-long');
  });

  it.each([
    ['', 'the first line is not the "#<PID>'],
    ['Unknown command, but maybe one of the following ones is a better match:\n', 'the first line is not'],
    ['#<PID>          <type>          <reloads>       <uptime>        <version>\n\n', 'no master row'],
    ['#<PID> <type> <reloads> <uptime> <version>\n1 master x 0d00h00m01s v\n', 'row does not match'],
    ['#<PID> <type> <reloads> <uptime> <version>\n1 worker 0 0d00h00m01s v\n', 'should be the master'],
    ['#<PID> <type> <reloads> <uptime> <version>\n1 master 0 0d00h00m01s v\n2 master 0 0d00h00m01s v\n', 'a second row'],
    ['#<PID> <type> <reloads> <uptime> <version>\n0 master 0 0d00h00m01s v\n', 'invalid PID'],
  ])('rejects garbage %j', (text, msg) => {
    expect(() => parseShowProc(text)).toThrow(ParseError);
    expect(() => parseShowProc(text)).toThrow(msg);
  });

  it('skips unknown sections and reports them', () => {
    const t = P32_FAILED.replace('# old workers', '# future section\n99 thing 0 0d00h00m01s x\n# old workers');
    const p = parseShowProc(t);
    expect(p.unknownSections).toEqual(['# future section']);
    expect(p.oldWorkers).toHaveLength(2);
  });

  it('only ever throws ParseError, on random and mutated input', () => {
    const base = fixture(V26, 'show-proc-after-reload.txt');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc
            .tuple(fc.nat(base.length), fc.nat(base.length), fc.string({ maxLength: 20 }))
            .map(([a, b, s]) => base.slice(0, Math.min(a, b)) + s + base.slice(Math.max(a, b))),
        ),
        (text) => {
          try {
            const p = parseShowProc(text);
            expect(p.master.type).toBe('master');
          } catch (e) {
            expect(e).toBeInstanceOf(ParseError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('converts show proc uptimes', () => {
    expect(parseProcUptime('0d00h05m11s')).toBe(311);
    expect(parseProcUptime('1d01h00m00s')).toBe(90000);
    expect(parseProcUptime('0d 0h05m11s')).toBeNaN();
  });
});
