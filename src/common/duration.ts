// DUR values (interfaces.md): a positive number with a unit, `90s`, `5m`,
// `1h30m`; bare numbers are refused (is `10` seconds or minutes?). Parsing
// is parse-duration's; this adds the rules.

import parse from 'parse-duration';

const WITH_UNIT = /^\s*(\d+(\.\d+)?\s*[a-zA-Zµ]+\s*)+$/;

/** Milliseconds, or a sentence saying what is wrong. */
export function parseDuration(text: string): { ms: number } | { error: string } {
  if (!WITH_UNIT.test(text)) return { error: `"${text}" is not a duration: give a number with a unit, e.g. 90s, 5m, 1h30m` };
  const ms = parse(text);
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return { error: `"${text}" is not a duration: e.g. 90s, 5m, 1h30m` };
  if (ms <= 0) return { error: `"${text}" must be longer than zero` };
  return { ms: Math.round(ms) };
}

/** 5400000 -> "1h30m": for messages and defaults shown in help. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let s = Math.round(ms / 1000);
  for (const [unit, size] of [['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.join('') || '0s';
}
