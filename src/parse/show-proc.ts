import { ParseError } from './errors.js';

/** One row of `show proc`. */
export interface ProcRow {
  pid: number;
  /** The type column: "master", "worker", or a program's name for program rows. */
  type: string;
  /** 2.0-2.4 only: the relative process number of a current worker. */
  relativePid?: number;
  /** 2.0-2.4 only: `[was: N]`, the relative number an old worker had. */
  wasRelativePid?: number;
  /** How many reloads this process survived (for the master: how many reloads happened). */
  reloads: number;
  /** 2.5+: consecutive failed reloads (`N [failed: M]` on the master row). */
  failedReloads?: number;
  uptimeSec: number;
  /** `-` for programs. */
  version: string;
}

export interface ProcList {
  /** `2.0` for the header with `<relative PID>` (HAProxy 2.0-2.4), `2.5` for later versions. */
  grammar: '2.0' | '2.5';
  master: ProcRow;
  workers: ProcRow[];
  oldWorkers: ProcRow[];
  programs: ProcRow[];
  oldPrograms: ProcRow[];
  /** Sections this parser does not know, skipped. */
  unknownSections: string[];
}

const UPTIME = String.raw`(?<uptime>\d+d\d{2}h\d{2}m\d{2}s)`;
const ROW_2_0 = new RegExp(String.raw`^(?<pid>\d+)\s+(?<type>\S+)\s+(?<rel>\d+|\[was: \d+\]|-)\s+(?<reloads>\d+)\s+${UPTIME}\s+(?<version>\S+)\s*$`);
const ROW_2_5 = new RegExp(
  String.raw`^(?<pid>\d+)\s+(?<type>\S+)\s+(?<reloads>\d+)(?: \[failed: (?<failed>\d+)\])?\s+${UPTIME}\s+(?<version>\S+)\s*` +
    String.raw`(?:\t\t\s*(?<fd0>-?\d+)\s+(?<fd1>-?\d+)\s*)?$`,
);

type Section = 'workers' | 'oldWorkers' | 'programs' | 'oldPrograms';
const SECTIONS: Record<string, Section> = {
  '# workers': 'workers',
  '# old workers': 'oldWorkers',
  '# programs': 'programs',
  '# old programs': 'oldPrograms',
};

/** Parses `show proc` (and `show proc debug`) from the master CLI, for both grammars. Pure. */
export function parseShowProc(text: string): ProcList {
  if (typeof text !== 'string') throw new ParseError('show proc', 'input is not text');
  const lines = text.split('\n');
  const header = lines[0] ?? '';
  if (!header.startsWith('#<PID>')) {
    throw new ParseError('show proc', 'the first line is not the "#<PID> <type> ..." header', { line: 1, excerpt: header });
  }
  const grammar: ProcList['grammar'] = header.includes('<relative PID>') ? '2.0' : '2.5';
  const rowRe = grammar === '2.0' ? ROW_2_0 : ROW_2_5;

  let master: ProcRow | undefined;
  const out: Omit<ProcList, 'master' | 'grammar'> = {
    workers: [],
    oldWorkers: [],
    programs: [],
    oldPrograms: [],
    unknownSections: [],
  };
  let section: Section | 'master' | 'unknown' = 'master';

  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      break; // the first empty line ends the answer
    }
    if (line.startsWith('#')) {
      const name = line.trimEnd();
      const s = SECTIONS[name];
      if (s) section = s;
      else {
        section = 'unknown';
        out.unknownSections.push(name);
      }
      continue;
    }
    if (section === 'unknown') continue;
    const m = rowRe.exec(line);
    if (!m?.groups) {
      throw new ParseError('show proc', `row does not match the HAProxy ${grammar === '2.0' ? '2.0-2.4' : '2.5+'} layout`, {
        line: i + 1,
        excerpt: line,
      });
    }
    const row = toRow(m.groups, grammar, i + 1, line);
    if (section === 'master') {
      if (master) {
        throw new ParseError('show proc', 'a second row before any "# workers" section', { line: i + 1, excerpt: line });
      }
      if (row.type !== 'master') {
        throw new ParseError('show proc', `the first row should be the master, got type "${row.type}"`, {
          line: i + 1,
          excerpt: line,
        });
      }
      master = row;
    } else {
      out[section].push(row);
    }
  }
  if (!master) throw new ParseError('show proc', 'no master row after the header', { line: 2 });
  return { grammar, master, ...out };
}

function toRow(g: Record<string, string | undefined>, grammar: ProcList['grammar'], lineNo: number, line: string): ProcRow {
  const row: ProcRow = {
    pid: Number(g.pid),
    type: g.type!,
    reloads: Number(g.reloads),
    uptimeSec: parseProcUptime(g.uptime!),
    version: g.version!,
  };
  if (!Number.isSafeInteger(row.pid) || row.pid <= 0) {
    throw new ParseError('show proc', `invalid PID "${g.pid}"`, { line: lineNo, excerpt: line });
  }
  if (grammar === '2.0') {
    const rel = g.rel!;
    if (/^\d+$/.test(rel)) row.relativePid = Number(rel);
    else if (rel.startsWith('[was: ')) row.wasRelativePid = Number(rel.slice(6, -1));
  }
  if (g.failed !== undefined) row.failedReloads = Number(g.failed);
  return row;
}

/** `0d00h05m11s` → seconds. */
export function parseProcUptime(s: string): number {
  const m = /^(\d+)d(\d{2})h(\d{2})m(\d{2})s$/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}
