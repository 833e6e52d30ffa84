// Logs go to stderr as JSON lines (pino); stdout carries only the readiness
// lines (interfaces.md). A fixed message per event, with fields (style.md 14).
// CTID_LOG sets the level (default info; `silent` to mute).

import { pino } from 'pino';

export type Logger = (event: string, fields?: Record<string, unknown>) => void;

export function createLogger(level = process.env.CTID_LOG ?? 'info'): Logger {
  const log = pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
  return (event, fields) => log.info(fields ?? {}, event);
}
