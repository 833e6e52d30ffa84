// The core's one error type with a closed set of codes (style.md section 2).
// Each edge maps the codes once: grpc/status.ts to gRPC status codes, and the
// CLI maps those to exit codes. `cause` is logged, never sent to a client.

import type { FailureReason } from './request.js';

export type CtiErrorCode =
  | 'invalid-argument' // bad input: a number, a duration, a flag
  | 'not-found' // no such request (or someone else's)
  | 'already-exists'
  | 'permission-denied' // not your extension, not an admin
  | 'unauthenticated' // no or wrong token
  | 'resource-exhausted' // a cap on pending requests
  | 'failed-precondition' // the request is in a state that does not allow it
  | 'unavailable' // the switch link or a peer is down
  | 'internal';

export class CtiError extends Error {
  override readonly name = 'CtiError';
  readonly kind = 'cti-error' as const;
  constructor(
    readonly code: CtiErrorCode,
    message: string,
    /** The interfaces.md failure reason, where one applies (e.g. `limit`, `barred`). */
    readonly reason?: FailureReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isCtiError(err: unknown): err is CtiError {
  return typeof err === 'object' && err !== null && (err as { kind?: unknown }).kind === 'cti-error';
}

/** Throws `permission-denied` unless the user is an admin (`what`: "change the route table"). */
export function mustBeAdmin(principal: { admin: boolean }, what: string): void {
  if (!principal.admin) throw new CtiError('permission-denied', `only an admin may ${what}`, 'not-allowed');
}
