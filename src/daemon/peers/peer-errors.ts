// The one table from what a peer's ctid answered (a gRPC status, with the
// failure reason in trailing metadata `cti-reason`, grpc/status.ts) back to
// the core's CtiError (style.md section 2). A peer that cannot be reached
// becomes `unavailable` with reason `peer-unavailable`, which the core
// retries within the request's window; a peer that refuses us is
// `permission-denied`, which it does not.

import { status, type Metadata } from '@grpc/grpc-js';
import { CtiError, isCtiError, type CtiErrorCode } from '../core/errors.js';
import type { FailureReason } from '../core/request.js';
import { REASON_METADATA_KEY } from '../grpc/status.js';

/** Codes a peer sends for a refusal of the request itself: kept as they are. */
const REFUSALS: Partial<Record<status, CtiErrorCode>> = {
  [status.INVALID_ARGUMENT]: 'invalid-argument',
  [status.NOT_FOUND]: 'not-found',
  [status.ALREADY_EXISTS]: 'already-exists',
  [status.PERMISSION_DENIED]: 'permission-denied',
  [status.RESOURCE_EXHAUSTED]: 'resource-exhausted',
  [status.FAILED_PRECONDITION]: 'failed-precondition',
};

/** A ServiceError as grpc-js delivers it; recognised by shape, never by instanceof. */
interface ServiceErrorShape {
  code: number;
  details: string;
  metadata?: Metadata;
}

function isServiceError(err: unknown): err is ServiceErrorShape {
  const e = err as Partial<ServiceErrorShape> | null;
  return typeof e === 'object' && e !== null && typeof e.code === 'number' && typeof e.details === 'string';
}

export interface PeerAddress {
  office: string;
  address: string;
}

/** Whatever a call to a peer failed with, as the CtiError the core acts on. */
export function peerError(peer: PeerAddress, err: unknown): CtiError {
  if (isCtiError(err)) return err;
  const { office, address } = peer;
  if (!isServiceError(err)) return new CtiError('internal', `the call to office ${office} failed`, 'internal', { cause: err });
  const [sent] = err.metadata?.get(REASON_METADATA_KEY) ?? [];
  const reason = typeof sent === 'string' && sent ? (sent as FailureReason) : undefined;
  switch (err.code) {
    case status.UNAUTHENTICATED:
      return new CtiError('permission-denied', `office ${office} refused our credentials`, 'not-allowed', { cause: err });
    case status.UNIMPLEMENTED:
      return new CtiError('unavailable', `office ${office} does not serve the peer API at ${address} (not a ctid, or an older one)`, 'peer-unavailable', { cause: err });
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
    case status.CANCELLED:
      // With a reason, the peer itself answered (e.g. its switch link is down); without, it was not reached.
      if (reason) return new CtiError('unavailable', `office ${office}: ${err.details}`, reason, { cause: err });
      return new CtiError('unavailable', `office ${office} is unreachable at ${address}: ${err.details}`, 'peer-unavailable', { cause: err });
    default: {
      const code = REFUSALS[err.code as status] ?? 'internal';
      return new CtiError(code, `office ${office}: ${err.details}`, reason, { cause: err });
    }
  }
}

/** Whether the peer was not reached at all (as opposed to reached and refusing). */
export function isUnreachable(err: CtiError): boolean {
  return err.reason === 'peer-unavailable';
}
