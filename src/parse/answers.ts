import { ParseError } from './errors.js';
import { parseShowInfo, type InfoRecord } from './show-info.js';
import { parseShowStat, type StatTable } from './show-stat.js';

/** One process's answers as typed values; an answer that did not parse is left out and its error kept. */
export interface ParsedAnswers {
  info?: InfoRecord;
  table?: StatTable;
  errors: ParseError[];
}

/** Parses a process's `show info` and `show stat` answers, whichever it has. Never throws. Pure. */
export function parseAnswers(answers: { info?: { text: string }; stat?: { text: string } }): ParsedAnswers {
  const out: ParsedAnswers = { errors: [] };
  if (answers.info) {
    try {
      out.info = parseShowInfo(answers.info.text);
    } catch (err) {
      out.errors.push(asParseError('show info', err));
    }
  }
  if (answers.stat) {
    try {
      out.table = parseShowStat(answers.stat.text);
    } catch (err) {
      out.errors.push(asParseError('show stat', err));
    }
  }
  return out;
}

function asParseError(what: string, err: unknown): ParseError {
  return err instanceof ParseError ? err : new ParseError(what, err instanceof Error ? err.message : String(err), { cause: err });
}
