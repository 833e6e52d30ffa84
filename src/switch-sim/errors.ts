// Errors of the simulator's control surface (the CLI's buttons and settings),
// as sentences a person can act on. `code` picks the control API's HTTP status.

export type SimulatorErrorCode = 'not-found' | 'invalid' | 'conflict';

export class SimulatorError extends Error {
  override readonly name = 'SimulatorError';
  readonly kind = 'simulator' as const;
  constructor(
    readonly code: SimulatorErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isSimulatorError(err: unknown): err is SimulatorError {
  return typeof err === 'object' && err !== null && (err as { kind?: unknown }).kind === 'simulator';
}
