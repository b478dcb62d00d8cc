import { docOf } from '../documents.js';
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { parseShowProc } from '../../src/parse/show-proc.js';
import { parseShowInfo } from '../../src/parse/show-info.js';
import { parseShowStat } from '../../src/parse/show-stat.js';
import { statEvents } from '../../src/documents/stat-documents.js';
import { infoEvent } from '../../src/documents/info-document.js';
import { checkAnswer } from '../../src/haproxy/cli-client.js';
import { currentNumbers } from '../../src/haproxy/source.js';
import { ProcessGoneError, UnknownCommandError } from '../../src/haproxy/errors.js';
import { fixture, fixtureVersions } from '../fixtures.js';
import { tableRows } from '../../src/parse/stat-table.js';

const ctx = (pid: number) => ({
  target: { name: 't', address: '/run/m.sock' },
  agent: { name: 'a', version: '0', id: 'x', hostname: 'h' },
  process: { pid, num: 1, old: false },
  sampledAt: 1_800_000_000_000,
  periodMs: 1000,
  namespace: 'default',
});

const versions = fixtureVersions();

describe('recorded output of every HAProxy version', () => {
  it('covers the four versions of the matrix', () => {
    expect(versions.map((v) => v.split('.').slice(0, 2).join('.'))).toEqual(['2.2', '2.6', '3.0', '3.2']);
  });

  describe.each(versions)('HAProxy %s', (v) => {
    const major = v.split('.').slice(0, 2).join('.');
    const nbproc = major === '2.2' ? 3 : 1;

    it('show proc parses, in the right grammar, before and after a reload, and in debug form', () => {
      const p = parseShowProc(fixture(v, 'show-proc.txt'));
      expect(p.grammar).toBe(major === '2.2' ? '2.0' : '2.5');
      expect(p.workers).toHaveLength(nbproc);
      expect(currentNumbers(p)).toEqual(Array.from({ length: nbproc }, (_, i) => i + 1));
      const r = parseShowProc(fixture(v, 'show-proc-after-reload.txt'));
      expect(r.master.reloads).toBe(1);
      expect(r.workers).toHaveLength(nbproc);
      expect(r.oldWorkers.length).toBeGreaterThanOrEqual(1);
      for (const o of r.oldWorkers) {
        expect(o.reloads).toBe(1);
        if (major === '2.2') expect(o.wasRelativePid).toBeGreaterThanOrEqual(1);
      }
      expect(parseShowProc(fixture(v, 'show-proc-debug.txt')).workers).toHaveLength(nbproc);
    });

    it('show info parses and maps with no problem and no unknown key', () => {
      const info = parseShowInfo(fixture(v, 'show-info.txt'));
      expect(info.Version).toBe(v);
      expect(info.description).toBe('Lab node, with comma');
      const r = infoEvent(info, ctx(Number(info.Pid)), 1);
      expect(r.problems).toEqual([]);
      expect(r.unknownKeys).toEqual([]);
      const d = docOf(r.event) as any;
      expect(d.haproxy.info.process_num).toBe(1);
      expect(d.haproxy.info.processes).toBe(nbproc);
      expect(d.haproxy.info.requests.total).toBe(Number(info.CumReq));
    });

    it('show stat parses and maps every column: no problem, no unknown column, one document per row', () => {
      const table = parseShowStat(fixture(v, 'show-stat.txt'));
      expect(table.rowCount).toBe(12);
      const r = statEvents(table, ctx(1), 1);
      expect(r.problems).toEqual([]);
      expect(r.unknownColumns).toEqual([]);
      expect(r.events).toHaveLength(12);
      const q1 = docOf(r.events.find((e) => e.json.includes('"service_name":"q1"'))!) as any;
      expect(q1.haproxy.stat.check.health.last).toBe('Down, for "maint"');
    });

    it('each process answers with its own relative number in the CSV pid column', () => {
      for (let n = 1; n <= nbproc; n++) {
        const t = parseShowStat(fixture(v, n === 1 ? 'show-stat.txt' : `show-stat-at${n}.txt`));
        const pidCol = t.header.indexOf('pid');
        expect(new Set(tableRows(t).map((row) => row[pidCol]))).toEqual(new Set([String(n)]));
        if (n > 1) expect(parseShowInfo(fixture(v, `show-info-at${n}.txt`)).Process_num).toBe(String(n));
      }
    });

    it('an old worker answers Stopping: 1; its show stat is only a header on 2.2 and complete later', () => {
      expect(parseShowInfo(fixture(v, 'old-worker-show-info.txt')).Stopping).toBe('1');
      const t = parseShowStat(fixture(v, 'old-worker-show-stat.txt'));
      expect(t.rowCount).toBe(major === '2.2' ? 0 : 12);
    });

    it('error answers become typed errors', () => {
      expect(() => checkAnswer(fixture(v, 'unknown-target.txt'), '@9 show info', 'm', 'master')).toThrow(ProcessGoneError);
      expect(() => checkAnswer(fixture(v, 'master-unknown-command.txt'), 'show info', 'm', 'master')).toThrow(UnknownCommandError);
      expect(() => checkAnswer(fixture(v, 'worker-socket-show-proc.txt'), 'show proc', 'm', 'master')).toThrow('not the master CLI');
    });

    it('typed output is recorded for deriving field natures', () => {
      expect(existsSync(`test/fixtures/haproxy-${v}/show-stat-typed.txt`)).toBe(true);
      expect(fixture(v, 'show-stat-typed.txt')).toMatch(/^F\.\d+\.0\.0\.pxname\.1:KNS:str:fe_main$/m);
    });
  });
});
