import pino, { type Logger } from 'pino';
import { redactDeep, redactText } from '../redact.js';

export type { Logger };
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/**
 * Structured JSON logs on stderr (stdout stays free for `hapbeat once` documents). pino is used rather than a
 * hand-written logger: it is fast, well kept, and writes synchronously here so nothing is lost on exit.
 */
export function createLogger(level: LogLevel = 'info', dest: number | NodeJS.WritableStream = 2): Logger {
  const stream = typeof dest === 'number' ? pino.destination({ dest, sync: true }) : dest;
  return pino(
    {
      level,
      base: { service: 'hapbeat' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: (obj) => redactDeep(obj) },
      // Messages too: no URL credentials in any log line, whatever produced the text.
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    stream as pino.DestinationStream,
  );
}
