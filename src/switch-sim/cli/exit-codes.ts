// The one table from errors to exit statuses (style.md section 3), after
// interfaces.md's `cti` rules: 0 ok, 1 the simulator refused, 2 usage or
// invalid input, 3 the control API unreachable. Errors are recognised by their
// code, never by instanceof (style.md section 2).

import { isControlApiError, type ControlApiErrorCode } from '../control-client.js';
import { isSimulatorError, type SimulatorErrorCode } from '../errors.js';

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

const EXIT_FOR: Record<SimulatorErrorCode | ControlApiErrorCode, number> = {
  'not-found': EXIT.refused, // no such office, device, call
  conflict: EXIT.refused, // the phone's state does not allow it (e.g. answer while idle)
  internal: EXIT.refused, // the simulator failed; its log says why
  invalid: EXIT.usage,
  unreachable: EXIT.unreachable,
};

/** Commander's codes that are not usage errors; every other `commander.*` code is (exit 2). */
const COMMANDER_EXIT: Record<string, number> = {
  'commander.helpDisplayed': EXIT.ok,
  'commander.version': EXIT.ok,
};

/**
 * The exit status for an error, and the sentence to print (none for
 * commander's errors: commander has printed its own).
 */
export function failureOf(err: unknown): { exitCode: number; message?: string } {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('commander.')) return { exitCode: COMMANDER_EXIT[code] ?? EXIT.usage };
  if (isSimulatorError(err) || isControlApiError(err)) return { exitCode: EXIT_FOR[err.code], message: err.message };
  return { exitCode: EXIT.refused, message: err instanceof Error ? err.message : String(err) };
}
