// The one table from the core's error codes to gRPC status codes (style.md
// section 2). The CLI maps these back to exit statuses in
// src/cli/exit-codes.ts. The failure reason (interfaces.md: `limit`,
// `barred`, ...) travels in the trailing metadata `cti-reason`, so a client
// can name it without parsing the message. Causes are logged, never sent.

import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { isCtiError, type CtiErrorCode } from '../core/errors.js';

export type Logger = (event: string, fields?: Record<string, unknown>) => void;

/** Trailing metadata key carrying the interfaces.md failure reason. */
export const REASON_METADATA_KEY = 'cti-reason';

const GRPC_STATUS: Record<CtiErrorCode, status> = {
  'invalid-argument': status.INVALID_ARGUMENT,
  'not-found': status.NOT_FOUND,
  'already-exists': status.ALREADY_EXISTS,
  'permission-denied': status.PERMISSION_DENIED,
  unauthenticated: status.UNAUTHENTICATED,
  'resource-exhausted': status.RESOURCE_EXHAUSTED,
  'failed-precondition': status.FAILED_PRECONDITION,
  unavailable: status.UNAVAILABLE,
  internal: status.INTERNAL,
};

const INTERNAL_MESSAGE = 'ctid failed internally; its log says why';

/**
 * The status to send for anything a handler threw. Only CtiErrors with a
 * client-facing code keep their message: anything else may carry paths,
 * stack frames or switch internals, so it is logged and replaced.
 */
export function toStatusObject(err: unknown, log: Logger, method: string): StatusObject {
  const metadata = new Metadata();
  if (isCtiError(err) && err.code !== 'internal') {
    if (err.reason) metadata.set(REASON_METADATA_KEY, err.reason);
    return { code: GRPC_STATUS[err.code], details: err.message, metadata };
  }
  log('grpc-internal-error', { method, error: err instanceof Error ? (err.stack ?? err.message) : String(err), cause: causeOf(err) });
  if (isCtiError(err) && err.reason) metadata.set(REASON_METADATA_KEY, err.reason);
  return { code: status.INTERNAL, details: INTERNAL_MESSAGE, metadata };
}

function causeOf(err: unknown): string | undefined {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause === undefined) return undefined;
  return cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
}
