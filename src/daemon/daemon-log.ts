// The daemon's logger: pino, with keepalived's wording in the messages ("(VI_1) Entering MASTER
// STATE") so operators' greps and alerting rules keep working.
//
// Two outputs, as keepalived has (syslog, or -l to the console):
//  - default: one JSON object per line on stdout (pino's format, for journald / log shippers);
//  - `-l` (logConsole): human lines on stderr, keepalived's console format
//    "Sat Nov 21 12:03:03 2026: (VI_1) Entering MASTER STATE".
// `-D` (logDetail) lowers the level to debug, which adds the why of each transition.

import { pino, type Logger } from 'pino';

export type DaemonLogger = Logger;

export interface LogOptions {
  readonly logConsole: boolean;
  readonly logDetail: boolean;
  /** Where human lines go (default process.stderr). */
  readonly sink?: { write(s: string): unknown };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** keepalived's console timestamp (ctime without the newline), local time. */
export function consoleTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

export function createDaemonLogger(o: LogOptions): DaemonLogger {
  const level = o.logDetail ? 'debug' : 'info';
  if (!o.logConsole) return pino({ level, base: { pid: process.pid } });
  const sink = o.sink ?? process.stderr;
  const stream = {
    write(line: string): void {
      try {
        const j = JSON.parse(line) as { time?: number; msg?: string; level?: number };
        sink.write(`${consoleTime(new Date(j.time ?? Date.now()))}: ${j.msg ?? ''}\n`);
      } catch {
        sink.write(line);
      }
    },
  };
  return pino({ level, base: undefined }, stream);
}
