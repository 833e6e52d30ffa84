// The CLI's own failures, beside the gRPC status errors the daemon sends.
// Commands throw; main.ts maps every error to an exit status in one place
// (exit-codes.ts). Recognised by `kind` and `code`, never by instanceof
// (style.md section 2).

export type CliErrorCode =
  /** Bad input or usage caught before anything was sent (exit 2). */
  | 'usage'
  /** No token in flags, env, config or the admin token file (exit 4). */
  | 'no-token'
  /** Nothing answers at the server address within the connect deadline (exit 3). */
  | 'unreachable'
  /** The request ended failed or cancelled; its result line is printed already (exit 1, 4 for barred). */
  | 'request-ended'
  /** SIGINT / SIGTERM: the CLI detached or stopped (exit 130 / 143). */
  | 'interrupted';

export class CliError extends Error {
  override readonly name = 'CliError';
  readonly kind = 'cti-cli-error' as const;
  constructor(
    readonly code: CliErrorCode,
    message: string,
    readonly details: { reason?: string; signal?: NodeJS.Signals } = {},
  ) {
    super(message);
  }
}

export function isCliError(err: unknown): err is CliError {
  return typeof err === 'object' && err !== null && (err as { kind?: unknown }).kind === 'cti-cli-error';
}

/** ctid does not answer at `server` (exit 3), with the hint of what to check. */
export function unreachable(server: string): CliError {
  return new CliError('unreachable', `cannot reach ctid at ${server} (is it running? set --server or CTI_SERVER)`);
}
