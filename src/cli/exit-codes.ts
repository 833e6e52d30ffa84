// The one table from errors to exit statuses (style.md section 3), after
// interfaces.md: 0 success; 1 the request failed or was refused for a reason
// of the request; 2 invalid input or usage; 3 ctid unreachable or
// unavailable; 4 not authenticated or not allowed; 130 / 143 detached on
// SIGINT / SIGTERM.

import { isCliError, type CliErrorCode } from './errors.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, unavailable: 3, denied: 4 } as const;

/**
 * gRPC status codes (grpc/doc/statuscodes.md): wire constants, named here so
 * that a usage error never loads grpc-js (start-up time, style.md section 13).
 */
export const GRPC = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
} as const;

const EXIT_FOR_GRPC: Record<number, number> = {
  [GRPC.OK]: EXIT.ok,
  [GRPC.INVALID_ARGUMENT]: EXIT.usage, // a bad number, duration or flag the daemon caught
  [GRPC.OUT_OF_RANGE]: EXIT.usage,
  [GRPC.UNAVAILABLE]: EXIT.unavailable, // ctid, or its switch link, is down
  [GRPC.DEADLINE_EXCEEDED]: EXIT.unavailable, // ctid did not answer in time
  [GRPC.UNIMPLEMENTED]: EXIT.unavailable, // not a ctid (or an older one) at that address
  [GRPC.UNAUTHENTICATED]: EXIT.denied,
  [GRPC.PERMISSION_DENIED]: EXIT.denied, // someone else's extension, not an admin
  // Everything else is a refusal of the request: NOT_FOUND (unknown id),
  // RESOURCE_EXHAUSTED (`limit`), FAILED_PRECONDITION, ALREADY_EXISTS, INTERNAL.
};

const EXIT_FOR_CLI: Record<Exclude<CliErrorCode, 'interrupted' | 'request-ended'>, number> = {
  usage: EXIT.usage,
  'no-token': EXIT.denied,
  unreachable: EXIT.unavailable,
};

/** Failure reasons that mean "not allowed" whatever the status code (interfaces.md: a `barred` destination exits 4). */
const DENIED_REASONS: ReadonlySet<string> = new Set(['barred', 'not-allowed']);

/** The exit status for a request that ended in `state` with `reason`. */
export function exitForResult(state: string, reason: string): number {
  if (state === 'succeeded') return EXIT.ok;
  return DENIED_REASONS.has(reason) ? EXIT.denied : EXIT.failed;
}

/** A gRPC ServiceError as grpc-js delivers it; recognised by shape. */
export interface GrpcError {
  code: number;
  details: string;
  metadata: { get(key: string): unknown[] };
}

export function isGrpcError(err: unknown): err is GrpcError {
  const e = err as Partial<GrpcError> | null;
  return typeof e === 'object' && e !== null && typeof e.code === 'number' && typeof e.details === 'string' && typeof e.metadata?.get === 'function';
}

/** The interfaces.md failure reason ctid put in the trailing metadata (src/daemon/grpc/status.ts), if any. */
function reasonOf(err: GrpcError): string {
  const [reason] = err.metadata.get('cti-reason');
  return typeof reason === 'string' ? reason : '';
}

/**
 * The exit status for whatever a command threw, and the sentence to print on
 * stderr (none where something was printed already: commander's usage
 * errors, a request's result line, a detached request's id).
 */
export function failureOf(err: unknown, server: string): { exitCode: number; message?: string } {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('commander.')) {
    const commanderExit = (err as { exitCode?: number }).exitCode;
    return { exitCode: code === 'commander.helpDisplayed' || code === 'commander.version' || commanderExit === 0 ? EXIT.ok : EXIT.usage };
  }
  if (isCliError(err)) {
    if (err.code === 'interrupted') return { exitCode: err.details.signal === 'SIGTERM' ? 143 : 130 };
    if (err.code === 'request-ended') return { exitCode: exitForResult('failed', err.details.reason ?? '') };
    return { exitCode: EXIT_FOR_CLI[err.code], message: err.message };
  }
  if (isGrpcError(err)) {
    const reason = reasonOf(err);
    const exitCode = DENIED_REASONS.has(reason) ? EXIT.denied : (EXIT_FOR_GRPC[err.code] ?? EXIT.failed);
    return { exitCode, message: grpcSentence(err, reason, server) };
  }
  return { exitCode: EXIT.failed, message: `internal error: ${err instanceof Error ? err.message : String(err)}` };
}

function grpcSentence(err: GrpcError, reason: string, server: string): string {
  switch (err.code) {
    case GRPC.UNAVAILABLE:
      return `ctid at ${server} is unavailable: ${err.details}`;
    case GRPC.DEADLINE_EXCEEDED:
      return `ctid at ${server} did not answer in time (is it running? set --server or CTI_SERVER)`;
    case GRPC.UNAUTHENTICATED:
      return `${err.details} (check --token, CTI_TOKEN or the token in the config file)`;
    default:
      return reason && !err.details.includes(reason) ? `${err.details} (${reason})` : err.details;
  }
}
