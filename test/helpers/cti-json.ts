// Reading `cti --json` output in tests: the lines a waiting cti printed, and
// its closing result line, with the whole transcript in every failure.

import * as assert from 'uvu/assert';
import type { RunningBin } from './processes.js';

/** One `--json` line of cti (progress, result, line, ...). */
export interface CtiLine {
  type: string;
  id: string;
  state: string;
  detail?: string;
  reason?: string;
  message?: string;
  device?: string;
}

export const parseLines = (cti: RunningBin): CtiLine[] => cti.lines.map((line) => JSON.parse(line) as CtiLine);

export const transcript = (cti: RunningBin): string => `stdout:\n${cti.lines.join('\n')}\nstderr:\n${cti.stderr}`;

/** Waits for cti to exit with `code` and returns its last line, which must be the result. */
export async function resultOf(cti: RunningBin, code: number): Promise<CtiLine> {
  assert.equal(await cti.exited, { code, signal: null }, transcript(cti));
  const last = parseLines(cti).at(-1)!;
  assert.is(last.type, 'result', transcript(cti));
  return last;
}
